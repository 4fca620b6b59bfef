"""Alignment and disagreement rules, on claims from real offline interviews."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from elicitor.session.service import Interviewer
from elicitor.store.store import Store
from elicitor.synthesis.build import SynthesisOptions
from elicitor.synthesis.model import Point, Synthesis
from elicitor.synthesis.service import synthesize_briefing
from test_synthesis_support import interview, save


@pytest.fixture
def store(sqlite_url: str) -> Iterator[Store]:
    opened = Store(sqlite_url)
    yield opened
    opened.close()


def run(store: Store, accounts: dict[str, str], **options: bool) -> Synthesis:
    """Interview one participant per account (one answer each) and synthesise."""
    interviewer = Interviewer(store)
    record = save(store)
    for name, answer in accounts.items():
        interview(interviewer, record, name, [answer])
    return synthesize_briefing(store, record.slug, options=SynthesisOptions(names=True, **options))


def point_with(synthesis: Synthesis, fragment: str) -> Point:
    for point in synthesis.points:
        if any(fragment in s.text for s in point.statements):
            return point
    raise AssertionError(f"no point contains {fragment!r}")


def test_clock_formats_align(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "The primary went down at 23:10.",
            "Bob": "We lost the primary around ten past eleven.",
            "Cy": "The primary went down at 11:10 pm.",
        },
    )
    point = point_with(synthesis, "primary")
    assert point.participants == ["P1", "P2", "P3"]
    assert point.coverage == "all"
    assert synthesis.disagreements == []
    assert point.id in synthesis.agreements


def test_twelve_hour_reading_resolved(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "The primary went down at 23:10.",
            "Bob": "We lost the primary around ten past eleven.",
        },
        timeline=True,
    )
    assert synthesis.timeline is not None
    reports = {r.participant: r.at for r in synthesis.timeline[0].reported_by}
    assert reports == {"P1": "23:10", "P2": "23:10"}


def test_units_normalised(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "The failover to the replica took 90 seconds.",
            "Bob": "Failing over to the replica took a minute and a half.",
        },
    )
    point = point_with(synthesis, "replica")
    assert point.participants == ["P1", "P2"]
    assert synthesis.disagreements == []
    values = {q.normalised for s in point.statements for q in s.quantities}
    assert values == {"90 s"}


def test_different_durations_disagree(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "The failover to the replica took 90 seconds.",
            "Bob": "Failing over to the replica took five minutes.",
        },
    )
    assert [d.kind for d in synthesis.disagreements] == ["number"]
    assert {p.value for p in synthesis.disagreements[0].positions} == {"90 s", "5 min"}


def test_different_times_disagree(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "We rolled back the release at 23:40.",
            "Bob": "We rolled back the release at 23:10.",
        },
    )
    assert len(synthesis.disagreements) == 1
    disagreement = synthesis.disagreements[0]
    assert disagreement.kind == "time"
    assert disagreement.detail == "23:40 (P1) vs 23:10 (P2)"
    assert disagreement.topic_id == "timeline"


def test_different_events_no_disagreement(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "We restarted the web servers at 23:10.",
            "Bob": "We restarted the database at 23:40.",
        },
    )
    assert synthesis.disagreements == []
    assert point_with(synthesis, "web servers").participants == ["P1"]
    assert point_with(synthesis, "database").participants == ["P2"]


def test_start_and_end_not_merged(store: Store) -> None:
    synthesis = run(
        store,
        {"Ann": "The outage started at 23:10.", "Bob": "The outage ended at 23:40."},
    )
    assert synthesis.disagreements == []
    assert len(synthesis.single) == 2


def test_opposite_polarity_disagrees(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "The failover to the replica worked.",
            "Bob": "The failover to the replica did not work.",
        },
    )
    assert [d.kind for d in synthesis.disagreements] == ["polarity"]
    positions = {p.value: p.participants for p in synthesis.disagreements[0].positions}
    assert positions == {"affirms": ["P1"], "denies": ["P2"]}


def test_not_until_is_no_denial(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "The on-call engineers were paged at 06:45.",
            "Bob": "The on-call engineers were not paged until 06:45.",
        },
    )
    assert synthesis.disagreements == []
    assert point_with(synthesis, "paged").participants == ["P1", "P2"]


def test_opposite_order_disagrees(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "The disk filled up at 23:05. The primary went down at 23:15.",
            "Bob": "The primary went down at 23:13. The disk filled up at 23:30.",
        },
    )
    kinds = sorted(d.kind for d in synthesis.disagreements)
    assert kinds == ["sequence", "time"]
    sequence = next(d for d in synthesis.disagreements if d.kind == "sequence")
    assert len(sequence.points) == 2
    assert sorted(sequence.participants) == ["P1", "P2"]


def test_timeline_crosses_midnight(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "The primary went down at 23:50.",
            "Bob": "The restore finished at 00:20. The alert fired at 23:55.",
        },
        timeline=True,
    )
    assert synthesis.timeline is not None
    assert [entry.at for entry in synthesis.timeline] == ["23:50", "23:55", "00:20"]


def test_large_count_not_clock(store: Store) -> None:
    synthesis = run(store, {"Ann": "About 5,000 projects were affected."}, timeline=True)
    assert synthesis.timeline == []
    quantities = synthesis.points[0].statements[0].quantities
    assert "time_of_day" not in {q.dimension for q in quantities}


def test_different_remedies_disagree(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "We rolled the deploy back, after which the errors stopped.",
            "Bob": "A global kill of the rulesets, after which traffic returned to normal.",
        },
    )
    assert [d.kind for d in synthesis.disagreements] == ["account"]
    positions = {p.value: p.participants for p in synthesis.disagreements[0].positions}
    assert positions == {"a rollback": ["P1"], "a kill switch or disabling": ["P2"]}


def test_same_remedy_no_account_disagreement(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "We rolled the deploy back, after which the errors stopped.",
            "Bob": "Reverting the release brought the site back.",
        },
    )
    assert synthesis.disagreements == []


def test_remedy_without_effect_not_an_account(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "Changes pushed that day were rolled back but that did not help.",
            "Bob": "The provider raised capacity, after which traffic returned to normal.",
        },
    )
    assert synthesis.disagreements == []


def test_remedy_without_ending_not_an_account(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "Downscaling was disabled.",
            "Bob": "We rolled the deploy back, after which the errors stopped.",
        },
    )
    assert synthesis.disagreements == []


def test_failure_of_one_subject_aligns_across_wordings(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "The primary database went down at 23:10.",
            "Bob": "We lost the primary around twenty to midnight.",
        },
    )
    assert point_with(synthesis, "primary").participants == ["P1", "P2"]
    assert [d.kind for d in synthesis.disagreements] == ["time"]


def test_failure_and_backup_event_stay_apart(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "The primary database went down at 23:10.",
            "Bob": "The backup of the primary database failed at 02:00.",
        },
    )
    assert synthesis.disagreements == []
    assert len(synthesis.single) == 2


def test_failures_with_other_subjects_stay_apart(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "The disk on the primary filled up at 22:55, before the primary went down.",
            "Bob": "We lost the primary around twenty to midnight and checkout returned errors.",
        },
    )
    assert synthesis.disagreements == []


def test_outage_times_compared_in_longer_claims(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "The primary database went down at 23:10 and checkout started returning errors.",
            "Bob": "We lost the primary around twenty to midnight and checkout returned errors.",
        },
    )
    assert [d.detail for d in synthesis.disagreements] == ["23:10 (P1) vs 23:40 (P2)"]


def test_own_pages_are_different_events(store: Store) -> None:
    synthesis = run(
        store,
        {"Ann": "I was paged at 02:07 UTC.", "Bob": "I was paged at 02:20 UTC."},
    )
    assert synthesis.disagreements == []


def test_status_page_is_no_page(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "The first page went out at 02:07 UTC.",
            "Bob": "The status page was updated at 02:30 UTC.",
        },
    )
    assert synthesis.disagreements == []


def test_failover_times_compared(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "At 02:20 UTC the failover to the secondary region was triggered.",
            "Bob": "The failover to the secondary region was started at 02:10 UTC.",
        },
    )
    assert [d.detail for d in synthesis.disagreements] == ["02:20 (P1) vs 02:10 (P2)"]


def test_main_clauses_affirm_and_deny(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "The failover worked and traffic moved to the secondary region.",
            "Bob": "The failover did not work because the secondary had the same certificate.",
        },
    )
    assert [d.kind for d in synthesis.disagreements] == ["polarity"]
    positions = {p.value: p.participants for p in synthesis.disagreements[0].positions}
    assert positions == {"affirms": ["P1"], "denies": ["P2"]}


def test_main_clauses_about_other_things(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "The failover worked and traffic moved to the secondary region.",
            "Bob": "The backup restore of the billing database did not work, so we waited.",
        },
    )
    assert synthesis.disagreements == []


def test_own_experiences_not_affirmed_and_denied(store: Store) -> None:
    synthesis = run(
        store, {"Ann": "I was paged at 23:12 UTC.", "Bob": "I did not get a page at all."}
    )
    assert synthesis.disagreements == []


def test_filled_up_is_no_success(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "The primary database went down at 23:10 because its data disk filled up.",
            "Bob": "The data disk on the primary database filled up.",
        },
    )
    assert [d.kind for d in synthesis.disagreements] == []


def test_time_belongs_to_its_clause(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "At 23:45 we rolled the deploy back, after which errors stopped.",
            "Bob": "The primary went down at 23:10 and payments failed until we rolled back.",
        },
    )
    assert "time" not in [d.kind for d in synthesis.disagreements]


def test_compound_claim_meets_other_outage_account(store: Store) -> None:
    synthesis = run(
        store,
        {
            "Ann": "The primary database went down at 23:10 UTC because its data disk filled up.",
            "Bob": (
                "The data disk on the primary database filled up. "
                "We lost the primary around twenty to midnight. "
                "The disk crossed 95 percent at about 23:05, and the primary went down at 23:40."
            ),
        },
    )
    assert "23:10 (P1) vs 23:40 (P2)" in [d.detail for d in synthesis.disagreements]
