"""Score interviews against the hidden facts of their cases.

Per interview (one case, or one participant of a multi-participant case):

- ``revealed_at_5/10/20``: facts the participant revealed in answer to the first 5, 10
  and 20 questions. Only prompts of kind "question" count, without the opening question;
  summary checkpoints and the review do not.
- ``recall``: facts recorded in the signed artifact, over the facts the participant knows.
  A fact is recorded when an artifact claim's best match among the facts the participant
  revealed is that fact, at ``MATCH_THRESHOLD`` or above.
- ``noise``: artifact claims that match none of the participant's facts.
- ``dropped``: claims the participant rejected at checkpoints or at the review, because
  they matched none of its facts. The participant cleans the artifact before signing, so
  ``noise`` stays near zero by design and ``dropped`` shows the noise the interviewer made.
- ``kind accuracy``: among matched claims, the share whose kind equals the fact's kind.
- ``contradiction catch rate``: among the case's contradiction pairs whose two facts were
  both revealed in this interview, the share raised within the two questions that follow
  the answer revealing the second fact. A question raises a pair when two different parts
  of it point at the two facts (``raise_score`` at ``RAISE_THRESHOLD`` or above).
- ``compound rate``: questions that ask more than one thing (``count_questions > 1``).
- ``words per fact``: words the participant typed, over facts revealed.
- ``questions after last fact``: questions asked after the one that drew out the last new
  fact, until the interviewer stopped.

Totals add the counts over interviews and divide the sums, so a case with more facts
weighs more; ``questions after last fact`` is averaged over interviews.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from elicitor.bench.harness import RunRecord
from elicitor.bench.matching import (
    MATCH_THRESHOLD,
    RAISE_THRESHOLD,
    CachedEncoder,
    raise_score,
    shared_encoder,
)

CHECKPOINTS = (5, 10, 20)


@dataclass
class Score:
    """Counts for one interview; rates are derived so that totals can add counts."""

    label: str
    contender: str
    facts: int
    revealed: int
    revealed_at_5: int
    revealed_at_10: int
    revealed_at_20: int
    recorded: int
    claims: int
    noise: int
    dropped: int
    matched: int
    kind_correct: int
    contradictions: int
    caught: int
    questions: int
    compound: int
    words: int
    after_last_fact: int
    signed: bool
    curve: list[int]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(rates(self))
        return data


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def rates(score: Score) -> dict[str, float | None]:
    """Return the derived rates of a score or of a total."""
    return {
        "recall": _ratio(score.recorded, score.facts),
        "noise_rate": _ratio(score.noise, score.claims),
        "kind_accuracy": _ratio(score.kind_correct, score.matched),
        "catch_rate": _ratio(score.caught, score.contradictions),
        "compound_rate": _ratio(score.compound, score.questions),
        "words_per_fact": _ratio(score.words, score.revealed),
    }


class Scorer:
    """Matches artifact claims and questions to facts with the participant's thresholds."""

    def __init__(self, encoder: CachedEncoder | None = None) -> None:
        self.encoder = encoder or shared_encoder()

    def score(self, record: RunRecord, *, curve_length: int = 40) -> Score:
        participant = record.participant
        facts = participant.facts
        questions = record.questions()
        revealed_at = {turn.fact_id: turn.question_number for turn in questions if turn.fact_id}

        recorded, noise, matched, kind_correct = self._match_claims(record)
        caught, eligible = self._contradictions(record, revealed_at)
        last = max(revealed_at.values(), default=0)
        return Score(
            label=record.label,
            contender=record.contender,
            facts=len(facts),
            revealed=len(record.revealed),
            revealed_at_5=_revealed_by(revealed_at, 5),
            revealed_at_10=_revealed_by(revealed_at, 10),
            revealed_at_20=_revealed_by(revealed_at, 20),
            recorded=len(recorded),
            claims=len(record.claims),
            noise=noise,
            dropped=len(record.rejected),
            matched=matched,
            kind_correct=kind_correct,
            contradictions=eligible,
            caught=caught,
            questions=len(questions),
            compound=sum(1 for turn in questions if turn.compound),
            words=record.words,
            after_last_fact=len(questions) - last,
            signed=record.signed,
            curve=[_revealed_by(revealed_at, n) for n in range(curve_length + 1)],
        )

    def _match_claims(self, record: RunRecord) -> tuple[set[str], int, int, int]:
        """Return (recorded fact ids, noise claims, matched claims, matched with right kind)."""
        participant = record.participant
        facts = participant.facts
        kinds = {fact.id: fact.kind for fact in facts}
        texts, owners = participant.matching_texts()
        revealed = set(record.revealed)
        recorded: set[str] = set()
        noise = matched = kind_correct = 0
        for claim in record.claims:
            scores = self.encoder.similarities(claim.text, texts)
            if scores.size == 0 or float(scores.max()) < MATCH_THRESHOLD:
                noise += 1
                continue
            best = _best_revealed(scores, owners, revealed)
            if best is None:
                continue
            recorded.add(best)
            matched += 1
            kind_correct += int(claim.kind == kinds[best])
        return recorded, noise, matched, kind_correct

    def _contradictions(
        self, record: RunRecord, revealed_at: dict[str | None, int | None]
    ) -> tuple[int, int]:
        """Return (caught, eligible) contradiction pairs for one interview."""
        participant = record.participant
        questions = record.questions()
        caught = eligible = 0
        for pair in participant.case.contradictions:
            if pair.a not in revealed_at or pair.b not in revealed_at:
                continue
            eligible += 1
            second = max(int(revealed_at[pair.a] or 0), int(revealed_at[pair.b] or 0))
            window = [t for t in questions if second < (t.question_number or 0) <= second + 2]
            if any(self.raises(t.text, pair.a, pair.b, record) for t in window):
                caught += 1
        return caught, eligible

    def raises(self, question: str, fact_a: str, fact_b: str, record: RunRecord) -> bool:
        """Tell whether ``question`` points at both facts (``raise_score`` at the threshold)."""
        participant = record.participant
        texts_a = [participant.fact_text(fact_a), participant.case.fact(fact_a).text]
        texts_b = [participant.fact_text(fact_b), participant.case.fact(fact_b).text]
        return raise_score(question, texts_a, texts_b, self.encoder) >= RAISE_THRESHOLD


def _best_revealed(scores: np.ndarray, owners: list[str], revealed: set[str]) -> str | None:
    """Return the revealed fact the claim matches best, at the threshold or above."""
    best_id: str | None = None
    best_score = MATCH_THRESHOLD
    for score, owner in zip(scores.tolist(), owners, strict=True):
        if owner in revealed and score >= best_score:
            best_id, best_score = owner, score
    return best_id


def _revealed_by(revealed_at: dict[str | None, int | None], number: int) -> int:
    return sum(1 for at in revealed_at.values() if at is not None and at <= number)


def total(scores: list[Score], contender: str) -> Score:
    """Add up the scores of one contender; the curve is summed point by point."""
    mine = [score for score in scores if score.contender == contender]
    length = max((len(score.curve) for score in mine), default=0)
    summed = Score(
        label="total",
        contender=contender,
        **{name: sum(getattr(s, name) for s in mine) for name in _COUNTS},
        after_last_fact=sum(s.after_last_fact for s in mine),
        signed=all(s.signed for s in mine),
        curve=[sum(s.curve[i] for s in mine if i < len(s.curve)) for i in range(length)],
    )
    return summed


_COUNTS = (
    "facts",
    "revealed",
    "revealed_at_5",
    "revealed_at_10",
    "revealed_at_20",
    "recorded",
    "claims",
    "noise",
    "dropped",
    "matched",
    "kind_correct",
    "contradictions",
    "caught",
    "questions",
    "compound",
    "words",
)


def summary(scores: list[Score], contender: str) -> dict[str, Any]:
    """Return a contender's totals with rates, and the mean questions after the last fact."""
    summed = total(scores, contender)
    runs = sum(1 for score in scores if score.contender == contender)
    data = summed.to_dict()
    data["runs"] = runs
    data["after_last_fact_mean"] = _ratio(summed.after_last_fact, runs)
    return data
