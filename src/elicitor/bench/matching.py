"""Meaning-based matching of interview text against a case's facts, with MiniLM vectors.

Both the simulated participant and the scorer decide "does this text say that fact" with
the thresholds below, so both use one definition of a match.

``MATCH_THRESHOLD`` was calibrated with ``benchmarks/calibrate_threshold.py`` on the
bundled cases (cosine similarity of all-MiniLM-L6-v2 vectors, int8 ONNX):

- a fact's own ``revealed_by`` phrase, asked as a question, scores a median of 0.53
  (10th-90th percentile 0.29-0.73) against the fact's ``"{revealed_by}: {text}"`` string;
- unrelated questions ("How is the weather today?", "What did you have for lunch?") and
  bare invitations ("Can you tell me more?", "Anything else?") score at most 0.26 against
  any fact of a case (median 0.13).

0.45 leaves a margin of about 0.2 above everything unrelated, and sits below the typical
score of a question about the fact's topic. The same value holds for every interviewer, so
no engine gets an easier participant. Changing it changes every score, so refresh
``benchmarks/baseline.json`` after.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Protocol

import numpy as np

MATCH_THRESHOLD = 0.45
# A question raises a contradiction when two different parts of it (quoted passages,
# sentences, clauses joined by "but", "and", "while") each point at one of the two facts:
# see ``raise_score``. Similarity of the whole question to each fact cannot tell a raise
# from an ordinary follow-up that quotes one of two similar facts (the follow-up
# 'You said "<fact A>". What else can you tell me about that?' scores 0.71 and 0.48).
# Calibrated with ``benchmarks/calibrate_threshold.py``: questions in the offline voice's
# form 'Earlier you said "A", and later "B". Which one is right?' score 0.68-0.98 for the
# bundled contradiction pairs, and no other question asked in a benchmark run scored above
# 0.61, so 0.65 separates them (with a thin margin on one bug case).
RAISE_THRESHOLD = 0.65

_QUOTE = re.compile(r'"([^"]*)"|“([^”]*)”')
_CLAUSE = re.compile(
    r"[.;:?!]+\s+|[.;:?!]+$|,?\s+(?:but|and|while|whereas|yet)\s+|\s+[—–-]\s+", re.IGNORECASE
)


def question_segments(text: str) -> list[str]:
    """Split a question into quoted passages and clauses of at least two words."""
    segments = [(m.group(1) or m.group(2) or "").strip(" …") for m in _QUOTE.finditer(text)]
    for part in _QUOTE.sub(" | ", text).split("|"):
        segments.extend(clause.strip() for clause in _CLAUSE.split(part))
    return [segment for segment in segments if len(segment.split()) >= 2]


class TextEncoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class CachedEncoder:
    """Sentence encoder wrapper that keeps each text's unit vector, so none is encoded twice."""

    def __init__(self, encoder: TextEncoder | None = None) -> None:
        self._encoder = encoder
        self._vectors: dict[str, np.ndarray] = {}

    @property
    def encoder(self) -> TextEncoder:
        if self._encoder is None:
            from elicitor.bench.minilm import default_encoder

            self._encoder = default_encoder()
        return self._encoder

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Return a ``(len(texts), dim)`` array of unit vectors."""
        missing = sorted({text for text in texts if text not in self._vectors})
        if missing:
            for text, vector in zip(missing, self.encoder.encode(missing), strict=True):
                self._vectors[text] = vector
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._vectors[text] for text in texts])

    def similarities(self, text: str, others: Sequence[str]) -> np.ndarray:
        """Return the cosine similarity of ``text`` with each of ``others``."""
        if not others:
            return np.zeros(0, dtype=np.float32)
        return self.vectors(list(others)) @ self.vectors([text])[0]


_shared: CachedEncoder | None = None


def shared_encoder() -> CachedEncoder:
    """Return the process-wide cached MiniLM encoder."""
    global _shared
    if _shared is None:
        _shared = CachedEncoder()
    return _shared


def raise_score(
    question: str, texts_a: Sequence[str], texts_b: Sequence[str], encoder: CachedEncoder
) -> float:
    """Return how clearly ``question`` points at both facts, from 0 to 1.

    ``texts_a`` and ``texts_b`` are wordings of each fact. For two different segments i and
    j of the question, the pair score is min(sim(i, a), sim(j, b)). Only pairs where segment
    i is closer to a than to b, and segment j closer to b than to a, count. The result is
    the best pair score.
    """
    segments = question_segments(question)
    if len(segments) < 2 or not texts_a or not texts_b:
        return 0.0
    to_a = np.max(np.stack([encoder.similarities(text, segments) for text in texts_a]), axis=0)
    to_b = np.max(np.stack([encoder.similarities(text, segments) for text in texts_b]), axis=0)
    best = 0.0
    for i, j in itertools.permutations(range(len(segments)), 2):
        if to_a[i] >= to_b[i] and to_b[j] >= to_a[j]:
            best = max(best, float(min(to_a[i], to_b[j])))
    return best
