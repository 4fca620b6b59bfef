"""View models shared by the JSON API and the pages: claims by topic, progress, timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from elicitor.briefing.model import Briefing
from elicitor.session.events import Event, EventType
from elicitor.session.state import Claim, SessionState
from elicitor.store.store import BriefingRecord, SessionRecord
from elicitor.web.schemas import (
    ClaimPublic,
    SessionPublic,
    TopicProgress,
    UnknownPublic,
)

STATUS_LABELS = {
    "invited": "Invited",
    "in_progress": "In progress",
    "paused": "Paused",
    "awaiting_signoff": "Awaiting sign-off",
    "signed_off": "Signed off",
}
UNKNOWN_REASONS = {
    "dont_know": "did not know",
    "skip": "skipped",
    "refused": "declined",
    "unclear": "answer unclear",
}
KIND_WORDS = {"fact": "fact", "judgment": "judgment", "assumption": "assumption"}


def claim_public(claim: Claim) -> ClaimPublic:
    return ClaimPublic(
        id=claim.id,
        text=claim.text,
        kind=claim.kind,
        kind_source=claim.kind_source,
        status=claim.status,
        topic_id=claim.topic_id,
        answer_seq=claim.answer_seq,
    )


def unknowns_public(state: SessionState) -> list[UnknownPublic]:
    return [
        UnknownPublic(
            topic_id=item.get("topic_id"),
            question=str(item.get("question", "")),
            reason=str(item.get("reason", "dont_know")),
        )
        for item in state.unknowns
    ]


def topic_progress(state: SessionState, briefing: Briefing) -> list[TopicProgress]:
    """Return each briefing topic with 'covered', 'started' or 'not_started'."""
    progress = []
    active = state.active_claims()
    for topic in briefing.topics:
        claims = sum(1 for claim in active if claim.topic_id == topic.id)
        unknowns = sum(1 for item in state.unknowns if item.get("topic_id") == topic.id)
        if claims:
            status = "covered"
        elif claims or unknowns or topic.id in state.opened_topics:
            status = "started"
        else:
            status = "not_started"
        progress.append(
            TopicProgress(
                id=topic.id,
                title=topic.title,
                required=topic.required,
                status=status,
                claims=claims,
                unknowns=unknowns,
            )
        )
    return progress


def session_public(record: SessionRecord, briefing: BriefingRecord) -> SessionPublic:
    return SessionPublic(
        id=record.id,
        briefing_pk=record.briefing_pk,
        briefing_id=briefing.slug,
        briefing_version=briefing.version,
        participant=record.participant,
        status=record.status,
        link_id=record.link_id,
        created_at=record.created_at,
        updated_at=record.updated_at,
        last_seq=record.last_seq,
    )


# -- the participant's side panel ------------------------------------------------------------


@dataclass
class TopicPanel:
    id: str
    title: str
    required: bool
    status: str
    claims: list[Claim] = field(default_factory=list)
    unknowns: list[str] = field(default_factory=list)


def panel_topics(state: SessionState, briefing: Briefing) -> list[TopicPanel]:
    """Group active claims and unknowns by briefing topic; claims on no topic go to 'Other'."""
    progress = {item.id: item.status for item in topic_progress(state, briefing)}
    panels = {
        topic.id: TopicPanel(topic.id, topic.title, topic.required, progress[topic.id])
        for topic in briefing.topics
    }
    other = TopicPanel("other", "Other", False, "started")
    for claim in state.active_claims():
        panels.get(claim.topic_id or "", other).claims.append(claim)
    for item in state.unknowns:
        panel = panels.get(item.get("topic_id") or "", other)
        panel.unknowns.append(str(item.get("question", "")))
    ordered = list(panels.values())
    if other.claims or other.unknowns:
        ordered.append(other)
    return ordered


def transcript(state: SessionState) -> list[dict[str, str]]:
    """Pair each answered question with the participant's answer, oldest first."""
    pairs = []
    for answer in state.answers:
        question = state.question(answer["question_seq"]) if answer.get("question_seq") else None
        pairs.append(
            {
                "question": _first_line(question["text"]) if question else "",
                "kind": question["kind"] if question else "question",
                "answer": str(answer["text"]),
            }
        )
    return pairs


def current_points(state: SessionState, points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return checkpoint points with each claim's text, kind and status as they are now."""
    result = []
    for point in points:
        claim = state.claims.get(point["claim_id"])
        current = dict(point)
        if claim is not None:
            current.update(text=claim.text, kind=claim.kind, status=claim.status)
        else:
            current["status"] = "proposed"
        result.append(current)
    return result


# -- the requester's trace timeline --------------------------------------------------------


@dataclass
class TimelineEntry:
    seq: int
    at: str
    category: str
    title: str
    text: str = ""
    reason: str = ""
    items: list[str] = field(default_factory=list)


def timeline(events: list[Event], briefing: Briefing) -> list[TimelineEntry]:
    """Describe the log for people: questions with move and reason, answers, changes."""
    titles = {topic.id: topic.title for topic in briefing.topics}
    entries = []
    for event in events:
        entry = _timeline_entry(event, titles)
        if entry is not None:
            entries.append(entry)
    return entries


def _timeline_entry(event: Event, titles: dict[str, str]) -> TimelineEntry | None:
    payload = event.payload
    at = event.created_at[:19].replace("T", " ")
    kind = event.type
    if kind in (EventType.QUESTION_ASKED, EventType.SUMMARY_PROPOSED, EventType.REVIEW_PROPOSED):
        label = {"summary": "Summary checkpoint", "review": "Final review"}.get(
            payload.get("kind", "question"), "Question"
        )
        topic = titles.get(payload.get("topic_id") or "", "")
        move = str(payload.get("move", ""))
        return TimelineEntry(
            event.seq,
            at,
            payload.get("kind", "question"),
            f"{label} ({move}{', ' + topic if topic else ''})",
            _first_line(str(payload.get("text", ""))),
            str(payload.get("reason", "")),
        )
    if kind == EventType.ANSWER_RECEIVED:
        return TimelineEntry(event.seq, at, "answer", "Answer", str(payload.get("text", "")))
    if kind == EventType.CLAIMS_EXTRACTED:
        items = [
            f"{claim['id']} [{claim['kind']}] {claim['text']}"
            for claim in payload.get("claims", [])
        ]
        items += [
            f"contradiction {item['id']}: {item['detail']}"
            for item in payload.get("contradictions", [])
        ]
        title = f"{len(payload.get('claims', []))} claims recorded"
        return TimelineEntry(event.seq, at, "claims", title, items=items)
    return _change_entry(event, at)


def _change_entry(event: Event, at: str) -> TimelineEntry | None:
    payload = event.payload
    kind = event.type
    simple = {
        EventType.CLAIM_CONFIRMED: ("confirmation", f"Confirmed {payload.get('claim_id')}", ""),
        EventType.CLAIM_CORRECTED: (
            "correction",
            f"Corrected {payload.get('claim_id')}",
            str(payload.get("text", "")),
        ),
        EventType.CLAIM_RELABELLED: (
            "correction",
            f"Relabelled {payload.get('claim_id')} as {payload.get('kind')}",
            "",
        ),
        EventType.CLAIM_REJECTED: (
            "rejection",
            f"Rejected {payload.get('claim_id')}",
            str(payload.get("reason", "")),
        ),
        EventType.UNKNOWN_RECORDED: (
            "unknown",
            f"Unknown ({UNKNOWN_REASONS.get(payload.get('reason', ''), payload.get('reason'))})",
            str(payload.get("question", "")),
        ),
        EventType.CONTRADICTION_RAISED: ("contradiction", f"Raised {payload.get('id')}", ""),
        EventType.CONTRADICTION_RESOLVED: (
            "contradiction",
            f"Resolved {payload.get('id')}",
            str(payload.get("resolution", "")),
        ),
        EventType.SUMMARY_CONFIRMED: (
            "confirmation",
            f"Summary confirmed ({len(payload.get('claim_ids', []))} claims)",
            "",
        ),
        EventType.REVIEW_REOPENED: ("status", "Review reopened to add more", ""),
        EventType.PAUSED: ("status", "Paused", ""),
        EventType.RESUMED: ("status", "Resumed", ""),
        EventType.ENGINE_FALLBACK: (
            "fallback",
            f"Engine fallback ({payload.get('stage', '')})",
            str(payload.get("error", "")),
        ),
        EventType.SIGNED_OFF: (
            "signoff",
            f"Signed off by {payload.get('signer', '')}",
            f"content SHA-256 {payload.get('content_hash', '')}",
        ),
        EventType.SESSION_STARTED: (
            "status",
            f"Started on {payload.get('briefing_id')} v{payload.get('briefing_version', '?')}",
            f"engine {payload.get('engine', '')}",
        ),
        EventType.TOPIC_COVERED: ("status", f"Topic covered: {payload.get('topic_id')}", ""),
    }
    if kind not in simple:
        return TimelineEntry(event.seq, at, "status", kind.value)
    category, title, text = simple[kind]
    return TimelineEntry(event.seq, at, category, title, text)


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""
