"""Synthesis of stored sessions on SQLite and PostgreSQL: scope, signatures, withdrawals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from elicitor.errors import NotFound
from elicitor.session.service import Interviewer
from elicitor.store.store import Store
from elicitor.synthesis.build import SynthesisOptions
from elicitor.synthesis.render import render
from elicitor.synthesis.service import synthesize_briefing
from test_synthesis_support import incident_briefing, interview, save

ROLLBACK_EARLY = "We rolled back the release at 23:10."
ROLLBACK_LATE = "We rolled back the release at 23:40."


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = Store(db_url)
    yield opened
    opened.close()


@pytest.fixture
def interviewer(store: Store) -> Interviewer:
    return Interviewer(store)


def test_one_participant(store: Store, interviewer: Interviewer) -> None:
    record = save(store)
    interview(interviewer, record, "Ann", [f"The primary went down at 23:05. {ROLLBACK_EARLY}"])
    synthesis = synthesize_briefing(store, record.slug)
    assert [p.key for p in synthesis.participants] == ["P1"]
    assert {p.coverage for p in synthesis.points} == {"one"}
    assert synthesis.disagreements == []
    assert synthesis.agreements == []
    assert len(synthesis.single) == len(synthesis.points)
    assert any("Only one participant so far" in note for note in synthesis.notes)
    for fmt in ("md", "json", "html"):
        assert render(synthesis, fmt)
    assert "1 participant," in render(synthesis, "md")


def test_no_sessions(store: Store) -> None:
    record = save(store)
    synthesis = synthesize_briefing(store, record.slug)
    assert synthesis.participants == []
    assert synthesis.points == []
    assert synthesis.notes == ["No sessions to synthesise yet."]


def test_withdrawn_claim_not_counted(store: Store, interviewer: Interviewer) -> None:
    record = save(store)
    interview(
        interviewer,
        record,
        "Ann",
        [f"The primary went down at 23:05. {ROLLBACK_LATE}"],
        reject=("23:40",),
    )
    interview(interviewer, record, "Bob", [ROLLBACK_EARLY])
    synthesis = synthesize_briefing(store, record.slug)
    assert synthesis.disagreements == []
    texts = [s.text for p in synthesis.points for s in p.statements]
    assert ROLLBACK_LATE not in texts
    assert synthesis.participants[0].withdrawn == 1
    assert synthesis.participants[1].withdrawn == 0


def test_corrected_claim_uses_new_words(store: Store, interviewer: Interviewer) -> None:
    record = save(store)
    interview(interviewer, record, "Ann", [ROLLBACK_LATE], correct={"23:40": ROLLBACK_EARLY})
    interview(interviewer, record, "Bob", [ROLLBACK_EARLY])
    synthesis = synthesize_briefing(store, record.slug)
    assert synthesis.disagreements == []
    ann = next(s for p in synthesis.points for s in p.statements if s.participant == "P1")
    assert ann.status == "corrected"
    assert ann.earlier_wordings == [ROLLBACK_LATE]
    assert len(synthesis.agreements) == 1


def test_unsigned_left_out(store: Store, interviewer: Interviewer) -> None:
    record = save(store)
    interview(interviewer, record, "Ann", [ROLLBACK_LATE])
    interview(interviewer, record, "Bob", [ROLLBACK_EARLY], sign=False)
    synthesis = synthesize_briefing(store, record.slug)
    assert [p.label for p in synthesis.participants] == ["Participant 1"]
    assert synthesis.disagreements == []
    assert "1 session(s) not signed off were left out" in synthesis.notes[0]


def test_unsigned_included_on_request(store: Store, interviewer: Interviewer) -> None:
    record = save(store)
    interview(interviewer, record, "Ann", [ROLLBACK_LATE])
    bob = interview(interviewer, record, "Bob", [ROLLBACK_EARLY], sign=False)
    options = SynthesisOptions(include_unsigned=True)
    synthesis = synthesize_briefing(store, record.slug, options=options)
    assert [p.signed for p in synthesis.participants] == [True, False]
    assert len(synthesis.disagreements) == 1
    assert synthesis.include_unsigned is True
    assert f"Not signed off, included on request: {bob}." in synthesis.notes
    assert "**unsigned**" in render(synthesis, "md")


def test_names_only_on_request(store: Store, interviewer: Interviewer) -> None:
    record = save(store)
    interview(interviewer, record, "Ann Example", [ROLLBACK_LATE])
    hidden = synthesize_briefing(store, record.slug)
    shown = synthesize_briefing(store, record.slug, options=SynthesisOptions(names=True))
    assert hidden.participants[0].label == "Participant 1"
    assert "Ann Example" not in render(hidden, "md")
    assert shown.participants[0].label == "Ann Example"


def test_pk_and_slug_agree(store: Store, interviewer: Interviewer) -> None:
    record = save(store)
    interview(interviewer, record, "Ann", [ROLLBACK_LATE])
    by_slug = synthesize_briefing(store, record.slug)
    by_pk = synthesize_briefing(store, str(record.pk))
    assert by_pk.briefing == by_slug.briefing
    assert [p.id for p in by_pk.points] == [p.id for p in by_slug.points]


def test_all_versions_included(store: Store, interviewer: Interviewer) -> None:
    first = save(store)
    second = save(store, incident_briefing(goal="Record what each responder saw and did."))
    interview(interviewer, first, "Ann", [ROLLBACK_LATE])
    interview(interviewer, second, "Bob", [ROLLBACK_EARLY])
    synthesis = synthesize_briefing(store, second.pk)
    assert synthesis.briefing.versions == [1, 2]
    assert [p.briefing_version for p in synthesis.participants] == [1, 2]
    assert len(synthesis.disagreements) == 1


def test_unknown_briefing(store: Store) -> None:
    with pytest.raises(NotFound, match="briefing 'nope' not found as an id or pk"):
        synthesize_briefing(store, "nope")


def test_statement_links_turn(store: Store, interviewer: Interviewer) -> None:
    record = save(store)
    session_id = interview(interviewer, record, "Ann", [ROLLBACK_LATE])
    statement = synthesize_briefing(store, record.slug).points[0].statements[0]
    answer = interviewer.load(session_id).state.answer(statement.answer_seq)
    assert statement.session_id == session_id
    assert answer is not None
    assert answer["text"] == ROLLBACK_LATE
    assert statement.question == incident_briefing().opening_question
