"""``elicitor sessions cost``: tokens, latency and fallbacks of a session's model calls."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import click

from elicitor.session.events import Event, EventType


@dataclass
class Usage:
    """Totals for one stage (analyst or voice) of one backend and model."""

    stage: str
    backend: str
    model: str
    turns: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: float = 0.0
    retries: int = 0
    fallbacks: int = 0
    tokens_estimated: bool = False


def session_usage(events: list[Event]) -> list[Usage]:
    """Sum the ``meta`` of every model call recorded in ``events``, per stage and model."""
    totals: dict[tuple[str, str, str], Usage] = {}
    for event in events:
        meta = event.payload.get("meta")
        if event.type == EventType.ENGINE_FALLBACK or not isinstance(meta, dict):
            continue
        key = (str(meta.get("stage")), str(meta.get("backend")), str(meta.get("model")))
        usage = totals.setdefault(key, Usage(*key))
        usage.turns += 1
        usage.input_tokens += int(meta.get("input_tokens") or 0)
        usage.output_tokens += int(meta.get("output_tokens") or 0)
        usage.latency_ms += float(meta.get("latency_ms") or 0.0)
        usage.retries += int(meta.get("retries") or 0)
        usage.fallbacks += 1 if meta.get("fallback") else 0
        usage.tokens_estimated = usage.tokens_estimated or bool(meta.get("tokens_estimated"))
    return sorted(totals.values(), key=lambda u: (u.backend, u.model, u.stage))


def _row(name: str, turns: int | str, *columns: str) -> str:
    tokens_in, tokens_out, seconds, fallbacks = columns
    return f"{name:40} {turns:>5} {tokens_in:>10} {tokens_out:>10} {seconds:>9} {fallbacks:>9}"


def _count(value: int, estimated: bool) -> str:
    return f"~{value}" if estimated else str(value)


def _print_table(session_id: str, rows: list[Usage]) -> None:
    click.echo(f"Model calls of session {session_id}")
    click.echo(_row("STAGE    BACKEND:MODEL", "TURNS", "INPUT", "OUTPUT", "SECONDS", "FALLBACKS"))
    for usage in rows:
        click.echo(
            _row(
                f"{usage.stage:<8} {usage.backend}:{usage.model}",
                usage.turns,
                _count(usage.input_tokens, usage.tokens_estimated),
                _count(usage.output_tokens, usage.tokens_estimated),
                f"{usage.latency_ms / 1000:.1f}",
                str(usage.fallbacks),
            )
        )
    estimated = any(u.tokens_estimated for u in rows)
    click.echo(
        _row(
            "total",
            sum(u.turns for u in rows),
            _count(sum(u.input_tokens for u in rows), estimated),
            _count(sum(u.output_tokens for u in rows), estimated),
            f"{sum(u.latency_ms for u in rows) / 1000:.1f}",
            str(sum(u.fallbacks for u in rows)),
        )
    )
    if estimated:
        click.echo("~ estimated at four characters per token: the endpoint reported no usage.")


@click.command("cost")
@click.argument("session_id")
@click.option("--json", "as_json", is_flag=True, help="Print the totals as JSON.")
@click.pass_obj
def cost(app: Any, session_id: str, as_json: bool) -> None:
    """Sum the tokens, time and fallbacks of a session's model calls."""
    app.store.get_session(session_id)
    rows = session_usage(app.store.load_events(session_id))
    if as_json:
        click.echo(json.dumps({"session_id": session_id, "usage": [asdict(u) for u in rows]}))
        return
    if not rows:
        click.echo(
            f"Session {session_id} made no model calls: it ran on the offline engine, "
            "which uses no tokens."
        )
        return
    _print_table(session_id, rows)


def register(root: click.Group) -> None:
    sessions = root.commands.get("sessions")
    if not isinstance(sessions, click.Group):
        raise RuntimeError("elicitor.cli.cost needs the 'sessions' group to be registered first")
    sessions.add_command(cost)
