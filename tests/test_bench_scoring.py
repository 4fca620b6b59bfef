"""Tests for the benchmark scorer, on scripted interviews with a hand-made case."""

from __future__ import annotations

import importlib.util

import pytest

if importlib.util.find_spec("onnxruntime") is None:
    pytest.skip(
        "onnxruntime is not installed; install it with pip install 'elicitor[bench]'",
        allow_module_level=True,
    )

from elicitor.bench.cases import Case, CaseRun, parse_cases  # noqa: E402
from elicitor.bench.harness import ArtifactClaim, RunRecord, Turn  # noqa: E402
from elicitor.bench.participant import SimulatedParticipant  # noqa: E402
from elicitor.bench.scoring import Score, Scorer, summary, total  # noqa: E402
from elicitor.session.state import Prompt  # noqa: E402
from test_bench_participant import PRINTER_CASE  # noqa: E402

NEVER_Q = "Have you changed any settings?"
DUPLEX_Q = "Which printer settings did you change last month?"
OS_Q = "Which operating system and version does the laptop run?"
FILLER_1 = "What paper size do you print on?"
FILLER_2 = "Is the printer connected by USB or over the network?"
RAISE_Q = (
    'Earlier you said "I have never changed any settings", and later "I turned on duplex '
    'printing in the printer settings last month". Which one is right?'
)


@pytest.fixture(scope="module")
def case() -> Case:
    return parse_cases(PRINTER_CASE)[0]


def interview(
    case: Case, questions: list[str], claims: list[tuple[str, str]] | None = None
) -> RunRecord:
    """Ask ``questions`` after the opening; ``claims`` are (text, kind) in the artifact."""
    person = SimulatedParticipant(case)
    kinds = {fact.id: fact.kind for fact in case.facts}
    opening = Prompt(kind="question", text="What went wrong?", move="opening")
    turns = [Turn.from_reply(opening, person.respond(opening), index=1, question_number=None)]
    for number, text in enumerate(questions, start=1):
        prompt = Prompt(kind="question", text=text, move="scripted")
        reply = person.respond(prompt)
        kind = kinds.get(reply.fact_id) if reply.fact_id else None
        turns.append(
            Turn.from_reply(prompt, reply, index=number + 1, question_number=number, fact_kind=kind)
        )
    artifact = [
        ArtifactClaim(f"c{number}", text, kind, "confirmed")
        for number, (text, kind) in enumerate(claims or [], start=1)
    ]
    return RunRecord(
        contender="scripted",
        run=CaseRun(case),
        turns=turns,
        revealed=list(person.revealed),
        words=person.words_typed,
        claims=artifact,
        rejected=[],
        signed=True,
        stop="signed",
        seconds=0.0,
        session_id="s-test",
        participant=person,
    )


def score(record: RunRecord) -> Score:
    return Scorer().score(record)


def test_script_reveals_expected_facts(case: Case) -> None:
    record = interview(case, [NEVER_Q, DUPLEX_Q, FILLER_1, FILLER_2])

    assert record.revealed == ["never", "duplex"]


def test_contradiction_raised_in_time(case: Case) -> None:
    result = score(interview(case, [NEVER_Q, DUPLEX_Q, FILLER_1, RAISE_Q]))

    assert result.contradictions == 1
    assert result.caught == 1


def test_contradiction_raised_late(case: Case) -> None:
    result = score(interview(case, [NEVER_Q, DUPLEX_Q, FILLER_1, FILLER_2, RAISE_Q]))

    assert result.contradictions == 1
    assert result.caught == 0


def test_contradiction_needs_both_facts(case: Case) -> None:
    result = score(interview(case, [NEVER_Q, RAISE_Q]))

    assert result.contradictions == 0


def test_contradiction_follow_up_not_raise(case: Case) -> None:
    follow_up = (
        'You said "I turned on duplex printing in the printer settings last month". '
        "When exactly did you turn it on?"
    )

    result = score(interview(case, [NEVER_Q, DUPLEX_Q, follow_up]))

    assert result.caught == 0


def test_claim_matching_no_fact_is_noise(case: Case) -> None:
    claims = [
        ("The laptop runs Windows 11 version 23H2.", "fact"),
        ("My cat likes to sleep on the warm printer.", "fact"),
    ]

    result = score(interview(case, [OS_Q], claims))

    assert result.noise == 1
    assert result.claims == 2


def test_claim_records_revealed_fact(case: Case) -> None:
    result = score(interview(case, [OS_Q], [("The laptop runs Windows 11 version 23H2.", "fact")]))

    assert result.recorded == 1
    assert result.kind_correct == 1


def test_claim_wrong_kind_counted(case: Case) -> None:
    claims = [("I have never changed any settings.", "fact")]

    result = score(interview(case, [NEVER_Q], claims))

    assert result.matched == 1
    assert result.kind_correct == 0


def test_claim_of_unrevealed_fact_not_recorded(case: Case) -> None:
    result = score(interview(case, [FILLER_1], [("The Windows build number is 22631.", "fact")]))

    assert result.recorded == 0
    assert result.noise == 0


def test_revealed_at_checkpoints(case: Case) -> None:
    questions = [FILLER_1] * 5 + [OS_Q] + [FILLER_2] * 4 + [NEVER_Q]

    result = score(interview(case, questions))

    assert result.revealed_at_5 == 0
    assert result.revealed_at_10 == 1
    assert result.revealed_at_20 == 2
    assert result.curve[6] == 1


def test_questions_after_last_fact(case: Case) -> None:
    result = score(interview(case, [OS_Q, FILLER_1, FILLER_2]))

    assert result.after_last_fact == 2


def test_compound_questions_counted(case: Case) -> None:
    result = score(interview(case, [f"{OS_Q} And what paper size do you use?", FILLER_1]))

    assert result.compound == 1
    assert result.questions == 2


def test_words_per_fact(case: Case) -> None:
    record = interview(case, [OS_Q])

    data = score(record).to_dict()

    assert data["words_per_fact"] == record.words / 1


def test_total_adds_counts(case: Case) -> None:
    scores = [score(interview(case, [OS_Q])), score(interview(case, [NEVER_Q, DUPLEX_Q]))]

    summed = total(scores, "scripted")
    totals = summary(scores, "scripted")

    assert summed.revealed == 3
    assert summed.facts == 10
    assert totals["runs"] == 2
    assert totals["recall"] == 0.0
