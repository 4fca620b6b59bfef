"""Voice: every question the offline engine asks contains exactly one question."""

from __future__ import annotations

import pytest

from elicitor.briefing.loader import load_template, template_names
from elicitor.engine.analyst import OfflineAnalyst
from elicitor.engine.policy import Move
from elicitor.engine.voice import OfflineVoice, count_questions
from elicitor.session.events import GENESIS_HASH, EventType, PendingEvent, seal
from elicitor.session.service import Interviewer
from elicitor.session.state import SessionState
from elicitor.store import Store

TEMPLATES = template_names()
MAX_ANSWERS = 80
MIN_QUESTIONS = 8


# -- the one-question rule ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("What broke, and why did you restart it?", 2),
        ("When did it start? Which version?", 2),
        ("What happens: an error, a spinner, or nothing at all?", 1),
        ("How long does it take, in seconds?", 1),
        ('You said "why? who knows?". What happened next?', 1),
        ("Which safeguard, had it existed, would have prevented this incident?", 1),
        ("Tell me more.", 0),
    ],
)
def test_count_questions(text, count):
    assert count_questions(text) == count


# -- every move the offline voice can phrase ------------------------------------------------

STATEMENTS = [
    "The export button doesn't work.",
    "It spins for a bit.",
    "The export is slow.",
    "The export should be fast.",
    "The file is big.",
    "It sometimes fails.",
    "There are a lot of rows in the report.",
    "The export must be reliable.",
    "It broke recently.",
    "I have never changed any settings.",
    "It never works on Mondays.",
    "It always fails.",
    "I think the server times out.",
    "I turned on the ignore list in the preferences.",
    "The old version was better.",
    "Why does it even have a button? Nobody uses it.",
    'My manager called it "the slow button" in the meeting.',
]


def state_from(statements: list[str], template: str) -> SessionState:
    briefing = load_template(template)
    analyst = OfflineAnalyst()
    state = SessionState(session_id="s-voice")
    prev_hash = GENESIS_HASH
    for seq, text in enumerate(statements, start=1):
        analysis = analyst.analyze(
            text, briefing=briefing, state=state, answer_seq=seq, question=None
        )
        event = seal(
            PendingEvent(EventType.CLAIMS_EXTRACTED, analysis.to_payload()),
            seq=seq,
            prev_hash=prev_hash,
        )
        state.apply(event)
        prev_hash = event.hash
    return state


def claim_moves(state: SessionState) -> list[Move]:
    moves = []
    claims = list(state.claims.values())
    for claim in claims:
        ids = (claim.id,)
        for term in claim.vague_terms:
            moves.append(Move("pin_down", "test", claim_ids=ids, term=term))
        for name in (
            "ask_detail",
            "ask_rationale",
            "check_assumption",
            "ask_counterexample",
            "ask_when",
            "ask_why",
            "elaborate",
            "ask_example",
        ):
            moves.append(Move(name, "test", claim_ids=ids))
    for first, second in zip(claims, claims[1:], strict=False):
        moves.append(Move("raise_contradiction", "test", claim_ids=(first.id, second.id)))
    return moves


def test_claim_moves_ask_one_question():
    briefing = load_template("bug-triage")
    state = state_from(STATEMENTS, "bug-triage")
    voice = OfflineVoice()

    moves = claim_moves(state)

    assert any(move.name == "pin_down" for move in moves)
    for move in moves:
        text = voice.phrase(move, briefing=briefing, state=state)
        assert count_questions(text) == 1, (move.name, move.term, text)


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("with_claims", [False, True], ids=["fresh", "after-claims"])
def test_topic_moves_ask_one_question(template, with_claims):
    briefing = load_template(template)
    state = state_from(STATEMENTS[:3] if with_claims else [], template)
    voice = OfflineVoice()

    for topic in briefing.topics:
        moves = [Move("open_topic", "test", topic_id=topic.id)]
        moves += [Move("probe", "test", topic_id=topic.id, probe=p) for p in topic.probes]
        for move in moves:
            text = voice.phrase(move, briefing=briefing, state=state)
            assert count_questions(text) == 1, (topic.id, text)


# -- whole scripted interviews --------------------------------------------------------------

SCRIPTS = {
    "bug-triage": [
        "The export button doesn't work on my computer.",
        "It spins for a bit then nothing.",
        "About 30 seconds, then nothing, no error.",
        "Only the quarterly report fails. The monthly one works.",
        "I think the server times out.",
        "It always fails.",
        "It worked yesterday.",
        "I have never changed any settings.",
        "I turned on the ignore list in the preferences.",
        "Windows 11 on a big laptop, version 2.3.1.",
        "The export should be faster.",
    ],
    "incident": [
        "The database went down at 23:10 and the site was slow for a while.",
        "I got paged at 23:15 by the alerting system.",
        "I restarted the primary node, which I think was the wrong call.",
        "The runbook was confusing and the dashboards were useless.",
        "Someone said the backup had failed the night before.",
        "The failover always works.",
        "The failover did not work that night.",
        "The outage was at 23:27.",
        "About 8000 customers were affected.",
        "We should have rolled back sooner.",
    ],
    "requirements": [
        "It should let support staff find customer orders fast.",
        "Support agents and sometimes managers.",
        "Looking up an order by email is the most common task.",
        "It must be fast, a few seconds at most.",
        "Under 5 s for 12 months of data.",
        "It has to run on old laptops and phones.",
        "Search is the most important part, I think.",
        "Search should be done first because it saves the most time.",
        "When agents stop using the old tool.",
    ],
    "knowledge-transfer": [
        "I run the nightly billing job and look after the payment gateway.",
        "The billing job sometimes fails on the first of the month.",
        "I decide when to retry failed payments, usually after 2 hours.",
        "Refunds over 500 euros never follow the normal process.",
        "The gateway broke last year when the certificate expired.",
        "Probably only Anna knows the gateway settings.",
        "Most of it is in my head, a bit in the wiki.",
        "The retry window is 3 hours.",
    ],
    "onboarding": [
        "It was okay but a bit overwhelming.",
        "The deployment process was confusing.",
        "My buddy helped a lot, she always answered quickly.",
        "I looked for a diagram of the services and never found one.",
        "I asked the team lead, maybe ten times a week.",
        "A checklist for the first week would be better.",
        "Nobody ever helped me.",
    ],
}


def test_scripts_cover_every_template():
    assert set(SCRIPTS) == set(TEMPLATES)


@pytest.mark.parametrize("template", TEMPLATES)
def test_scripted_interview_one_question(sqlite_url, template):
    store = Store(sqlite_url)
    interviewer = Interviewer(store)
    session_id, prompt = interviewer.start(store.save_briefing(load_template(template)))
    script = iter(SCRIPTS[template])
    questions = [prompt]
    for _ in range(MAX_ANSWERS):
        if prompt.kind == "review":
            break
        default = "ok" if prompt.kind == "summary" else "I don't know"
        prompt = interviewer.answer(session_id, next(script, default))
        if prompt.kind == "question":
            questions.append(prompt)

    assert prompt.kind == "review"
    assert len(questions) >= MIN_QUESTIONS
    for question in questions:
        assert count_questions(question.text) == 1, (question.move, question.text)
