"""``elicitor briefings``: list templates, validate files, print the schema."""

from __future__ import annotations

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
    """Briefing templates, validation and schema."""


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
