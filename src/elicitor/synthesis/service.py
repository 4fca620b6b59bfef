"""Entry points on a store: synthesise a briefing, and start its second round."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from elicitor.briefing.model import Briefing
from elicitor.store.store import Store
from elicitor.store.web_store import WebStore
from elicitor.synthesis.align import Aligner
from elicitor.synthesis.build import SynthesisOptions, synthesize
from elicitor.synthesis.inputs import (
    BriefingVersions,
    SessionInput,
    load_sessions,
    resolve_briefing,
)
from elicitor.synthesis.model import Participant, Synthesis
from elicitor.synthesis.model_align import aligner_for
from elicitor.synthesis.round2 import (
    SeededQuestion,
    followup_key,
    read_followups,
    round2_briefing,
    round2_slug,
    seeded_question,
    source_session,
)

log = logging.getLogger(__name__)


def synthesize_briefing(
    store: Store,
    identifier: str | int,
    *,
    options: SynthesisOptions | None = None,
    aligner: Aligner | None = None,
    engine: str | None = None,
) -> Synthesis:
    """Synthesise every session of the briefing named by a slug or pk (all its versions).

    Without ``aligner``, claims are aligned by the model of ``engine``, else of the
    briefing's engine, else of the server default (``ELICITOR_ENGINE``); 'offline' (the
    default) needs no model.
    """
    options = options or SynthesisOptions()
    versions = resolve_briefing(store, identifier)
    if aligner is None:
        aligner = aligner_for(engine or versions.latest.briefing.engine)
    sessions, skipped = load_sessions(store, versions, include_unsigned=options.include_unsigned)
    return _synthesize(store, versions, sessions, skipped, options, aligner)


def _synthesize(
    store: Store,
    versions: BriefingVersions,
    sessions: list[SessionInput],
    skipped: int,
    options: SynthesisOptions,
    aligner: Aligner | None,
) -> Synthesis:
    followups = read_followups(store, versions.slug, include_unsigned=options.include_unsigned)
    return synthesize(
        sessions,
        versions,
        options=options,
        aligner=aligner,
        followups=followups,
        skipped_unsigned=skipped,
    )


@dataclass(frozen=True)
class Invite:
    """The second-round link of one participant; ``token`` is set only when just created."""

    participant: str
    label: str
    source_session_id: str
    questions: int
    status: Literal["created", "existing"]
    briefing_pk: int
    briefing_version: int
    link_id: str
    token: str | None
    # Earlier second-round links of this participant revoked because the questions changed.
    replaced_links: int = 0


def plan_round2(synthesis: Synthesis, *, names: bool) -> dict[str, list[SeededQuestion]]:
    """Return, per participant key, the seeded questions about their open disagreements."""
    allowed = {p.key: p.label for p in synthesis.participants} if names else None
    plan: dict[str, list[SeededQuestion]] = {}
    for disagreement in synthesis.disagreements:
        if disagreement.status != "open":
            continue
        answered = {f.participant for f in disagreement.followups if f.outcome != "unclear"}
        for participant in disagreement.participants:
            if participant in answered:
                # Their answer is final; the disagreement now waits for the others.
                continue
            own = [
                s
                for position in disagreement.positions
                for s in position.statements
                if s.participant == participant
            ]
            key = followup_key(disagreement.kind, [(s.session_id, s.claim_id) for s in own])
            if any(q.key == key for q in plan.get(participant, [])):
                # Two disagreements on the same claims share one question and its answer.
                continue
            text, own_text = seeded_question(disagreement, participant, allowed)
            question = SeededQuestion(key=key, kind=disagreement.kind, text=text, own_text=own_text)
            plan.setdefault(participant, []).append(question)
    return plan


def create_round2(
    store: Store,
    identifier: str | int,
    *,
    names: bool = False,
    include_unsigned: bool = False,
    expires_at: str | None = None,
    web_store: WebStore | None = None,
    engine: str | None = None,
) -> list[Invite]:
    """Store one derived briefing per involved participant and give each a personal link.

    A participant who already has a usable link to the same derived briefing keeps it
    (status 'existing'): link tokens are stored only as hashes, so it cannot be shown again.
    """
    options = SynthesisOptions(include_unsigned=include_unsigned, names=names, timeline=False)
    versions = resolve_briefing(store, identifier)
    sessions, skipped = load_sessions(store, versions, include_unsigned=include_unsigned)
    aligner = aligner_for(engine or versions.latest.briefing.engine)
    synthesis = _synthesize(store, versions, sessions, skipped, options, aligner)
    plan = plan_round2(synthesis, names=names)
    web_store = web_store or WebStore(store)
    names_by_session = {s.session_id: s.record.participant.strip() for s in sessions}
    invites: list[Invite] = []
    for participant in synthesis.participants:
        questions = plan.get(participant.key)
        if not questions:
            _retire_older_links(store, web_store, round2_slug(versions.slug), None, participant)
            continue
        briefing = round2_briefing(
            versions.latest.briefing,
            source_slug=versions.slug,
            session_id=participant.session_id,
            questions=questions,
        )
        label = names_by_session.get(participant.session_id) or participant.label
        invites.append(
            _invite(store, web_store, briefing, participant, label, len(questions), expires_at)
        )
    log.info("second round of %s: %d participant links", versions.slug, len(invites))
    return invites


def _invite(
    store: Store,
    web_store: WebStore,
    briefing: Briefing,
    participant: Participant,
    label: str,
    questions: int,
    expires_at: str | None,
) -> Invite:
    """Save the derived briefing and return its usable personal link, created if needed."""
    record = store.save_briefing(briefing)
    existing = [
        link
        for link in web_store.list_links(briefing_pks=[record.pk])
        if link.kind == "personal" and link.usable
    ]
    token: str | None = None
    replaced = 0
    if existing:
        link, status = existing[0], "existing"
    else:
        link, token = web_store.create_link(
            record.pk, kind="personal", label=label, expires_at=expires_at
        )
        status = "created"
        replaced = _retire_older_links(store, web_store, record.slug, record.pk, participant)
    return Invite(
        participant=participant.key,
        label=label,
        source_session_id=participant.session_id,
        questions=questions,
        status=status,  # type: ignore[arg-type]
        briefing_pk=record.pk,
        briefing_version=record.version,
        link_id=link.id,
        token=token,
        replaced_links=replaced,
    )


def _retire_older_links(
    store: Store, web_store: WebStore, slug: str, keep_pk: int | None, participant: Participant
) -> int:
    """Revoke the participant's links to second-round briefings other than ``keep_pk``:
    they ask about disagreements as they stood then. A link whose session was signed off
    is kept."""
    source_session_id = participant.session_id
    older = [
        record.pk
        for record in store.list_briefings()
        if record.slug == slug
        and record.pk != keep_pk
        and source_session(record.briefing) == source_session_id
    ]
    if not older:
        return 0
    signed = {s.id for s in store.list_sessions() if s.status == "signed_off"}
    retired = 0
    for link in web_store.list_links(briefing_pks=older):
        if link.kind == "personal" and link.usable and link.session_id not in signed:
            web_store.revoke_link(link.id)
            retired += 1
    if retired:
        log.info(
            "second round: %d earlier link(s) for session %s revoked", retired, source_session_id
        )
    return retired
