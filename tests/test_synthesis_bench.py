"""The synthesis benchmark's scoring, on a hand-made case and on a bundled one."""

from __future__ import annotations

from pathlib import Path

import pytest

from elicitor.bench.cases import Case, CaseContradiction, CaseFact, CaseParticipant
from elicitor.bench.matching import shared_encoder
from elicitor.session.service import Interviewer
from elicitor.store.store import Store
from elicitor.synthesis.bench import CaseRun, bench_cases, run_case, score_case
from elicitor.synthesis.build import SynthesisOptions
from elicitor.synthesis.service import synthesize_briefing
from test_synthesis_support import interview, save


def hand_case(contradictions: list[tuple[str, str]]) -> Case:
    facts = [
        CaseFact(id=fact_id, text=text, kind="fact", revealed_by="rollback time")
        for fact_id, text in (("f1", "Rollback at 23:40."), ("f2", "Rollback at 23:10."))
    ]
    return Case(
        id="hand",
        family="postmortem",
        opening="The rollback.",
        facts=facts,
        contradictions=[CaseContradiction(a=a, b=b) for a, b in contradictions],
        participants=[
            CaseParticipant(id="A", opening="The rollback.", knows=["f1"]),
            CaseParticipant(id="B", opening="The rollback.", knows=["f2"]),
        ],
    )


def hand_run(sqlite_url: str, contradictions: list[tuple[str, str]]) -> CaseRun:
    """Two interviews whose rollback claims are facts f1 (A) and f2 (B)."""
    store = Store(sqlite_url)
    interviewer = Interviewer(store)
    record = save(store)
    facts: dict[tuple[str, str], str] = {}
    for name, fact, text in (
        ("A", "f1", "We rolled back the release at 23:40."),
        ("B", "f2", "We rolled back the release at 23:10."),
    ):
        session_id = interview(interviewer, record, name, [text])
        for claim in interviewer.load(session_id).state.active_claims():
            facts[(session_id, claim.id)] = fact
    synthesis = synthesize_briefing(store, record.slug, options=SynthesisOptions(names=True))
    store.close()
    return CaseRun(hand_case(contradictions), synthesis, facts)


def test_listed_pair_found(sqlite_url: str) -> None:
    score = score_case(hand_run(sqlite_url, [("f1", "f2")]))
    assert score["eligible_pairs"] == [["f1", "f2"]]
    assert score["found_pairs"] == [["f1", "f2"]]
    assert score["false_disagreements"] == []


def test_unlisted_disagreement_false(sqlite_url: str) -> None:
    score = score_case(hand_run(sqlite_url, []))
    assert score["eligible_pairs"] == []
    assert score["false_disagreements"] == ["d1"]


@pytest.mark.slow
def test_bundled_case_scores(tmp_path: Path) -> None:
    case = next(c for c in bench_cases() if c.id.startswith("pm-05"))
    score = score_case(run_case(case, "disclosed", tmp_path, shared_encoder()))
    assert score["shared_facts"] == ["f2"]
    assert score["shared_facts_aligned"] == ["f2"]
    assert score["false_disagreements"] == []
    assert score["eligible_pairs"] == [["pA1", "f5"]]
