"""Human-readable lines for a session's event log."""

from __future__ import annotations

from collections.abc import Iterator

from elicitor.session.events import Event, EventType


def describe_events(events: list[Event]) -> Iterator[str]:
    """Yield one or more lines per event: questions with move and reason, answers, changes."""
    for event in events:
        payload = event.payload
        head = f"#{event.seq:<4} {event.created_at[:19]}"
        kind = event.type
        if kind == EventType.SESSION_STARTED:
            yield (
                f"{head} started on briefing {payload['briefing_id']} "
                f"v{payload.get('briefing_version', '?')} with engine {payload.get('engine')}"
            )
        elif kind in (
            EventType.QUESTION_ASKED,
            EventType.SUMMARY_PROPOSED,
            EventType.REVIEW_PROPOSED,
        ):
            engine = payload.get("engine") or {}
            where = f" [{engine.get('backend')}:{engine.get('model')}]" if engine else ""
            first_line = payload["text"].splitlines()[0]
            yield f"{head} {payload.get('kind', 'question').upper()} ({payload.get('move')}){where}: {first_line}"
            yield f"{'':29}reason: {payload.get('reason', '')}"
        elif kind == EventType.ANSWER_RECEIVED:
            yield f"{head} ANSWER: {payload['text']}"
        elif kind == EventType.CLAIMS_EXTRACTED:
            for claim in payload.get("claims", []):
                yield (
                    f"{head} claim {claim['id']} [{claim['kind']}] topic={claim['topic_id']}: "
                    f"{claim['text']}"
                )
            for item in payload.get("contradictions", []):
                yield (
                    f"{head} contradiction {item['id']}: {item['claim_a']} vs "
                    f"{item['claim_b']} ({item['detail']})"
                )
        elif kind == EventType.UNKNOWN_RECORDED:
            yield f"{head} UNKNOWN ({payload.get('reason')}): {payload.get('question', '')}"
        elif kind == EventType.CLAIM_CORRECTED:
            yield f"{head} CORRECTED {payload['claim_id']}: {payload['text']}"
        elif kind == EventType.CLAIM_REJECTED:
            yield f"{head} REJECTED {payload['claim_id']}"
        elif kind == EventType.CLAIM_RELABELLED:
            yield f"{head} RELABELLED {payload['claim_id']} as {payload['kind']}"
        elif kind == EventType.CONTRADICTION_RAISED:
            yield f"{head} raised contradiction {payload['id']}"
        elif kind == EventType.CONTRADICTION_RESOLVED:
            yield f"{head} resolved contradiction {payload['id']}: {payload.get('resolution', '')}"
        elif kind == EventType.SIGNED_OFF:
            yield (
                f"{head} SIGNED OFF by {payload.get('signer')}, content SHA-256 "
                f"{payload.get('content_hash')}"
            )
        elif kind == EventType.ENGINE_FALLBACK:
            yield f"{head} ENGINE FALLBACK ({payload.get('stage')}): {payload.get('error')}"
        else:
            yield f"{head} {kind.value}"
