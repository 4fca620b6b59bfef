"""Print the similarity figures that MATCH_THRESHOLD and RAISE_THRESHOLD were chosen from.

Run from the repository root with the bench extra installed:

    python benchmarks/calibrate_threshold.py [--cases FILE ...]

Match threshold: every fact's ``"{revealed_by}: {text}"`` string is scored against its own
``revealed_by`` phrase asked as a question, the closest thing to "the right question" the
case holds. Unrelated questions, scored against the topic and text of every fact and
against every topic alone, and bare invitations, scored against the facts as spoken, must
stay below the threshold for every fact.

Raise threshold: for every contradiction pair, questions in the offline voice's form
('Earlier you said "A", and later "B". Which one is right?') are scored with
``raise_score``, against every other question asked in a benchmark run of the offline
engine and both baselines.
"""

from __future__ import annotations

import argparse
import statistics
import sys

import numpy as np

from elicitor.bench.cases import Case, load_cases
from elicitor.bench.elicitation import run_elicitation
from elicitor.bench.harness import default_contenders
from elicitor.bench.matching import (
    MATCH_THRESHOLD,
    RAISE_THRESHOLD,
    raise_score,
    shared_encoder,
)
from elicitor.bench.participant import first_person
from elicitor.engine.voice import quote

UNRELATED = (
    "How is the weather today?",
    "What did you have for lunch?",
    "What is your favourite colour?",
)
# Invitations never reach the question matching: the participant scores them against its
# facts as spoken (see ``is_invitation``), so they are checked against the spoken facts.
INVITATIONS = (
    "Can you tell me more?",
    "Anything else?",
    "What else?",
    "Go on.",
)


def describe(values: list[float]) -> str:
    data = np.array(values)
    return (
        f"n={len(values)} min={data.min():.2f} p10={np.percentile(data, 10):.2f} "
        f"median={statistics.median(values):.2f} p90={np.percentile(data, 90):.2f} "
        f"max={data.max():.2f}"
    )


def match_figures(cases: list[Case]) -> None:
    encoder = shared_encoder()
    own: list[float] = []
    unrelated: list[float] = []
    invitations: list[float] = []
    for case in cases:
        keys = [f"{fact.revealed_by}: {fact.text}" for fact in case.facts]
        for fact, key in zip(case.facts, keys, strict=True):
            own.append(float(encoder.similarities(fact.revealed_by, [key])[0]))
        # A question is also matched against each topic alone.
        topics = [fact.revealed_by for fact in case.facts]
        for question in UNRELATED:
            unrelated.append(float(encoder.similarities(question, keys + topics).max()))
        spoken = [first_person(fact.text) for fact in case.facts]
        for invitation in INVITATIONS:
            invitations.append(float(encoder.similarities(invitation, spoken).max()))
    above = sum(1 for value in own if value >= MATCH_THRESHOLD)
    print(f"MATCH_THRESHOLD = {MATCH_THRESHOLD}")
    print(
        f"  own revealed_by as question, against topic and text: {describe(own)}; "
        f"{above}/{len(own)} reach it (against the topic alone every fact does)"
    )
    print(f"  unrelated questions (max over a case's facts): {describe(unrelated)}")
    print(f"  bare invitations (max over a case's spoken facts): {describe(invitations)}")


def raise_figures(cases: list[Case]) -> None:
    encoder = shared_encoder()
    synthetic: list[float] = []
    for case in cases:
        for pair in case.contradictions:
            a, b = case.fact(pair.a), case.fact(pair.b)
            texts_a, texts_b = [first_person(a.text), a.text], [first_person(b.text), b.text]
            for first, second in ((texts_a[0], texts_b[0]), (texts_b[0], texts_a[0])):
                question = (
                    f'Earlier you said "{quote(first)}", and later "{quote(second)}". '
                    "Which one is right, or were these two different things?"
                )
                synthetic.append(raise_score(question, texts_a, texts_b, encoder))

    result = run_elicitation(cases, default_contenders(["offline"]))
    ordinary: list[float] = []
    for record in result.records:
        participant = record.participant
        for pair in participant.case.contradictions:
            if pair.a not in participant.spoken or pair.b not in participant.spoken:
                continue
            texts_a = [participant.fact_text(pair.a), participant.case.fact(pair.a).text]
            texts_b = [participant.fact_text(pair.b), participant.case.fact(pair.b).text]
            for turn in record.questions():
                if turn.move == "raise_contradiction":
                    continue
                ordinary.append(raise_score(turn.text, texts_a, texts_b, encoder))
    print(f"RAISE_THRESHOLD = {RAISE_THRESHOLD}")
    print(f"  raise questions in the offline voice's form: {describe(synthetic)}")
    print(f"  every other question of a benchmark run: {describe(ordinary)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="*", default=[], help="case files; default: bundled")
    args = parser.parse_args()
    cases = load_cases(args.cases)
    match_figures(cases)
    raise_figures(cases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
