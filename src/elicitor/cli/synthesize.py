"""``elicitor synthesize``: who says what across a briefing's sessions, and the second round.

Also adds ``elicitor bench synthesis`` to the ``bench`` group when that group is installed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


@click.command("synthesize")
@click.argument("briefing_id")
@click.option(
    "--format", "fmt", type=click.Choice(["md", "json", "html"]), default="md", show_default=True
)
@click.option(
    "--include-unsigned",
    is_flag=True,
    help="Also read sessions not signed off yet; they are marked as unsigned.",
)
@click.option(
    "--names",
    is_flag=True,
    help="Show participants' names instead of 'Participant N', also in second-round questions.",
)
@click.option(
    "--timeline/--no-timeline",
    default=None,
    help="Add the merged timeline. Default: only for incident briefings.",
)
@click.option(
    "--engine",
    metavar="SPEC",
    help="Align claims with this engine's model (provider:model, e.g. openai:MODEL). "
    "Default: the briefing's engine, else ELICITOR_ENGINE, else offline.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
@click.option(
    "--round2",
    is_flag=True,
    help="Instead of printing the synthesis, create second-round links for every participant "
    "with open disagreements and print them.",
)
@click.option(
    "--days",
    type=click.IntRange(0, 3650),
    default=None,
    help="Second-round links expire after this many days (0: never). Default: ELICITOR_LINK_DAYS.",
)
@click.option(
    "--base-url",
    help="Address the printed links start with. Default: ELICITOR_PUBLIC_URL, else "
    f"{DEFAULT_BASE_URL}.",
)
@click.pass_obj
def synthesize(
    app: Any,
    briefing_id: str,
    fmt: str,
    include_unsigned: bool,
    names: bool,
    timeline: bool | None,
    engine: str | None,
    output: str | None,
    round2: bool,
    days: int | None,
    base_url: str | None,
) -> None:
    """Align the claims of every session of BRIEFING_ID (an id or a pk, all versions).

    Only signed-off sessions are read unless --include-unsigned is given.
    """
    if round2:
        _round2(app, briefing_id, names, include_unsigned, days, base_url, engine)
        return
    from elicitor.synthesis.build import SynthesisOptions
    from elicitor.synthesis.render import render
    from elicitor.synthesis.service import synthesize_briefing

    options = SynthesisOptions(include_unsigned=include_unsigned, names=names, timeline=timeline)
    synthesis = synthesize_briefing(app.store, briefing_id, options=options, engine=engine)
    text = render(synthesis, fmt)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}", err=True)
        return
    click.echo(text, nl=False)


def _round2(
    app: Any,
    briefing_id: str,
    names: bool,
    include_unsigned: bool,
    days: int | None,
    base_url: str | None,
    engine: str | None,
) -> None:
    from elicitor.synthesis.service import create_round2

    chosen_days = app.settings.link_days if days is None else days
    expires_at = None
    if chosen_days > 0:
        expires_at = (datetime.now(UTC) + timedelta(days=chosen_days)).isoformat()
    invites = create_round2(
        app.store,
        briefing_id,
        names=names,
        include_unsigned=include_unsigned,
        expires_at=expires_at,
        engine=engine,
    )
    if not invites:
        click.echo("No open disagreements: nobody needs a second round.")
        return
    root = (base_url or app.settings.public_url or DEFAULT_BASE_URL).rstrip("/")
    for invite in invites:
        where = (
            f"{root}/p/{invite.token}"
            if invite.token
            else f"already invited (link {invite.link_id}; reissue it to get a new address)"
        )
        replaced = (
            f" (replaces {invite.replaced_links} earlier link(s), now revoked)"
            if invite.replaced_links
            else ""
        )
        click.echo(
            f"{invite.participant} {invite.label}: {invite.questions} question(s): "
            f"{where}{replaced}"
        )
    click.echo("Each address is shown only once; send it to that participant.", err=True)


@click.command("synthesis")
@click.option(
    "--json", "json_out", type=click.Path(dir_okay=False), help="Write the JSON report here."
)
@click.option(
    "--speed",
    is_flag=True,
    help="Also time the synthesis of 10, 40 and 100 scripted incident interviews.",
)
def bench_synthesis(json_out: str | None, speed: bool) -> None:
    """Interview the post-mortem participants, synthesise, and score the disagreements."""
    from elicitor.synthesis.bench import bench_table, run_speed, run_synthesis_bench

    def progress(line: str) -> None:
        click.echo(line, err=True)

    report = run_synthesis_bench(progress=progress)
    if speed:
        report["speed"] = run_speed(progress=progress)
    click.echo(bench_table(report))
    if json_out:
        path = Path(json_out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        click.echo(f"Wrote the JSON report to {json_out}", err=True)


def register(root: click.Group) -> None:
    root.add_command(synthesize)
    bench = root.commands.get("bench")
    if isinstance(bench, click.Group):
        bench.add_command(bench_synthesis)
