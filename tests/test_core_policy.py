"""Policy: which move comes first, when the interview stops, and how non-answers are kept."""

from __future__ import annotations

import pytest

from elicitor.artifact.render import to_markdown
from elicitor.briefing.loader import load_template, parse_briefing
from elicitor.engine.analyst import OfflineAnalyst
from elicitor.engine.policy import (
    STALL_LIMIT,
    SUMMARY_EVERY_CLAIMS,
    Move,
    Policy,
    PolicyLimits,
)
from elicitor.session.events import GENESIS_HASH, EventType, PendingEvent, seal
from elicitor.session.service import Interviewer
from elicitor.session.state import SessionState
from elicitor.store import Store

# The optional topic comes first so that tests can tell "required first" from "file order".
BRIEFING_YAML = """
id: core-policy
title: Export problem
goal: Find out why the export of reports fails.
opening_question: "In your own words, what went wrong?"
topics:
  - id: extras
    title: Anything else
    required: false
    question: "Is there anything else we should know about the export?"
  - id: symptom
    title: What you see
    question: "What exactly do you see on the screen when the export fails?"
    probes:
      - "What did you expect to see instead?"
    keywords: [error, spinner, message, screen, dialog]
  - id: timing
    title: How long it takes
    question: "How long does the export run before it stops?"
    keywords: [seconds, minutes, takes, long, wait]
    needs_quantity: true
"""
MAX_MOVES = 30
TOPIC_QUESTION_MOVES = ("open_topic", "probe")


@pytest.fixture(scope="module")
def briefing():
    return parse_briefing(BRIEFING_YAML, source="policy test briefing")


class SessionLog:
    """Seal events and fold them into a SessionState the way the interview service does."""

    def __init__(self, briefing) -> None:
        self.briefing = briefing
        self.state = SessionState(session_id="s-policy")
        self.analyst = OfflineAnalyst()

    def append(self, type_: EventType, payload: dict) -> None:
        event = seal(
            PendingEvent(type_, payload),
            seq=self.state.last_seq + 1,
            prev_hash=self.state.last_hash or GENESIS_HASH,
        )
        self.state.apply(event)

    def ask(self, move: Move, text: str = "What happened next?") -> None:
        self.append(
            EventType.QUESTION_ASKED,
            {
                "kind": "question",
                "text": text,
                "move": move.name,
                "reason": move.reason,
                "topic_id": move.topic_id,
                "angle": move.angle,
                "claim_ids": list(move.claim_ids),
            },
        )

    def open(self) -> None:
        self.ask(Move("opening", "first question", angle="opening"), self.briefing.opening_question)

    def reply(self, text: str) -> None:
        question = self.state.question(self.state.pending.seq)
        self.append(EventType.ANSWER_RECEIVED, {"text": text, "question_seq": question["seq"]})
        answer_seq = self.state.last_seq
        analysis = self.analyst.analyze(
            text,
            briefing=self.briefing,
            state=self.state,
            answer_seq=answer_seq,
            question=question,
        )
        if analysis.non_answer:
            self.append(
                EventType.UNKNOWN_RECORDED,
                {
                    "reason": analysis.non_answer,
                    "topic_id": question["topic_id"],
                    "question_seq": question["seq"],
                    "question": question["text"],
                    "answer_seq": answer_seq,
                },
            )
        else:
            self.append(EventType.CLAIMS_EXTRACTED, analysis.to_payload())

    def claim_id(self, text: str) -> str:
        return next(c.id for c in self.state.claims.values() if c.text == text)


def topics_with_own_question(state: SessionState) -> set[str]:
    return {
        q["topic_id"]
        for q in state.questions
        if q["kind"] == "question" and q["move"] in TOPIC_QUESTION_MOVES
    }


def required_ids(briefing) -> set[str]:
    return {topic.id for topic in briefing.topics if topic.required}


# -- choice order ---------------------------------------------------------------------------


def test_contradiction_beats_other_moves(briefing):
    log = SessionLog(briefing)
    log.open()
    log.reply("The export takes 60 seconds.")
    log.ask(Move("elaborate", "test", angle="elaborate:c1", claim_ids=("c1",)))
    log.reply(
        "Sometimes the export takes a minute and a half. The dialog stays grey. "
        "The fan gets loud. The progress bar stops at half. The mouse pointer spins. "
        "The laptop gets warm. The window title changes."
    )
    state = log.state

    move = Policy().next_move(briefing, state)

    # Every other kind of angle is open at the same time.
    assert any(c.status == "open" for c in state.contradictions.values())
    assert any(c.vague_terms for c in state.claims.values() if c.answer_seq == state.last_seq - 1)
    assert state.claims_since_summary >= SUMMARY_EVERY_CLAIMS
    assert not required_ids(briefing) <= topics_with_own_question(state)
    assert move.name == "raise_contradiction"
    assert set(move.claim_ids) == {
        log.claim_id("The export takes 60 seconds."),
        log.claim_id("Sometimes the export takes a minute and a half."),
    }


def test_vague_term_pinned_next(briefing):
    log = SessionLog(briefing)
    log.open()
    log.reply("The export sometimes fails.")

    move = Policy().next_move(briefing, log.state)

    assert move.name == "pin_down"
    assert move.claim_ids == (log.claim_id("The export sometimes fails."),)
    assert move.term.endswith(":sometimes")


def test_required_topic_opened(briefing):
    log = SessionLog(briefing)
    log.open()
    log.reply("I don't know")

    move = Policy().next_move(briefing, log.state)

    assert move.name == "open_topic"
    assert move.topic_id in required_ids(briefing)


def test_no_follow_ups_when_briefing_turns_them_off(briefing):
    quiet = briefing.model_copy(update={"follow_ups": False})
    log = SessionLog(quiet)
    log.open()
    log.reply("The export sometimes fails.")

    move = Policy().next_move(quiet, log.state)

    assert move.name == "open_topic"
    assert Policy().next_move(briefing, log.state).name == "pin_down"


# -- the stop rule --------------------------------------------------------------------------


def play_until_wrap_up(briefing, first_answer: str, policy: Policy | None = None):
    """Answer the opening with ``first_answer`` and every later question with a non-answer."""
    policy = policy or Policy()
    log = SessionLog(briefing)
    log.open()
    log.reply(first_answer)
    moves = []
    for _ in range(MAX_MOVES):
        move = policy.next_move(briefing, log.state)
        moves.append(move)
        if move.name == "wrap_up":
            break
        log.ask(move)
        log.reply("I don't know")
    return log, moves


@pytest.mark.parametrize(
    "first_answer",
    [
        "I don't know",
        "The export sometimes fails with an error.",
        "I think the export takes about 30 seconds.",
    ],
)
def test_wrap_up_after_required_topics(briefing, first_answer):
    log, moves = play_until_wrap_up(briefing, first_answer)

    assert moves[-1].name == "wrap_up", [m.name for m in moves]
    assert log.state.answers_without_news >= STALL_LIMIT
    assert required_ids(briefing) <= topics_with_own_question(log.state), [
        (m.name, m.topic_id) for m in moves
    ]


def test_no_wrap_up_before_required_topics(briefing):
    log = SessionLog(briefing)
    log.open()
    log.reply("I don't know")
    log.ask(Move("open_topic", "test", angle="topic:symptom", topic_id="symptom"))
    log.reply("I don't know")
    log.ask(Move("probe", "test", angle="probe:symptom:1", topic_id="symptom"))
    log.reply("skip")

    move = Policy().next_move(briefing, log.state)

    assert log.state.answers_without_news >= STALL_LIMIT
    assert move.name != "wrap_up"
    assert move.topic_id == "timing"


def test_question_limit_wraps_up(briefing):
    log = SessionLog(briefing)
    log.open()
    log.reply("The export sometimes fails.")
    log.ask(Move("open_topic", "test", angle="topic:timing", topic_id="timing"))
    log.reply("It takes about 40 seconds before the dialog closes.")

    limited = Policy(PolicyLimits(max_questions=2)).next_move(briefing, log.state)
    unlimited = Policy().next_move(briefing, log.state)

    assert limited.name == "wrap_up"
    assert unlimited.name != "wrap_up"


def test_question_limit_in_interview(sqlite_url):
    limit = 4
    store = Store(sqlite_url)
    interviewer = Interviewer(store, policy=Policy(PolicyLimits(max_questions=limit)))
    session_id, prompt = interviewer.start(store.save_briefing(load_template("bug-triage")))
    answers = iter(
        [
            "The export button doesn't work on my computer.",
            "It spins for a bit then nothing.",
            "About 30 seconds, then nothing, no error.",
            "Only the quarterly report fails.",
            "I use Windows 11.",
            "I installed it from the website.",
        ]
    )

    while prompt.kind == "question":
        prompt = interviewer.answer(session_id, next(answers))

    state = interviewer.load(session_id).state
    assert prompt.kind == "review"
    assert state.question_count() == limit


# -- non-answers become unknowns ------------------------------------------------------------

NON_ANSWERS = [("I don't know", "dont_know"), ("skip", "skip"), ("I'd rather not say", "refused")]
NON_ANSWER_TURNS = 9
# Moves that ask for information the artifact needs, so a non-answer to them is a gap. A
# non-answer to "what else can you tell me" may instead mean there is nothing to add.
INFORMATION_MOVES = ("opening", "open_topic", "probe", "pin_down")


@pytest.fixture
def unknowns_session(sqlite_url):
    """A bug-triage session: one real answer, then the three kinds of non-answer in turn."""
    store = Store(sqlite_url)
    interviewer = Interviewer(store)
    session_id, _ = interviewer.start(store.save_briefing(load_template("bug-triage")))
    interviewer.answer(session_id, "The export button doesn't work on my computer.")
    asked = []
    for turn in range(NON_ANSWER_TURNS):
        text, reason = NON_ANSWERS[turn % len(NON_ANSWERS)]
        pending = interviewer.load(session_id).state.pending
        asked.append((pending.text, pending.move, reason))
        interviewer.answer(session_id, text)
    return store, interviewer, session_id, asked


def information_gaps(asked):
    gaps = [(text, reason) for text, move, reason in asked if move in INFORMATION_MOVES]
    assert gaps, asked
    return gaps


def test_non_answers_recorded_as_unknowns(unknowns_session):
    store, _, session_id, asked = unknowns_session

    events = [e for e in store.load_events(session_id) if e.type == EventType.UNKNOWN_RECORDED]

    assert [e.payload["reason"] for e in events] == [reason for _, _, reason in asked]
    assert [e.payload["question"] for e in events] == [text for text, _, _ in asked]


def test_non_answers_add_no_claims(unknowns_session):
    _, interviewer, session_id, _ = unknowns_session

    claims = interviewer.load(session_id).state.claims.values()

    assert [c.text for c in claims] == ["The export button doesn't work on my computer."]


def test_unknowns_in_artifact(unknowns_session):
    _, interviewer, session_id, asked = unknowns_session

    artifact = interviewer.artifact(session_id)
    recorded = {(u.question, u.reason) for t in artifact.topics for u in t.unknowns}

    for gap in information_gaps(asked):
        assert gap in recorded


def test_unknowns_in_markdown(unknowns_session):
    _, interviewer, session_id, asked = unknowns_session

    markdown = to_markdown(interviewer.artifact(session_id))

    for question, _ in information_gaps(asked):
        assert f"Unknown: {question}" in markdown


def test_unknown_opening_in_artifact(sqlite_url):
    store = Store(sqlite_url)
    interviewer = Interviewer(store)
    record = store.save_briefing(load_template("bug-triage"))
    session_id, opening = interviewer.start(record)

    interviewer.answer(session_id, "I don't know")

    artifact = interviewer.artifact(session_id)
    recorded = [u.question for t in artifact.topics for u in t.unknowns]
    recorded += [u.question for u in artifact.other_unknowns]
    assert opening.text in recorded
