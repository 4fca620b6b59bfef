"""Build a synthesis from loaded sessions: points, disagreements, timeline and follow-ups.

Everything here is pure: the store is read in ``inputs.py`` and ``round2.py``, and the
same sessions always give the same synthesis (apart from ``generated_at``).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from elicitor.engine.embedding import default_embedder
from elicitor.session.events import utc_now
from elicitor.synthesis.align import Aligner, OfflineAligner
from elicitor.synthesis.conflicts import (
    Found,
    account_disagreement,
    head_polarity_disagreements,
    point_disagreements,
)
from elicitor.synthesis.features import ClaimFeatures, claim_features, format_value
from elicitor.synthesis.inputs import BriefingVersions, SessionInput
from elicitor.synthesis.model import (
    BriefingScope,
    Disagreement,
    FollowUp,
    Participant,
    Point,
    Position,
    QuantityValue,
    Statement,
    StatementRef,
    Synthesis,
    TimelineEntry,
    TimelineReport,
    TopicRef,
)
from elicitor.synthesis.round2 import (
    FollowUpIndex,
    classify_answer,
    followup_key,
    judge_followups,
)
from elicitor.synthesis.timeline import (
    Clock,
    EntryDraft,
    Reading,
    read_clock,
    sequence_disagreements,
    timeline_drafts,
)

log = logging.getLogger(__name__)

# Briefings whose id starts with this (the template's id) get a timeline unasked.
TIMELINE_PREFIX = "incident"


@dataclass(frozen=True)
class SynthesisOptions:
    include_unsigned: bool = False
    names: bool = False
    # None: a timeline only for incident briefings (see ``wants_timeline``).
    timeline: bool | None = None


def wants_timeline(versions: BriefingVersions, requested: bool | None) -> bool:
    """Return the explicit choice, else True for incident briefings (by id or topic)."""
    if requested is not None:
        return requested
    if versions.slug.startswith(TIMELINE_PREFIX):
        return True
    return any(topic.id == "timeline" for topic in versions.latest.briefing.topics)


def synthesize(
    sessions: Sequence[SessionInput],
    versions: BriefingVersions,
    *,
    options: SynthesisOptions | None = None,
    aligner: Aligner | None = None,
    followups: FollowUpIndex | None = None,
    skipped_unsigned: int = 0,
) -> Synthesis:
    """Align the sessions' claims and report who says what, and where they disagree."""
    options = options or SynthesisOptions()
    aligner = aligner or OfflineAligner()
    followups = followups or FollowUpIndex()
    participants = _participants(sessions, options, followups)
    topics = _topics(versions)
    claims = _collect(sessions, participants)
    groups = aligner.align(claims)
    _check_groups(groups, len(claims), aligner.name)
    groups = _order_groups(groups, claims, [t.id for t in topics])
    members = [[claims[i] for i in group] for group in groups]

    readings, clock = read_clock(members)
    found = _disagreements(members, readings, clock)
    disagreements = [
        _disagreement(number, item, members, followups)
        for number, item in enumerate(found, start=1)
    ]
    points = _points(members, disagreements, len(participants))
    timeline = None
    if wants_timeline(versions, options.timeline):
        timeline = _timeline(timeline_drafts(members, readings, clock), points, disagreements)
    log.info(
        "synthesis of %s: %d participants, %d points, %d disagreements",
        versions.slug,
        len(participants),
        len(points),
        len(disagreements),
    )
    return Synthesis(
        generated_at=utc_now(),
        aligner=aligner.name,
        briefing=BriefingScope(
            id=versions.slug,
            title=versions.latest.briefing.title,
            versions=[r.version for r in versions.records],
            pks=versions.pks,
        ),
        include_unsigned=options.include_unsigned,
        names=options.names,
        participants=participants,
        topics=topics,
        points=points,
        agreements=[p.id for p in points if len(p.participants) > 1 and not p.disputed],
        single=[p.id for p in points if len(p.participants) == 1],
        disagreements=disagreements,
        timeline=timeline,
        notes=_notes(sessions, skipped_unsigned) + list(getattr(aligner, "notes", [])),
    )


def _check_groups(groups: list[list[int]], count: int, name: str) -> None:
    """Raise ValueError unless every claim index is in exactly one group."""
    placed = sorted(index for group in groups for index in group)
    if placed != list(range(count)):
        raise ValueError(
            f"aligner {name!r} placed {len(placed)} claim indexes for {count} claims; each "
            "claim must be in exactly one group, so fix the aligner"
        )


# -- participants, topics and statements ------------------------------------------------------


def _participants(
    sessions: Sequence[SessionInput], options: SynthesisOptions, followups: FollowUpIndex
) -> list[Participant]:
    result = []
    for number, session in enumerate(sessions, start=1):
        name = session.record.participant.strip()
        label = name if options.names and name else f"Participant {number}"
        sign_off = session.artifact.sign_off
        claims = [c for t in session.artifact.topics for c in t.claims]
        result.append(
            Participant(
                key=f"P{number}",
                label=label,
                session_id=session.session_id,
                briefing_pk=session.briefing.pk,
                briefing_version=session.briefing.version,
                status=session.record.status,
                signed=sign_off is not None,
                signed_at=sign_off.at if sign_off else None,
                statements=len(claims) + len(session.artifact.other_claims),
                withdrawn=len(session.artifact.rejected_claims),
                followup_session_id=followups.sessions.get(session.session_id),
            )
        )
    return result


def _topics(versions: BriefingVersions) -> list[TopicRef]:
    """Return the latest version's topics, then topics only older versions had."""
    seen: dict[str, TopicRef] = {}
    for record in reversed(versions.records):
        for topic in record.briefing.topics:
            seen.setdefault(topic.id, TopicRef(id=topic.id, title=topic.title))
    return list(seen.values())


def _collect(
    sessions: Sequence[SessionInput], participants: list[Participant]
) -> list[ClaimFeatures]:
    claims: list[ClaimFeatures] = []
    for session, participant in zip(sessions, participants, strict=True):
        artifact = session.artifact
        placed = [(topic.id, claim) for topic in artifact.topics for claim in topic.claims]
        placed += [(None, claim) for claim in artifact.other_claims]
        for topic_id, claim in placed:
            claims.append(
                claim_features(len(claims), participant.key, session.session_id, claim, topic_id)
            )
    return claims


def _order_groups(
    groups: list[list[int]], claims: list[ClaimFeatures], topic_ids: list[str]
) -> list[list[int]]:
    """Order points by topic (briefing order), then by participant and answer."""

    def topic_rank(group: list[int]) -> int:
        topic = _majority_topic([claims[i] for i in group])
        return topic_ids.index(topic) if topic in topic_ids else len(topic_ids)

    def first_claim(group: list[int]) -> tuple[int, int]:
        item = claims[group[0]]
        return (int(item.participant[1:]), item.claim.source.answer_seq)

    return sorted(groups, key=lambda group: (topic_rank(group), first_claim(group)))


def _majority_topic(members: Sequence[ClaimFeatures]) -> str | None:
    counts = Counter(item.topic_id for item in members)
    best = max(counts.values())
    return next(item.topic_id for item in members if counts[item.topic_id] == best)


# -- disagreements ------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _masked_vector(text: str) -> np.ndarray:
    return default_embedder().encode([text])[0]


def _similarity(a: ClaimFeatures, b: ClaimFeatures) -> float:
    return _text_similarity(a.masked or a.text, b.masked or b.text)


def _text_similarity(a: str, b: str) -> float:
    return float(_masked_vector(a) @ _masked_vector(b))


def _disagreements(
    members: list[list[ClaimFeatures]], readings: dict[int, list[Reading]], clock: Clock
) -> list[Found]:
    found: list[Found] = []
    for position, group in enumerate(members):
        found.extend(point_disagreements(position, group, _similarity))
    polar_points = {item.points[0] for item in found if item.kind == "polarity"}
    found.extend(head_polarity_disagreements(members, _text_similarity, polar_points))
    account = account_disagreement(members)
    if account is not None:
        found.append(account)
    disputed = {item.points[0] for item in found if item.kind == "time"}
    drafts = timeline_drafts(members, readings, clock)
    found.extend(sequence_disagreements(drafts, clock, disputed))
    found.sort(key=lambda item: (min(item.points), item.kind))
    return found


def _ref(item: ClaimFeatures) -> StatementRef:
    return StatementRef(
        participant=item.participant,
        session_id=item.session_id,
        claim_id=item.claim.id,
        answer_seq=item.claim.source.answer_seq,
        text=item.text,
    )


def _disagreement(
    number: int, item: Found, members: list[list[ClaimFeatures]], followups: FollowUpIndex
) -> Disagreement:
    first_point = members[item.points[0]]
    answers = _followups(item, followups)
    sides = [{s.participant for s in group} for _, group in item.positions]
    status, resolution = judge_followups(answers, item.participants, sides)
    return Disagreement(
        id=f"d{number}",
        kind=item.kind,  # type: ignore[arg-type]
        topic_id=_majority_topic(first_point),
        points=[f"p{position + 1}" for position in item.points],
        detail=item.detail,
        participants=item.participants,
        positions=[
            Position(
                value=value,
                participants=sorted({s.participant for s in group}, key=_participant_order),
                statements=[_ref(s) for s in group],
            )
            for value, group in item.positions
        ],
        status=status,  # type: ignore[arg-type]
        resolution=resolution,
        followups=answers,
    )


def _followups(item: Found, index: FollowUpIndex) -> list[FollowUp]:
    """Return each involved participant's second-round answers, with their outcome."""
    answers: list[FollowUp] = []
    for participant in item.participants:
        mine = item.statements_of(participant)
        key = followup_key(item.kind, [(s.session_id, s.claim.id) for s in mine])
        raw_answers = index.by_key.get(key, [])
        if not raw_answers:
            continue
        others = [s for s in _all_claims(item) if s.participant != participant]
        dimension = item.dimension
        own_values = [q for s in mine for q in s.values(dimension)] if dimension else []
        other_values = [q for s in others for q in s.values(dimension)] if dimension else []
        for raw in raw_answers:
            outcome = classify_answer(raw.text, item.kind, dimension, own_values, other_values)
            answers.append(
                FollowUp(
                    participant=participant,
                    session_id=raw.session_id,
                    answer_seq=raw.answer_seq,
                    answer=raw.text,
                    outcome=outcome,  # type: ignore[arg-type]
                    signed=raw.signed,
                )
            )
    return answers


def _all_claims(item: Found) -> list[ClaimFeatures]:
    return [s for _, group in item.positions for s in group]


def _participant_order(key: str) -> int:
    return int(key[1:])


# -- points and timeline ------------------------------------------------------------------------


def _statement(item: ClaimFeatures) -> Statement:
    claim = item.claim
    return Statement(
        participant=item.participant,
        session_id=item.session_id,
        claim_id=claim.id,
        answer_seq=claim.source.answer_seq,
        question=claim.source.question,
        text=claim.text,
        kind=claim.kind,
        status=claim.status,
        topic_id=item.topic_id,
        earlier_wordings=list(claim.corrections),
        quantities=[
            QuantityValue(
                text=q.text,
                dimension=q.dimension,
                base_value=q.base_value,
                normalised=format_value(q),
                approximate=q.approximate,
                ambiguous_clock=q.unit == "h12",
            )
            for q in item.quantities
        ],
    )


def _representative(group: list[ClaimFeatures]) -> ClaimFeatures:
    """Return the claim closest in meaning to the rest of its point."""
    if len(group) <= 2:
        return group[0]
    totals = [sum(_similarity(a, b) for b in group if b is not a) for a in group]
    return group[int(np.argmax(totals))]


def _points(
    members: list[list[ClaimFeatures]], disagreements: list[Disagreement], total: int
) -> list[Point]:
    disputed = {point for d in disagreements for point in d.points}
    points = []
    for position, group in enumerate(members):
        people = sorted({item.participant for item in group}, key=_participant_order)
        if len(people) == 1:
            coverage = "one"
        elif len(people) == total:
            coverage = "all"
        else:
            coverage = "some"
        point_id = f"p{position + 1}"
        points.append(
            Point(
                id=point_id,
                topic_id=_majority_topic(group),
                text=_representative(group).text,
                participants=people,
                coverage=coverage,  # type: ignore[arg-type]
                disputed=point_id in disputed,
                statements=[_statement(item) for item in group],
            )
        )
    return points


def _timeline(
    drafts: list[EntryDraft], points: list[Point], disagreements: list[Disagreement]
) -> list[TimelineEntry]:
    entries = []
    for draft in drafts:
        point = points[draft.point]
        flagged = [
            d.id for d in disagreements if point.id in d.points and d.kind in ("time", "sequence")
        ]
        entries.append(
            TimelineEntry(
                at=f"{draft.minute // 60:02d}:{draft.minute % 60:02d}",
                point_id=point.id,
                text=draft.claim.text,
                approximate=draft.approximate,
                ambiguous_clock=draft.ambiguous,
                reported_by=[_report(reading) for reading in draft.reports],
                disagreements=flagged,
            )
        )
    return entries


def _report(reading: Reading) -> TimelineReport:
    item = reading.claim
    return TimelineReport(
        participant=item.participant,
        at=f"{reading.minute // 60:02d}:{reading.minute % 60:02d}",
        session_id=item.session_id,
        claim_id=item.claim.id,
        answer_seq=item.claim.source.answer_seq,
        text=item.text,
    )


def _notes(sessions: Sequence[SessionInput], skipped_unsigned: int) -> list[str]:
    notes = []
    if skipped_unsigned:
        notes.append(
            f"{skipped_unsigned} session(s) not signed off were left out; include them "
            "(marked as unsigned) with --include-unsigned on the command line, "
            "include_unsigned=true in the API, or 'Include unsigned interviews' on the page."
        )
    unsigned = [s.session_id for s in sessions if not s.signed]
    if unsigned:
        notes.append(f"Not signed off, included on request: {', '.join(unsigned)}.")
    withdrawn = sum(len(s.artifact.rejected_claims) for s in sessions)
    if withdrawn:
        notes.append(f"{withdrawn} claim(s) the participants rejected were left out.")
    if not sessions:
        notes.append("No sessions to synthesise yet.")
    elif len(sessions) == 1:
        notes.append(
            "Only one participant so far: there is nothing to compare until a second "
            "session is signed off."
        )
    return notes
