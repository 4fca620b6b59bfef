"""Build the artifact from a session's state, and hash it for sign-off."""

from __future__ import annotations

import hashlib
from typing import Any

from elicitor.artifact.model import (
    Artifact,
    BriefingRef,
    ClaimOut,
    ClaimSource,
    ContradictionOut,
    QuantityOut,
    SignOff,
    TopicOut,
    UnknownOut,
)
from elicitor.briefing.model import Briefing
from elicitor.session.events import canonical_json
from elicitor.session.state import Claim, SessionState


def build_artifact(state: SessionState, briefing: Briefing, *, version: int = 1) -> Artifact:
    """Return the artifact as it stands now; ``sign_off`` is set once the session is signed."""
    by_topic: dict[str | None, list[ClaimOut]] = {}
    for claim in state.active_claims():
        by_topic.setdefault(claim.topic_id, []).append(_claim_out(claim, state))
    unknowns: dict[str | None, list[UnknownOut]] = {}
    for unknown in listed_unknowns(state):
        unknowns.setdefault(unknown.get("topic_id"), []).append(
            UnknownOut(
                question=unknown.get("question", ""),
                reason=unknown.get("reason", "dont_know"),
                question_seq=unknown.get("question_seq", 0),
            )
        )
    topics = [
        TopicOut(
            id=topic.id,
            title=topic.title,
            required=topic.required,
            covered=bool(by_topic.get(topic.id)),
            claims=by_topic.get(topic.id, []),
            unknowns=unknowns.get(topic.id, []),
        )
        for topic in briefing.topics
    ]
    known = {t.id for t in briefing.topics}
    other = [c for key, claims in by_topic.items() if key not in known for c in claims]
    sign_off = None
    if state.signed_off:
        sign_off = SignOff(
            signer=state.signed_off.get("signer", ""),
            at=state.signed_off["at"],
            content_hash=state.signed_off["content_hash"],
        )
    return Artifact(
        session_id=state.session_id,
        participant=state.participant,
        briefing=BriefingRef(
            id=briefing.id, version=version, title=briefing.title, content_hash=state.briefing_hash
        ),
        topics=topics,
        other_claims=other,
        other_unknowns=[u for key, items in unknowns.items() if key not in known for u in items],
        rejected_claims=[c.id for c in state.claims.values() if not c.active],
        contradictions=[
            ContradictionOut(
                id=c.id,
                claim_a=c.claim_a,
                claim_b=c.claim_b,
                kind=c.kind,
                detail=c.detail,
                status=c.status,
                resolution=c.resolution,  # type: ignore[arg-type]
            )
            for c in state.contradictions.values()
        ],
        questions_asked=state.question_count(),
        sign_off=sign_off,
    )


def content_hash(artifact: Artifact) -> str:
    """Return the SHA-256 of the artifact's content, excluding the sign-off block itself."""
    data: dict[str, Any] = artifact.model_dump(mode="json", exclude={"sign_off"})
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()


def _claim_out(claim: Claim, state: SessionState) -> ClaimOut:
    answer = state.answer(claim.answer_seq)
    question_seq = answer.get("question_seq") if answer else None
    question = state.question(question_seq) if question_seq else None
    return ClaimOut(
        id=claim.id,
        text=claim.text,
        kind=claim.kind,  # type: ignore[arg-type]
        kind_source=claim.kind_source,  # type: ignore[arg-type]
        status=claim.status,  # type: ignore[arg-type]
        is_example=claim.is_example,
        quantities=[QuantityOut(**q.to_dict()) for q in claim.quantities],
        source=ClaimSource(
            answer_seq=claim.answer_seq,
            question_seq=question_seq,
            question=question["text"] if question else None,
        ),
        corrections=[h["old_text"] for h in claim.history if "old_text" in h],
    )


def listed_unknowns(state: SessionState) -> list[dict[str, Any]]:
    """Return the unknowns worth showing: gaps, not "nothing more to add"."""
    return [u for u in state.unknowns if u.get("listed", True)]


def summary_points(state: SessionState, briefing: Briefing) -> list[dict[str, Any]]:
    """Number the active claims grouped by topic, for checkpoints and the review."""
    points: list[dict[str, Any]] = []
    order = [t.id for t in briefing.topics] + [None]
    titles = {t.id: t.title for t in briefing.topics}
    claims = state.active_claims()
    for topic_id in order:
        for claim in claims:
            in_topic = claim.topic_id == topic_id or (
                topic_id is None and claim.topic_id not in titles
            )
            if not in_topic:
                continue
            points.append(
                {
                    "n": len(points) + 1,
                    "claim_id": claim.id,
                    "text": claim.text,
                    "kind": claim.kind,
                    "topic_id": claim.topic_id,
                    "topic": titles.get(claim.topic_id or "", "Other"),
                }
            )
    return points


def format_points(points: list[dict[str, Any]], state: SessionState, briefing: Briefing) -> str:
    """Render numbered points grouped by topic, with unknowns labelled as unknown."""
    lines: list[str] = []
    current = object()
    for point in points:
        if point["topic"] != current:
            current = point["topic"]
            lines.append(f"{current}:")
        lines.append(f"  {point['n']}. [{point['kind']}] {point['text']}")
    titles = {t.id: t.title for t in briefing.topics}
    unknown_lines = [
        f"  - {titles.get(u.get('topic_id') or '', 'Other')}: {u.get('question', '')}"
        for u in listed_unknowns(state)
    ]
    if unknown_lines:
        lines.append("Unknown (you did not know or skipped):")
        lines.extend(unknown_lines)
    numbers = {point["claim_id"]: point["n"] for point in points}
    open_items = [c for c in state.contradictions.values() if c.status != "resolved"]
    for item in open_items:
        if item.claim_a not in numbers or item.claim_b not in numbers:
            continue
        lines.append(
            f"Still open: point {numbers[item.claim_a]} and point {numbers[item.claim_b]} "
            f"disagree ({item.detail})"
        )
    return "\n".join(lines)
