"""Human-readable lines for a session's event log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from elicitor.session.events import Event, EventType

Describer = Callable[[dict[str, Any]], list[str]]


def _started(p: dict[str, Any]) -> list[str]:
    return [
        f"started on briefing {p['briefing_id']} v{p.get('briefing_version', '?')} "
        f"with engine {p.get('engine')}"
    ]


def _prompt(p: dict[str, Any]) -> list[str]:
    engine = p.get("engine") or {}
    where = f" [{engine.get('backend')}:{engine.get('model')}]" if engine else ""
    first_line = p["text"].splitlines()[0]
    kind = p.get("kind", "question").upper()
    return [f"{kind} ({p.get('move')}){where}: {first_line}", f"  reason: {p.get('reason', '')}"]


def _claims(p: dict[str, Any]) -> list[str]:
    lines = [
        f"claim {c['id']} [{c['kind']}] topic={c['topic_id']}: {c['text']}"
        for c in p.get("claims", [])
    ]
    lines += [
        f"contradiction {x['id']}: {x['claim_a']} vs {x['claim_b']} ({x['detail']})"
        for x in p.get("contradictions", [])
    ]
    return lines


_DESCRIBERS: dict[EventType, Describer] = {
    EventType.SESSION_STARTED: _started,
    EventType.QUESTION_ASKED: _prompt,
    EventType.SUMMARY_PROPOSED: _prompt,
    EventType.REVIEW_PROPOSED: _prompt,
    EventType.ANSWER_RECEIVED: lambda p: [f"ANSWER: {p['text']}"],
    EventType.CLAIMS_EXTRACTED: _claims,
    EventType.UNKNOWN_RECORDED: lambda p: [f"UNKNOWN ({p.get('reason')}): {p.get('question', '')}"],
    EventType.CLAIM_CORRECTED: lambda p: [f"CORRECTED {p['claim_id']}: {p['text']}"],
    EventType.CLAIM_REJECTED: lambda p: [f"REJECTED {p['claim_id']}"],
    EventType.CLAIM_RELABELLED: lambda p: [f"RELABELLED {p['claim_id']} as {p['kind']}"],
    EventType.CONTRADICTION_RAISED: lambda p: [f"raised contradiction {p['id']}"],
    EventType.CONTRADICTION_RESOLVED: lambda p: [
        f"resolved contradiction {p['id']}: {p.get('resolution', '')}"
    ],
    EventType.SIGNED_OFF: lambda p: [
        f"SIGNED OFF by {p.get('signer')}, content SHA-256 {p.get('content_hash')}"
    ],
    EventType.ENGINE_FALLBACK: lambda p: [f"ENGINE FALLBACK ({p.get('stage')}): {p.get('error')}"],
}


def describe_events(events: list[Event]) -> Iterator[str]:
    """Yield one or more lines per event: questions with move and reason, answers, changes."""
    for event in events:
        head = f"#{event.seq:<4} {event.created_at[:19]}"
        describer = _DESCRIBERS.get(event.type)
        lines = describer(event.payload) if describer else [event.type.value]
        for line in lines:
            yield f"{head} {line}"
