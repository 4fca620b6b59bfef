"""Durability: an answer is stored before analysis, and an interrupted turn is finished later."""

from __future__ import annotations

import pytest

from elicitor.briefing.loader import load_template
from elicitor.engine.analyst import OfflineAnalyst
from elicitor.engine.registry import Engine
from elicitor.engine.voice import OfflineVoice
from elicitor.session.events import EventType, verify_chain
from elicitor.session.service import Interviewer
from elicitor.store import Store

FIRST_ANSWER = "The export button doesn't work on my computer."


class AnalysisFailed(RuntimeError):
    """Error that the failing analyst raises in place of an analysis."""


class FailingAnalyst(OfflineAnalyst):
    def analyze(self, text, **kwargs):
        raise AnalysisFailed(f"analysis of {text!r} failed")


def failing_engine() -> Engine:
    return Engine("offline", "offline", "failing", FailingAnalyst(), OfflineVoice())


@pytest.fixture
def crashed(sqlite_url):
    """A session whose first answer was stored but whose turn crashed in the analyst."""
    store = Store(sqlite_url)
    record = store.save_briefing(load_template("bug-triage"))
    session_id, _ = Interviewer(store).start(record)
    with pytest.raises(AnalysisFailed):
        Interviewer(store, engine=failing_engine()).answer(session_id, FIRST_ANSWER)
    return store, session_id


def test_answer_stored_before_analysis(crashed):
    store, session_id = crashed

    events = store.load_events(session_id)

    assert events[-1].type == EventType.ANSWER_RECEIVED
    assert events[-1].payload["text"] == FIRST_ANSWER


def test_crashed_turn_leaves_no_prompt(crashed):
    store, session_id = crashed

    state = Interviewer(store).load(session_id).state

    assert state.pending is None
    assert state.claims == {}


def test_current_finishes_crashed_turn(crashed):
    store, session_id = crashed
    answer_seq = store.load_events(session_id)[-1].seq

    prompt = Interviewer(store).current(session_id)

    state = Interviewer(store).load(session_id).state
    assert prompt.kind == "question"
    assert prompt.seq > answer_seq
    assert [c.answer_seq for c in state.claims.values()] == [answer_seq]
    assert verify_chain(store.load_events(session_id)) == []


def test_next_answer_finishes_crashed_turn(crashed):
    store, session_id = crashed
    interviewer = Interviewer(store)

    interviewer.answer(session_id, "It spins for a bit then nothing.")

    state = interviewer.load(session_id).state
    assert [a["text"] for a in state.answers] == [FIRST_ANSWER, "It spins for a bit then nothing."]
    assert all(a["question_seq"] for a in state.answers)
    assert len(state.claims) == 2


def test_retry_with_message_id_stores_once(sqlite_url):
    store = Store(sqlite_url)
    interviewer = Interviewer(store)
    session_id, _ = interviewer.start(store.save_briefing(load_template("bug-triage")))

    first = interviewer.answer(session_id, FIRST_ANSWER, message_id="m-1")
    again = interviewer.answer(session_id, FIRST_ANSWER, message_id="m-1")

    answers = [e for e in store.load_events(session_id) if e.type == EventType.ANSWER_RECEIVED]
    assert len(answers) == 1
    assert again.seq == first.seq
    assert again.text == first.text
