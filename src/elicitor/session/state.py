"""Session state as a fold over the event log.

Nothing here talks to the store or the engine: ``SessionState.from_events`` replays stored
events, and ``apply`` is the only way state changes, so replaying a log always gives the
state the interview had when each event was written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from elicitor.session.events import Event, EventType

ClaimKind = Literal["fact", "judgment", "assumption"]
ClaimStatus = Literal["proposed", "confirmed", "corrected", "rejected"]
SessionStatus = Literal["in_progress", "paused", "awaiting_signoff", "signed_off"]
CLAIM_KINDS: tuple[str, ...] = ("fact", "judgment", "assumption")
# Participant time between a question and its answer is capped, so a person who walked
# away for an hour without pausing does not use up the whole time budget.
MAX_SECONDS_PER_ANSWER = 300.0


@dataclass
class Quantity:
    text: str
    value: float
    unit: str
    dimension: str
    base_value: float
    approximate: bool = False
    expected: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Quantity:
        return cls(**data)


@dataclass
class Claim:
    """One statement in the participant's own words."""

    id: str
    text: str
    kind: str
    topic_id: str | None
    answer_seq: int
    quantities: list[Quantity] = field(default_factory=list)
    vague_terms: list[str] = field(default_factory=list)
    hedges: list[str] = field(default_factory=list)
    cues: list[str] = field(default_factory=list)
    is_example: bool = False
    negated: bool = False
    generalization: bool = False
    status: str = "proposed"
    kind_source: str = "analyst"
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.status != "rejected"

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["quantities"] = [q.to_dict() for q in self.quantities]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Claim:
        values = dict(data)
        values["quantities"] = [Quantity.from_dict(q) for q in values.get("quantities", [])]
        return cls(**values)


@dataclass
class Contradiction:
    id: str
    claim_a: str
    claim_b: str
    kind: str
    detail: str
    status: str = "open"  # open -> raised -> resolved
    raised_seq: int | None = None
    resolution: str | None = None


@dataclass
class Prompt:
    """What the interviewer shows next: a question, a summary checkpoint or the review."""

    kind: Literal["question", "summary", "review", "done"]
    text: str
    seq: int = 0
    move: str = ""
    reason: str = ""
    topic_id: str | None = None
    points: list[dict[str, Any]] = field(default_factory=list)
    greeting: str = ""
    notice: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class SessionState:
    session_id: str
    briefing_id: str = ""
    briefing_hash: str = ""
    participant: str = ""
    engine: str = "offline"
    status: str = "in_progress"
    started_at: str = ""
    last_event_at: str = ""
    last_seq: int = 0
    last_hash: str = ""
    claims: dict[str, Claim] = field(default_factory=dict)
    contradictions: dict[str, Contradiction] = field(default_factory=dict)
    questions: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    unknowns: list[dict[str, Any]] = field(default_factory=list)
    covered_topics: list[str] = field(default_factory=list)
    opened_topics: list[str] = field(default_factory=list)
    angles_done: set[str] = field(default_factory=set)
    pending: Prompt | None = None
    answers_without_news: int = 0
    claims_since_summary: int = 0
    participant_seconds: float = 0.0
    message_ids: dict[str, int] = field(default_factory=dict)
    signed_off: dict[str, Any] | None = None
    fallbacks: int = 0

    @classmethod
    def from_events(cls, session_id: str, events: list[Event]) -> SessionState:
        state = cls(session_id=session_id)
        for event in events:
            state.apply(event)
        return state

    # -- queries ---------------------------------------------------------------------------

    def active_claims(self) -> list[Claim]:
        return [claim for claim in self.claims.values() if claim.active]

    def question_count(self) -> int:
        return sum(1 for q in self.questions if q["kind"] == "question")

    def last_answer(self) -> dict[str, Any] | None:
        return self.answers[-1] if self.answers else None

    def next_claim_id(self) -> str:
        return f"c{len(self.claims) + 1}"

    def next_contradiction_id(self) -> str:
        return f"x{len(self.contradictions) + 1}"

    def question(self, seq: int) -> dict[str, Any] | None:
        for question in self.questions:
            if question["seq"] == seq:
                return question
        return None

    def answer(self, seq: int) -> dict[str, Any] | None:
        for answer in self.answers:
            if answer["seq"] == seq:
                return answer
        return None

    # -- the fold --------------------------------------------------------------------------

    def apply(self, event: Event) -> None:
        handler = _HANDLERS.get(event.type)
        if handler is not None:
            handler(self, event)
        self.last_seq = event.seq
        self.last_hash = event.hash
        self.last_event_at = event.created_at


def _on_started(state: SessionState, event: Event) -> None:
    payload = event.payload
    state.briefing_id = payload["briefing_id"]
    state.briefing_hash = payload["briefing_hash"]
    state.participant = payload.get("participant", "")
    state.engine = payload.get("engine", "offline")
    state.started_at = event.created_at


def _on_question(state: SessionState, event: Event) -> None:
    payload = event.payload
    record = {
        "seq": event.seq,
        "at": event.created_at,
        "kind": payload.get("kind", "question"),
        "text": payload["text"],
        "move": payload.get("move", ""),
        "reason": payload.get("reason", ""),
        "topic_id": payload.get("topic_id"),
        "angle": payload.get("angle", ""),
        "points": payload.get("points", []),
        "engine": payload.get("engine", {}),
    }
    state.questions.append(record)
    angle = payload.get("angle")
    if angle:
        state.angles_done.add(angle)
    topic_id = payload.get("topic_id")
    if payload.get("move") == "open_topic" and topic_id and topic_id not in state.opened_topics:
        state.opened_topics.append(topic_id)
    state.pending = Prompt(
        kind=record["kind"],
        text=record["text"],
        seq=event.seq,
        move=record["move"],
        reason=record["reason"],
        topic_id=topic_id,
        points=record["points"],
        notice=payload.get("notice", ""),
    )
    if record["kind"] == "review":
        state.status = "awaiting_signoff"


def _on_summary(state: SessionState, event: Event) -> None:
    state.claims_since_summary = 0
    _on_question(state, event)


def _on_answer(state: SessionState, event: Event) -> None:
    payload = event.payload
    question_seq = payload.get("question_seq")
    state.answers.append(
        {
            "seq": event.seq,
            "at": event.created_at,
            "text": payload["text"],
            "question_seq": question_seq,
            "message_id": payload.get("message_id"),
        }
    )
    message_id = payload.get("message_id")
    if message_id:
        state.message_ids[message_id] = event.seq
    question = state.question(question_seq) if question_seq else None
    if question is not None:
        asked = _parse_time(question["at"])
        answered = _parse_time(event.created_at)
        if asked and answered:
            gap = (answered - asked).total_seconds()
            state.participant_seconds += min(max(gap, 0.0), MAX_SECONDS_PER_ANSWER)
    state.pending = None


def _on_claims(state: SessionState, event: Event) -> None:
    claims = [Claim.from_dict(item) for item in event.payload.get("claims", [])]
    for claim in claims:
        state.claims[claim.id] = claim
    for item in event.payload.get("contradictions", []):
        contradiction = Contradiction(**item)
        state.contradictions[contradiction.id] = contradiction
    for topic_id in event.payload.get("covered_topics", []):
        if topic_id not in state.covered_topics:
            state.covered_topics.append(topic_id)
    if claims:
        state.answers_without_news = 0
        state.claims_since_summary += len(claims)
    else:
        state.answers_without_news += 1


def _on_contradiction_raised(state: SessionState, event: Event) -> None:
    contradiction = state.contradictions.get(event.payload["id"])
    if contradiction is not None:
        contradiction.status = "raised"
        contradiction.raised_seq = event.payload.get("question_seq")


def _on_contradiction_resolved(state: SessionState, event: Event) -> None:
    contradiction = state.contradictions.get(event.payload["id"])
    if contradiction is not None:
        contradiction.status = "resolved"
        contradiction.resolution = event.payload.get("resolution")


def _record_history(claim: Claim, event: Event, change: dict[str, Any]) -> None:
    claim.history.append({"seq": event.seq, "type": event.type.value, **change})


def _on_claim_confirmed(state: SessionState, event: Event) -> None:
    claim = state.claims.get(event.payload["claim_id"])
    if claim is not None and claim.status == "proposed":
        claim.status = "confirmed"
        _record_history(claim, event, {})


def _on_claim_corrected(state: SessionState, event: Event) -> None:
    claim = state.claims.get(event.payload["claim_id"])
    if claim is None:
        return
    _record_history(claim, event, {"old_text": claim.text, "new_text": event.payload["text"]})
    claim.text = event.payload["text"]
    claim.status = "corrected"
    for key in ("quantities", "vague_terms", "hedges", "negated"):
        if key in event.payload:
            value = event.payload[key]
            if key == "quantities":
                value = [Quantity.from_dict(q) for q in value]
            setattr(claim, key, value)


def _on_claim_relabelled(state: SessionState, event: Event) -> None:
    claim = state.claims.get(event.payload["claim_id"])
    if claim is None:
        return
    _record_history(claim, event, {"old_kind": claim.kind, "new_kind": event.payload["kind"]})
    claim.kind = event.payload["kind"]
    claim.kind_source = "participant"
    if claim.status == "proposed":
        claim.status = "confirmed"


def _on_claim_rejected(state: SessionState, event: Event) -> None:
    claim = state.claims.get(event.payload["claim_id"])
    if claim is None:
        return
    # A withdrawn statement cannot contradict anything any more.
    for contradiction in state.contradictions.values():
        involved = claim.id in (contradiction.claim_a, contradiction.claim_b)
        if involved and contradiction.status != "resolved":
            contradiction.status = "resolved"
            contradiction.resolution = f"{claim.id} was withdrawn"
    _record_history(claim, event, {"reason": event.payload.get("reason", "")})
    claim.status = "rejected"


def _on_unknown(state: SessionState, event: Event) -> None:
    state.unknowns.append(dict(event.payload))
    state.answers_without_news += 1


def _on_topic_covered(state: SessionState, event: Event) -> None:
    topic_id = event.payload["topic_id"]
    if topic_id not in state.covered_topics:
        state.covered_topics.append(topic_id)


def _on_summary_confirmed(state: SessionState, event: Event) -> None:
    for claim_id in event.payload.get("claim_ids", []):
        claim = state.claims.get(claim_id)
        if claim is not None and claim.status == "proposed":
            claim.status = "confirmed"


def _on_review_reopened(state: SessionState, event: Event) -> None:
    state.status = "in_progress"
    state.answers_without_news = 0


def _on_paused(state: SessionState, event: Event) -> None:
    state.status = "paused"


def _on_resumed(state: SessionState, event: Event) -> None:
    state.status = (
        "awaiting_signoff" if state.pending and state.pending.kind == "review" else ("in_progress")
    )
    if state.pending is not None:
        # Time spent away does not count against the participant's budget.
        for question in state.questions:
            if question["seq"] == state.pending.seq:
                question["at"] = event.created_at


def _on_fallback(state: SessionState, event: Event) -> None:
    state.fallbacks += 1


def _on_signed_off(state: SessionState, event: Event) -> None:
    state.status = "signed_off"
    state.signed_off = dict(event.payload) | {"at": event.created_at, "seq": event.seq}
    state.pending = None


_HANDLERS = {
    EventType.SESSION_STARTED: _on_started,
    EventType.QUESTION_ASKED: _on_question,
    EventType.SUMMARY_PROPOSED: _on_summary,
    EventType.REVIEW_PROPOSED: _on_question,
    EventType.ANSWER_RECEIVED: _on_answer,
    EventType.CLAIMS_EXTRACTED: _on_claims,
    EventType.CONTRADICTION_RAISED: _on_contradiction_raised,
    EventType.CONTRADICTION_RESOLVED: _on_contradiction_resolved,
    EventType.CLAIM_CONFIRMED: _on_claim_confirmed,
    EventType.CLAIM_CORRECTED: _on_claim_corrected,
    EventType.CLAIM_RELABELLED: _on_claim_relabelled,
    EventType.CLAIM_REJECTED: _on_claim_rejected,
    EventType.UNKNOWN_RECORDED: _on_unknown,
    EventType.TOPIC_COVERED: _on_topic_covered,
    EventType.SUMMARY_CONFIRMED: _on_summary_confirmed,
    EventType.REVIEW_REOPENED: _on_review_reopened,
    EventType.PAUSED: _on_paused,
    EventType.RESUMED: _on_resumed,
    EventType.ENGINE_FALLBACK: _on_fallback,
    EventType.SIGNED_OFF: _on_signed_off,
}


def _parse_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
