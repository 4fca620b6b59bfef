"""``elicitor briefings``: stored briefings, templates, validation and the schema."""

from __future__ import annotations

from collections import Counter
from typing import Any

import click

from elicitor.briefing.loader import (
    briefing_json_schema,
    dump_schema,
    load_briefing_file,
    load_template,
    template_names,
)


@click.group()
def briefings() -> None:
    """Stored briefings, templates, validation and schema."""


@briefings.command("list")
@click.pass_obj
def list_stored(app: Any) -> None:
    """List the briefings stored in the database, with their sessions."""
    store = app.store
    records = store.list_briefings()
    if not records:
        click.echo(
            "No briefings stored yet. An interview stores its briefing: "
            "elicitor interview --template incident"
        )
        return
    sessions = store.list_sessions()
    started = Counter(s.briefing_pk for s in sessions)
    signed = Counter(s.briefing_pk for s in sessions if s.status == "signed_off")
    click.echo(f"{'ID':28} {'VERSIONS (PK)':18} {'SESSIONS':>8} {'SIGNED':>6}  TITLE")
    by_slug: dict[str, list[Any]] = {}
    for record in records:
        by_slug.setdefault(record.slug, []).append(record)
    for slug, versions in by_slug.items():
        pks = [r.pk for r in versions]
        label = ", ".join(f"v{r.version} ({r.pk})" for r in versions)
        if len(label) > 18:
            label = f"v{versions[0].version}-v{versions[-1].version} ({pks[0]}-{pks[-1]})"
        click.echo(
            f"{slug:28} {label:18} {sum(started[pk] for pk in pks):>8} "
            f"{sum(signed[pk] for pk in pks):>6}  {versions[-1].briefing.title}"
        )


@briefings.command("templates")
def list_templates() -> None:
    """List the built-in briefing templates."""
    for name in template_names():
        briefing = load_template(name)
        required = sum(1 for t in briefing.topics if t.required)
        click.echo(
            f"{name:20} {briefing.title} ({len(briefing.topics)} topics, {required} required)"
        )


@briefings.command("show")
@click.argument("name")
def show_template(name: str) -> None:
    """Print a built-in template as YAML, to copy and edit."""
    from importlib import resources

    load_template(name)
    click.echo(
        (resources.files("elicitor.briefing") / "templates" / f"{name}.yaml").read_text(), nl=False
    )


@briefings.command("validate")
@click.argument("file", type=click.Path(dir_okay=False))
def validate(file: str) -> None:
    """Check a briefing file; errors name the field and the problem."""
    briefing = load_briefing_file(file)
    click.echo(f"{file}: valid briefing {briefing.id!r} with {len(briefing.topics)} topics")


@briefings.command("schema")
def schema() -> None:
    """Print the briefing JSON Schema."""
    click.echo(dump_schema(briefing_json_schema()), nl=False)


def register(root: click.Group) -> None:
    root.add_command(briefings)
