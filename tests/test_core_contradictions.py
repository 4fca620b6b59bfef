"""Contradictions: found between claims, pointing at both, and raised in the interview."""

from __future__ import annotations

import re

import pytest

from elicitor.briefing.loader import load_template
from elicitor.engine.analyst import OfflineAnalyst
from elicitor.session.events import GENESIS_HASH, EventType, PendingEvent, seal
from elicitor.session.service import Interviewer
from elicitor.session.state import SessionState
from elicitor.store import Store

# Questions after a planted contradiction within which the interviewer must raise it.
RAISE_WITHIN_QUESTIONS = 2
QUOTED = re.compile(r'"([^"]+)"')


def analyze_in_order(statements: list[str], template: str, topic_id: str | None = None):
    """Analyse each statement after the ones before it and return the state and the analyses.

    With ``topic_id`` every statement answers a question on that topic, as in an interview.
    """
    briefing = load_template(template)
    analyst = OfflineAnalyst()
    state = SessionState(session_id="s-contradictions")
    prev_hash = GENESIS_HASH
    analyses = []
    question = {"topic_id": topic_id, "seq": 1} if topic_id else None
    for seq, text in enumerate(statements, start=1):
        analysis = analyst.analyze(
            text, briefing=briefing, state=state, answer_seq=seq, question=question
        )
        event = seal(
            PendingEvent(EventType.CLAIMS_EXTRACTED, analysis.to_payload()),
            seq=seq,
            prev_hash=prev_hash,
        )
        state.apply(event)
        prev_hash = event.hash
        analyses.append(analysis)
    return state, analyses


def claim_id_of(state: SessionState, text: str) -> str:
    matches = [claim.id for claim in state.claims.values() if claim.text == text]
    assert len(matches) == 1, f"no single claim reads {text!r}: {list(state.claims.values())}"
    return matches[0]


# -- the analyst ----------------------------------------------------------------------------

CONTRADICTING = [
    pytest.param(
        "bug-triage",
        "The export takes 60 seconds.",
        "The export takes a minute and a half.",
        "number",
        id="duration-units",
    ),
    pytest.param(
        "bug-triage",
        "The report has 8000 rows.",
        "The report has 12000 rows.",
        "number",
        id="row-count",
    ),
    pytest.param(
        "incident",
        "The database went down at 23:00.",
        "The database went down at 23:27.",
        "number",
        id="time-of-day",
    ),
    pytest.param(
        "bug-triage",
        "It always fails.",
        "It worked yesterday.",
        "polarity",
        id="always-fails",
    ),
    pytest.param(
        "bug-triage",
        "I have never changed any settings.",
        "I turned on the ignore list in the preferences.",
        "polarity",
        id="change-denial",
    ),
]


@pytest.mark.parametrize(("template", "first", "second", "kind"), CONTRADICTING)
@pytest.mark.parametrize("topic_id", [None, "question-topic"], ids=["no-topic", "same-topic"])
def test_contradiction_points_at_both(template, first, second, kind, topic_id):
    if topic_id == "question-topic":
        topic_id = load_template(template).topics[0].id

    state, analyses = analyze_in_order([first, second], template, topic_id)

    found = analyses[1].contradictions
    assert len(found) == 1, found
    assert found[0].kind == kind
    assert found[0].claim_a == claim_id_of(state, first)
    assert found[0].claim_b == claim_id_of(state, second)


def test_number_contradiction_names_both_values():
    _, analyses = analyze_in_order(
        ["The export takes 60 seconds.", "The export takes a minute and a half."], "bug-triage"
    )

    detail = analyses[1].contradictions[0].detail
    assert "60 seconds" in detail
    assert "a minute and a half" in detail


NOT_CONTRADICTING = [
    pytest.param(
        "bug-triage",
        "observed-expected",
        "Only the quarterly report fails.",
        "The monthly report works fine.",
        id="scoped-failure",
    ),
    pytest.param(
        "bug-triage",
        "observed-expected",
        "The export takes 60 seconds.",
        "The export takes 1 minute.",
        id="same-duration",
    ),
    pytest.param(
        "incident",
        "timeline",
        "The database went down at 23:10.",
        "The database went down at ten past eleven.",
        id="same-time",
    ),
    pytest.param(
        "bug-triage",
        "observed-expected",
        "The export takes 60 seconds.",
        "The login takes 5 seconds.",
        id="durations-of-two-things",
    ),
    pytest.param(
        "incident",
        "safeguards",
        "The failover always works.",
        "Someone said the backup had failed the night before.",
        id="general-claim-other-subject",
    ),
    pytest.param(
        "incident",
        "timeline",
        "The primary database went down at 23:10.",
        "The disk on the primary filled up at 22:55, before the primary went down.",
        id="times-of-two-events",
    ),
    pytest.param(
        "incident",
        "impact",
        "We lost the primary and checkout returned 500 errors.",
        "Checkout was down for all customers in the EU region.",
        id="two-failure-reports",
    ),
]


@pytest.mark.parametrize(("template", "topic_id", "first", "second"), NOT_CONTRADICTING)
def test_no_false_contradiction(template, topic_id, first, second):
    _, analyses = analyze_in_order([first, second], template, topic_id)

    assert analyses[1].contradictions == []


# -- the interview --------------------------------------------------------------------------

PLANTED = [
    pytest.param(
        "bug-triage",
        [
            "The export takes 60 seconds.",
            "It happens with the quarterly report.",
            "The export takes a minute and a half.",
        ],
        id="bug-triage-duration",
    ),
    pytest.param(
        "bug-triage",
        [
            "It always fails.",
            "I use the export button in the File menu.",
            "It worked yesterday.",
        ],
        id="bug-triage-polarity",
    ),
    pytest.param(
        "bug-triage",
        [
            "The export always fails.",
            "I use the export button in the File menu.",
            "The export worked yesterday.",
        ],
        id="bug-triage-polarity-subject",
    ),
    pytest.param(
        "bug-triage",
        [
            "I have never changed any settings.",
            "The export button stopped working on Monday.",
            "I turned on the ignore list in the preferences.",
        ],
        id="bug-triage-change",
    ),
    pytest.param(
        "incident",
        [
            "The database went down at 23:00.",
            "I was on call that night.",
            "The database went down at 23:27.",
        ],
        id="incident-time",
    ),
    pytest.param(
        "knowledge-transfer",
        [
            "The retry window for failed payments is 2 hours.",
            "I run the billing job every night.",
            "The retry window for failed payments is 3 hours.",
        ],
        id="knowledge-transfer-window",
    ),
]


def _fragments(question: str) -> list[str]:
    return [part.strip(" …") for part in QUOTED.findall(question)]


@pytest.mark.parametrize(("template", "answers"), PLANTED)
def test_planted_contradiction_raised(sqlite_url, template, answers):
    store = Store(sqlite_url)
    interviewer = Interviewer(store)
    record = store.save_briefing(load_template(template))
    session_id, _ = interviewer.start(record)
    for answer in answers:
        prompt = interviewer.answer(session_id, answer)

    asked = []
    while len(asked) < RAISE_WITHIN_QUESTIONS and prompt.move != "raise_contradiction":
        asked.append(prompt)
        prompt = interviewer.answer(session_id, "I don't know")

    assert prompt.move == "raise_contradiction", [p.text for p in asked]
    state = interviewer.load(session_id).state
    earlier = state.claims[claim_id_of(state, answers[0])].text.rstrip(".")
    planted = state.claims[claim_id_of(state, answers[-1])].text.rstrip(".")
    fragments = _fragments(prompt.text)
    assert any(fragment and fragment in earlier for fragment in fragments), prompt.text
    assert any(fragment and fragment in planted for fragment in fragments), prompt.text


@pytest.mark.parametrize(("template", "answers"), PLANTED[:1])
def test_raised_contradiction_is_event(sqlite_url, template, answers):
    store = Store(sqlite_url)
    interviewer = Interviewer(store)
    record = store.save_briefing(load_template(template))
    session_id, _ = interviewer.start(record)
    for answer in answers:
        interviewer.answer(session_id, answer)

    events = store.load_events(session_id)
    raised = [e for e in events if e.type == EventType.CONTRADICTION_RAISED]
    state = interviewer.load(session_id).state
    assert len(raised) == 1
    contradiction = state.contradictions[raised[0].payload["id"]]
    assert contradiction.claim_a == claim_id_of(state, answers[0])
    assert contradiction.claim_b == claim_id_of(state, answers[-1])
    assert contradiction.status == "raised"


def test_answer_resolves_contradiction(sqlite_url):
    store = Store(sqlite_url)
    interviewer = Interviewer(store)
    record = store.save_briefing(load_template("bug-triage"))
    session_id, _ = interviewer.start(record)
    interviewer.answer(session_id, "The export takes 60 seconds.")
    prompt = interviewer.answer(session_id, "The export takes a minute and a half.")
    assert prompt.move == "raise_contradiction"

    interviewer.answer(session_id, "The minute and a half is right; I timed it today.")

    state = interviewer.load(session_id).state
    assert [c.status for c in state.contradictions.values()] == ["resolved"]
