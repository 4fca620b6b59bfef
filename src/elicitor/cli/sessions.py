"""``elicitor sessions`` and ``elicitor trace``: list, export, show and verify."""

from __future__ import annotations

import sys
from typing import Any

import click

from elicitor.errors import TraceTampered


@click.group()
def sessions() -> None:
    """List and export interview sessions."""


@sessions.command("list")
@click.pass_obj
def list_sessions(app: Any) -> None:
    """List sessions with their status."""
    store = app.store
    records = store.list_sessions()
    if not records:
        click.echo("No sessions yet. Start one with: elicitor interview --template bug-triage")
        return
    briefings = {b.pk: b for b in store.list_briefings()}
    click.echo(f"{'SESSION':16} {'STATUS':17} {'BRIEFING':24} {'EVENTS':>6}  UPDATED")
    for record in records:
        briefing = briefings.get(record.briefing_pk)
        name = f"{briefing.slug} v{briefing.version}" if briefing else str(record.briefing_pk)
        click.echo(
            f"{record.id:16} {record.status:17} {name:24} {record.last_seq:>6}  "
            f"{record.updated_at[:19]}"
        )


@sessions.command("export")
@click.argument("session_id")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "json", "html"]),
    default="md",
    show_default=True,
    help="Markdown, JSON (artifact schema version 1) or a standalone HTML page.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write to this file (default: stdout)."
)
@click.option(
    "--unverified",
    is_flag=True,
    help="Export even when the trace or the signed content hash fails verification.",
)
@click.pass_obj
def export(app: Any, session_id: str, fmt: str, output: str | None, unverified: bool) -> None:
    """Export the session's artifact (a draft until it is signed off)."""
    from elicitor.artifact.render import render

    problems = verification_problems(app, session_id)
    if problems and not unverified:
        raise TraceTampered(
            f"session {session_id} failed verification ({problems[0]}), so its artifact may not "
            "be what was signed. See `elicitor trace verify`; pass --unverified to export anyway."
        )
    for problem in problems:
        click.echo(f"Warning: {problem}", err=True)
    text = render(app.interviewer.artifact(session_id), fmt)
    if not output:
        click.echo(text, nl=False)
        return
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise click.ClickException(
            f"cannot write {output!r}: {error.strerror}; check that the folder exists"
        ) from error
    click.echo(f"Wrote {output}", err=True)


def verification_problems(app: Any, session_id: str) -> list[str]:
    """Return what is wrong with a session's record: chain breaks, or a signed artifact whose
    content no longer matches its hash."""
    from elicitor.artifact.build import content_hash
    from elicitor.session.events import verify_chain

    record = app.store.get_session(session_id)
    events = app.store.load_events(session_id)
    problems = [
        f"event {p.seq}: {p.reason}"
        for p in verify_chain(events, expected_last_seq=record.last_seq)
    ]
    artifact = app.interviewer.artifact(session_id)
    if artifact.sign_off and content_hash(artifact) != artifact.sign_off.content_hash:
        problems.append("the artifact no longer matches the content hash that was signed")
    return problems


@click.group()
def trace() -> None:
    """Show and verify a session's trace (its hash-chained event log)."""


@trace.command("show")
@click.argument("session_id")
@click.pass_obj
def show(app: Any, session_id: str) -> None:
    """Print each question with its move and reason, and what was skipped or corrected."""
    from elicitor.session.trace import describe_events

    events = app.store.load_events(session_id)
    for line in describe_events(events):
        click.echo(line)
    for problem in verification_problems(app, session_id):
        click.echo(f"Warning: {problem}", err=True)


@trace.command("verify")
@click.argument("session_id")
@click.pass_obj
def verify(app: Any, session_id: str) -> None:
    """Check the hash chain and the signed hash; exit 1 naming the first altered event."""
    from elicitor.session.events import verify_chain

    record = app.store.get_session(session_id)
    events = app.store.load_events(session_id)
    chain = verify_chain(events, expected_last_seq=record.last_seq)
    problems = verification_problems(app, session_id)
    for problem in problems:
        click.echo(problem, err=True)
    if chain:
        raise TraceTampered(
            f"trace of session {session_id} failed verification: event {chain[0].seq} was "
            "altered or removed after it was written"
        )
    if problems:
        raise TraceTampered(
            f"session {session_id} failed verification: the artifact no longer matches the "
            "content hash that was signed"
        )
    click.echo(
        f"trace of session {session_id} is intact: {len(events)} events, last hash "
        f"{events[-1].hash[:16]}…"
    )
    sys.stdout.flush()


def register(root: click.Group) -> None:
    root.add_command(sessions)
    root.add_command(trace)
