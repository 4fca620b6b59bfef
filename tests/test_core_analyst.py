"""Offline analyst on hard inputs: negation, hedges, numbers, several claims, odd input."""

from __future__ import annotations

import pytest

from elicitor.briefing.loader import load_template
from elicitor.engine.analyst import (
    MAX_CLAIM_WORDS,
    OfflineAnalyst,
    classify_kind,
    detect_non_answer,
    find_vague_terms,
    polarity,
    split_claims,
)
from elicitor.engine.quantities import find_quantities, same_value
from elicitor.session.state import CLAIM_KINDS, Quantity, SessionState

LONG_ANSWER_CHARS = 10_000


@pytest.fixture(scope="module")
def briefing():
    return load_template("bug-triage")


def analyze(text: str, briefing):
    state = SessionState(session_id="s-analyst")
    return OfflineAnalyst().analyze(
        text, briefing=briefing, state=state, answer_seq=3, question=None
    )


def only_quantity(text: str) -> Quantity:
    found = find_quantities(text)
    assert len(found) == 1, f"{text!r} gave {found}"
    return found[0]


# -- negation and hedges --------------------------------------------------------------------


def test_negated_claim_marked_negated(briefing):
    result = analyze("It does not crash.", briefing)

    assert len(result.claims) == 1
    assert result.claims[0].negated


def test_negation_flips_polarity():
    assert polarity("It does not crash.") != polarity("It crashes.")


def test_plain_claim_not_negated(briefing):
    result = analyze("It crashes when I open the export dialog.", briefing)

    assert not result.claims[0].negated


def test_hedged_fact_is_assumption_with_quantity(briefing):
    result = analyze("I think the timeout is 30 s", briefing)

    assert len(result.claims) == 1
    claim = result.claims[0]
    assert claim.kind == "assumption"
    assert "i think" in claim.hedges
    assert len(claim.quantities) == 1
    assert claim.quantities[0].dimension == "duration"
    assert claim.quantities[0].base_value == 30


# -- numbers with and without units ---------------------------------------------------------


def test_version_number_not_quantity():
    assert find_quantities("It broke after I installed version 0.68") == []


def test_rows_are_a_count():
    quantity = only_quantity("The report has 8000 rows")

    assert quantity.dimension.startswith("count")
    assert quantity.base_value == 8000


def test_minute_and_a_half_is_ninety_seconds():
    quantity = only_quantity("The export takes a minute and a half")

    assert quantity.dimension == "duration"
    assert quantity.base_value == 90


def test_sixty_seconds_differs_from_ninety():
    sixty = only_quantity("60 seconds")
    ninety = only_quantity("a minute and a half")

    assert not same_value(sixty, ninety)


def test_ninety_seconds_equals_minute_and_half():
    assert same_value(only_quantity("90 s"), only_quantity("a minute and a half"))


@pytest.mark.parametrize(
    ("text", "dimension", "base_value"),
    [
        ("a file of 2 GB", "data_size", 2e9),
        ("about 50% of the exports", "percent", 50),
        ("half an hour", "duration", 1800),
        ("1.5 minutes", "duration", 90),
    ],
)
def test_quantity_dimension_and_base(text, dimension, base_value):
    quantity = only_quantity(text)

    assert quantity.dimension == dimension
    assert quantity.base_value == base_value


# -- times of day ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("23:10", "11:10 pm"),
        ("23:10", "ten past eleven"),
        ("11:10 pm", "ten past eleven"),
        ("23:40", "twenty to midnight"),
        ("00:20", "twenty past midnight"),
        ("22:50", "ten to 11 pm"),
        ("12:00", "around noon"),
        ("00:00", "at midnight"),
    ],
)
def test_time_readings_agree(first, second):
    a, b = only_quantity(first), only_quantity(second)

    assert a.dimension == "time_of_day"
    assert b.dimension == "time_of_day"
    assert same_value(a, b)


def test_time_readings_differ():
    assert not same_value(only_quantity("23:00"), only_quantity("23:27"))


def test_range_of_clock_times_read_whole():
    found = find_quantities("from 02:00 to 03:35 UTC")
    assert [q.text for q in found] == ["02:00", "03:35"]
    assert all(q.unit == "hh:mm" for q in found)


def test_range_of_minutes_is_no_clock_time():
    assert only_quantity("it took 5 to 10 minutes").dimension == "duration"


# -- several claims in one answer -----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Only the quarterly report fails; the monthly one works.",
        "Only the quarterly report fails. The monthly one works.",
    ],
)
def test_two_clauses_give_two_claims(text):
    claims = split_claims(text)

    assert len(claims) == 2
    assert "quarterly" in claims[0]
    assert "monthly" in claims[1]


def test_split_keeps_short_contrast_whole():
    assert split_claims("It is slow but fine.") == ["It is slow but fine."]


def test_split_claims_get_distinct_ids(briefing):
    result = analyze("Only the quarterly report fails. The monthly one works.", briefing)

    ids = [claim.id for claim in result.claims]
    assert len(ids) == 2
    assert len(set(ids)) == 2


# -- unusual input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Le bouton d'exportation ne fonctionne pas sur mon ordinateur.",
        "Der Export dauert ungefähr dreißig Sekunden und dann passiert nichts.",
    ],
    ids=["french", "german"],
)
def test_foreign_sentence_kept_as_is(briefing, text):
    result = analyze(text, briefing)

    assert result.non_answer is None
    assert len(result.claims) == 1
    claim = result.claims[0]
    assert claim.text.rstrip(".") in text
    assert claim.kind in CLAIM_KINDS


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_input_is_non_answer(briefing, text):
    result = analyze(text, briefing)

    assert result.non_answer is not None
    assert result.claims == []


def test_run_on_sentence_claim_capped(briefing):
    text = ("the export spins and then stops " * 400)[:LONG_ANSWER_CHARS]

    result = analyze(text, briefing)

    assert result.claims
    for claim in result.claims:
        # The cap keeps MAX_CLAIM_WORDS words and adds one ellipsis token.
        assert len(claim.text.split()) <= MAX_CLAIM_WORDS + 1


def test_many_sentences_no_crash(briefing):
    sentence = "The export of the quarterly report fails after about 30 seconds. "
    text = (sentence * (LONG_ANSWER_CHARS // len(sentence) + 1))[:LONG_ANSWER_CHARS]

    result = analyze(text, briefing)

    assert result.non_answer is None
    assert result.claims
    for claim in result.claims:
        assert len(claim.text.split()) <= MAX_CLAIM_WORDS + 1


# -- kinds ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("The pod should restart every 12 hours.", "judgment"),
        ("The export is too slow.", "judgment"),
        ("The old version was better.", "judgment"),
        ("I think someone set that in 2021.", "assumption"),
        ("It probably fails on large files.", "assumption"),
        ("Someone said the server was restarted.", "assumption"),
        ("The pod restarts every 12 hours.", "fact"),
        ("The export button is in the File menu.", "fact"),
    ],
)
def test_claim_kind(text, kind):
    assert classify_kind(text)[0] == kind


def test_hedged_norm_is_judgment():
    assert classify_kind("I think it should restart every night.")[0] == "judgment"


# -- vague terms ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("It spins for a bit.", "a bit"),
        ("The export is slow.", "slow"),
        ("The file is big.", "big"),
        ("It sometimes fails.", "sometimes"),
        ("The export button doesn't work.", "doesn't work"),
    ],
)
def test_vague_term_found(text, term):
    terms = [found.split(":", 1)[1] for found in find_vague_terms(text, has_quantity=False)]

    assert term in terms


def test_precise_claim_has_no_vague_term():
    assert find_vague_terms("The export takes 30 seconds.", has_quantity=True) == []


# -- non-answers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("I don't know", "dont_know"),
        ("No idea, sorry.", "dont_know"),
        ("skip", "skip"),
        ("Skip this one", "skip"),
        ("rather not say", "refused"),
        ("I'd rather not say.", "refused"),
    ],
)
def test_non_answer_detected(text, reason):
    assert detect_non_answer(text) == reason


@pytest.mark.parametrize(
    "text",
    [
        "I don't know why, but the export fails on every quarterly report.",
        "The skip button does nothing when I press it.",
    ],
)
def test_answer_with_content_not_non_answer(text):
    assert detect_non_answer(text) is None


def test_non_answer_gives_no_claims(briefing):
    result = analyze("I don't know", briefing)

    assert result.non_answer == "dont_know"
    assert result.claims == []
