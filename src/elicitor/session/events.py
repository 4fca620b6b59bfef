"""Typed session events and the SHA-256 hash chain that links them.

Every event carries its sequence number and the hash of the event before it, so a trace
is the log itself and any edit to a stored event breaks the chain from that event on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

GENESIS_HASH = "0" * 64


class EventType(StrEnum):
    SESSION_STARTED = "session_started"
    QUESTION_ASKED = "question_asked"
    ANSWER_RECEIVED = "answer_received"
    CLAIMS_EXTRACTED = "claims_extracted"
    CONTRADICTION_RAISED = "contradiction_raised"
    CONTRADICTION_RESOLVED = "contradiction_resolved"
    CLAIM_CONFIRMED = "claim_confirmed"
    CLAIM_CORRECTED = "claim_corrected"
    CLAIM_RELABELLED = "claim_relabelled"
    CLAIM_REJECTED = "claim_rejected"
    UNKNOWN_RECORDED = "unknown_recorded"
    TOPIC_COVERED = "topic_covered"
    SUMMARY_PROPOSED = "summary_proposed"
    SUMMARY_CONFIRMED = "summary_confirmed"
    REVIEW_PROPOSED = "review_proposed"
    REVIEW_REOPENED = "review_reopened"
    PAUSED = "paused"
    RESUMED = "resumed"
    ENGINE_FALLBACK = "engine_fallback"
    SIGNED_OFF = "signed_off"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def event_hash(
    *, prev_hash: str, seq: int, type_: str, payload: dict[str, Any], created_at: str
) -> str:
    """Return the hash of one event: SHA-256 over the previous hash and the event's content."""
    body = canonical_json({"seq": seq, "type": type_, "payload": payload, "at": created_at})
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


@dataclass(frozen=True)
class Event:
    seq: int
    type: EventType
    payload: dict[str, Any]
    created_at: str
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "type": self.type.value,
            "payload": self.payload,
            "created_at": self.created_at,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass
class PendingEvent:
    """An event not yet stored: the store assigns its sequence number and hash."""

    type: EventType
    payload: dict[str, Any] = field(default_factory=dict)


def seal(
    pending: PendingEvent, *, seq: int, prev_hash: str, created_at: str | None = None
) -> Event:
    """Turn a pending event into a stored one, chained after ``prev_hash``."""
    at = created_at or utc_now()
    payload = json.loads(canonical_json(pending.payload))
    digest = event_hash(
        prev_hash=prev_hash, seq=seq, type_=pending.type.value, payload=payload, created_at=at
    )
    return Event(
        seq=seq, type=pending.type, payload=payload, created_at=at, prev_hash=prev_hash, hash=digest
    )


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    reason: str


def verify_chain(
    events: list[Event], *, expected_last_seq: int | None = None
) -> list[ChainProblem]:
    """Check sequence numbers and hashes; return every problem found, in order.

    ``expected_last_seq`` is the count the session row records; without it, deleting the
    newest events would leave a shorter chain that is still valid.
    """
    problems: list[ChainProblem] = []
    prev = GENESIS_HASH
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            problems.append(ChainProblem(event.seq, f"sequence gap: expected {expected_seq}"))
        if event.prev_hash != prev:
            problems.append(ChainProblem(event.seq, "previous-hash link does not match"))
        recomputed = event_hash(
            prev_hash=event.prev_hash,
            seq=event.seq,
            type_=event.type.value,
            payload=event.payload,
            created_at=event.created_at,
        )
        if recomputed != event.hash:
            problems.append(ChainProblem(event.seq, "content does not match its stored hash"))
        prev = event.hash
    last = events[-1].seq if events else 0
    if expected_last_seq is not None and last != expected_last_seq:
        problems.append(
            ChainProblem(
                last + 1,
                f"the log ends at event {last} but the session records "
                f"{expected_last_seq} events; events were removed",
            )
        )
    return problems
