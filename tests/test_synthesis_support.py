"""Helpers for the synthesis tests: scripted interviews on a real store (no tests here)."""

from __future__ import annotations

from elicitor.briefing.model import Briefing, Topic
from elicitor.session.service import Interviewer
from elicitor.session.state import Prompt
from elicitor.store.store import BriefingRecord, Store

DONT_KNOW = "I don't know"
# Enough replies to reach the final review of the small test briefing.
MAX_TURNS = 80


def incident_briefing(slug: str = "incident-review", *, goal: str = "") -> Briefing:
    """Return a small incident briefing: a timeline topic and an actions topic."""
    return Briefing(
        id=slug,
        title="Database outage review",
        goal=goal or "Record each responder's account of the database outage.",
        opening_question="From where you stood, what happened during the outage?",
        topics=[
            Topic(
                id="timeline",
                title="Timeline",
                question="At what time did each step happen?",
                keywords=["at", "time", "started", "went down"],
            ),
            Topic(
                id="actions",
                title="Actions",
                question="What did you do to recover?",
                keywords=["restarted", "rolled back", "failover", "failed over"],
            ),
        ],
    )


def save(store: Store, briefing: Briefing | None = None) -> BriefingRecord:
    return store.save_briefing(briefing or incident_briefing())


def interview(
    interviewer: Interviewer,
    record: BriefingRecord,
    participant: str,
    answers: list[str],
    *,
    sign: bool = True,
    reject: tuple[str, ...] = (),
    correct: dict[str, str] | None = None,
) -> str:
    """Run one interview with scripted answers; return the session id.

    The scripted answers go to the first questions, then every question gets "I don't
    know" and every checkpoint "ok" until the review. Claims whose text contains a string
    in ``reject`` are rejected, and ``correct`` maps a text fragment to a corrected claim,
    both before signing.
    """
    session_id, prompt = interviewer.start(record, participant=participant, engine="offline")
    pending = list(answers)
    for _ in range(MAX_TURNS):
        if prompt.kind == "review":
            break
        prompt = interviewer.answer(session_id, _reply(prompt, pending))
    else:
        raise AssertionError(f"no review after {MAX_TURNS} turns; last prompt: {prompt.text}")
    _edit_claims(interviewer, session_id, reject, correct or {})
    if sign:
        interviewer.sign_off(session_id, signer=participant or "participant")
    return session_id


def _reply(prompt: Prompt, pending: list[str]) -> str:
    if prompt.kind == "summary":
        return "ok"
    if pending:
        return pending.pop(0)
    return DONT_KNOW


def _edit_claims(
    interviewer: Interviewer, session_id: str, reject: tuple[str, ...], correct: dict[str, str]
) -> None:
    state = interviewer.load(session_id).state
    for claim in state.active_claims():
        if any(fragment in claim.text for fragment in reject):
            interviewer.edit_claim(session_id, claim.id, "reject", "withdrawn in the test")
            continue
        for fragment, text in correct.items():
            if fragment in claim.text:
                interviewer.edit_claim(session_id, claim.id, "correct", text)
