"""Tests for the benchmark's simulated participant, on a small hand-made case."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

if importlib.util.find_spec("onnxruntime") is None:
    pytest.skip(
        "onnxruntime is not installed; install it with pip install 'elicitor[bench]'",
        allow_module_level=True,
    )

from elicitor.bench.cases import Case, parse_cases  # noqa: E402
from elicitor.bench.participant import (  # noqa: E402
    DONT_KNOW,
    SimulatedParticipant,
    first_person,
    first_question,
    is_invitation,
)
from elicitor.engine.voice import count_questions  # noqa: E402
from elicitor.session.state import Prompt  # noqa: E402

PRINTER_CASE: dict[str, Any] = {
    "id": "tiny-printer",
    "family": "bug_report",
    "opening": "The printer stopped working.",
    "facts": [
        {
            "id": "os",
            "text": "The laptop runs Windows 11 version 23H2.",
            "kind": "fact",
            "revealed_by": "operating system and version",
        },
        {
            "id": "build",
            "text": "The Windows build number is 22631.",
            "kind": "fact",
            "revealed_by": "exact OS build number",
        },
        {
            "id": "jam",
            "text": "The printer shows a paper jam warning every morning.",
            "kind": "fact",
            "revealed_by": "error message shown",
        },
        {
            "id": "never",
            "text": "At first the respondent says they have never changed any settings.",
            "kind": "assumption",
            "revealed_by": "have you changed any settings?",
            "planted": True,
        },
        {
            "id": "duplex",
            "text": "The respondent turned on duplex printing in the printer settings last month.",
            "kind": "fact",
            "revealed_by": "settings changed recently",
        },
    ],
    "contradictions": [{"a": "never", "b": "duplex", "note": "planted"}],
}

OS_QUESTION = "Which operating system and version does the laptop run?"
JAM_QUESTION = "What error message does the printer show?"


def question(text: str) -> Prompt:
    return Prompt(kind="question", text=text)


@pytest.fixture
def case() -> Case:
    return parse_cases(PRINTER_CASE)[0]


@pytest.fixture
def participant(case: Case) -> SimulatedParticipant:
    person = SimulatedParticipant(case)
    person.respond(question("In your own words, what went wrong?"))
    return person


def test_participant_opens_with_opening(case: Case) -> None:
    person = SimulatedParticipant(case)

    reply = person.respond(question("In your own words, what went wrong?"))

    assert reply.text == "The printer stopped working."
    assert reply.mode == "opening"


def test_participant_answers_matching_question(participant: SimulatedParticipant) -> None:
    reply = participant.respond(question(OS_QUESTION))

    assert reply.fact_id == "os"
    assert reply.text == "The laptop runs Windows 11 version 23H2."


def test_participant_unrelated_question_dont_know(participant: SimulatedParticipant) -> None:
    reply = participant.respond(question("How is the weather today?"))

    assert reply.text == DONT_KNOW
    assert participant.revealed == []


def test_participant_compound_first_part_only(participant: SimulatedParticipant) -> None:
    compound = "What time of day does it fail, and what error message does the printer show?"
    assert count_questions(compound) == 2

    reply = participant.respond(question(compound))

    # The second part alone would reveal the paper jam; only the first part is answered.
    assert reply.text == DONT_KNOW
    assert "jam" not in participant.revealed


def test_participant_compound_answers_first_fact(participant: SimulatedParticipant) -> None:
    reply = participant.respond(question(f"{JAM_QUESTION} And {OS_QUESTION[0].lower()}"))

    assert reply.fact_id == "jam"


def test_participant_reveals_fact_once(participant: SimulatedParticipant) -> None:
    first = participant.respond(question(OS_QUESTION))
    second = participant.respond(question(OS_QUESTION))

    assert first.fact_id == "os"
    assert second.fact_id != "os"
    assert participant.revealed.count("os") == 1


def test_participant_invitation_follows_thread(participant: SimulatedParticipant) -> None:
    participant.respond(question(JAM_QUESTION))

    reply = participant.respond(question("Can you tell me more?"))

    assert reply.mode == "invitation"
    assert reply.fact_id == "duplex"


def test_participant_invitation_nothing_related(participant: SimulatedParticipant) -> None:
    participant.respond(question(JAM_QUESTION))
    participant.respond(question("Can you tell me more?"))

    reply = participant.respond(question("Anything else?"))

    # os, build and never are still unrevealed, but none continues the duplex thread.
    assert reply.text == DONT_KNOW
    assert participant.revealed == ["jam", "duplex"]


def test_participant_invitation_after_opening(participant: SimulatedParticipant) -> None:
    reply = participant.respond(question("Go on."))

    # The opening is about the printer, so the thread continues with a printer fact.
    assert reply.fact_id in ("duplex", "jam")


def test_participant_counts_words(participant: SimulatedParticipant) -> None:
    participant.respond(question(OS_QUESTION))
    participant.respond(question("How is the weather today?"))

    # "The printer stopped working." + the OS fact + "I don't know."
    assert participant.words_typed == 4 + 7 + 3


def test_participant_checkpoint_drops_unmatched(participant: SimulatedParticipant) -> None:
    points = [
        {
            "n": 1,
            "claim_id": "c1",
            "text": "The laptop runs Windows 11 version 23H2.",
            "kind": "fact",
        },
        {"n": 2, "claim_id": "c2", "text": "My cat likes the warm printer.", "kind": "fact"},
    ]

    reply = participant.respond(Prompt(kind="summary", text="Summary", points=points))

    assert reply.text == "drop 2"
    assert reply.dropped == [2]


def test_participant_keeps_own_clause(participant: SimulatedParticipant) -> None:
    participant.respond(question("In your own words, what went wrong?"))
    participant.respond(question(JAM_QUESTION))
    points = [{"n": 1, "claim_id": "c1", "text": "Every morning.", "kind": "fact"}]

    reply = participant.respond(Prompt(kind="summary", text="Summary", points=points))

    assert reply.dropped == []


def test_participant_checkpoint_ok(participant: SimulatedParticipant) -> None:
    points = [
        {"n": 1, "claim_id": "c1", "text": "I have never changed any settings.", "kind": "fact"}
    ]

    reply = participant.respond(Prompt(kind="summary", text="Summary", points=points))

    assert reply.text == "ok"


def test_participant_review_signs(participant: SimulatedParticipant) -> None:
    points = [{"n": 1, "claim_id": "c1", "text": "The Windows build is 22631.", "kind": "fact"}]

    reply = participant.respond(Prompt(kind="review", text="Review", points=points))

    assert reply.text == "sign"


def test_participant_only_knows_own_facts() -> None:
    data = dict(PRINTER_CASE)
    data["participants"] = [
        {"id": "A", "opening": "I only use the printer.", "knows": ["jam"]},
        {"id": "B", "opening": "I run the laptops.", "knows": ["os", "build"]},
    ]
    case = parse_cases(data)[0]
    person = SimulatedParticipant(case, "A")

    opening = person.respond(question("What happened?"))
    reply = person.respond(question(OS_QUESTION))

    assert opening.text == "I only use the printer."
    assert reply.text == DONT_KNOW


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("The respondent thinks X should be on.", "I think X should be on."),
        ("Participant A recalls the delete at 23:00.", "I recall the delete at 23:00."),
        (
            "At first the respondent says they have never changed any settings.",
            "I have never changed any settings.",
        ),
        (
            "Participant A is certain the terminal was on db2 when they typed it.",
            "I am certain the terminal was on db2 when I typed it.",
        ),
        ("Participant C still says 'we rolled the deploy back'.", "We rolled the deploy back."),
        (
            "The respondent believes no export options are enabled.",
            "I believe no export options are enabled.",
        ),
        ("None of the respondent's contacts use the app.", "None of my contacts use the app."),
        ("The app version is 0.68 (build 74).", "The app version is 0.68 (build 74)."),
        (
            "Another user said 0.68 fixed export for them.",
            "Another user said 0.68 fixed export for them.",
        ),
    ],
)
def test_first_person_rewrites(written: str, spoken: str) -> None:
    assert first_person(written) == spoken


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What broke, and why did you restart it?", "What broke?"),
        ("When did it start? Which version was it?", "When did it start?"),
        (
            'You said "slow". How long is it, and what did you try?',
            'You said "slow". How long is it?',
        ),
        (
            "What happens: an error, a spinner, or nothing?",
            "What happens: an error, a spinner, or nothing?",
        ),
    ],
)
def test_first_question_cuts(text: str, expected: str) -> None:
    assert first_question(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Can you tell me more?", True),
        ("Anything else?", True),
        ("What else?", True),
        ("Go on", True),
        ('You said "the export fails silently". What else can you tell me about that?', True),
        ("Can you tell me more about the export settings?", False),
        ("What else changed on the machine?", False),
    ],
)
def test_is_invitation(text: str, expected: bool) -> None:
    assert is_invitation(text) is expected
