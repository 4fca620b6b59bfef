"""Align the claims of different participants into points, each about one subject.

:class:`Aligner` is the seam for other backends (``model_align.py`` has the one that asks a
language model); :class:`OfflineAligner` is the built-in one. It decides that two claims are
about the same subject from their subject words and their wording with numbers masked, so
"the primary went down at 23:10" and "we lost the primary around ten past eleven" meet,
while values are left for the disagreement rules to compare.

The offline rule, for two claims A and B:

- They must share at least one subject word (synonyms folded: wipe/delete, page/alert).
- When each names something the other does not ("restarted the web servers" and
  "restarted the database"), the evidence must be strong. They need two or more shared
  words, at least ``BOTH_EXTRA_MIN_OVERLAP`` of all their words shared, and close
  wording. Their extra words must also not be alternatives of one another, which means
  word-vector similarity below ``RIVAL_WORD_SIMILARITY``.
- Otherwise one set contains the other. The masked wordings must then be close, and the
  shared words must be at least ``CONTAINED_MIN_OVERLAP`` of the larger set, so a short
  claim does not join every long claim that mentions its subject.

Points are formed by complete linkage: a claim joins a point only when it relates to every
claim already in it, so chains of loosely related claims do not merge.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from itertools import combinations
from typing import Protocol

import numpy as np

from elicitor.engine import cues
from elicitor.engine.embedding import default_embedder
from elicitor.synthesis.features import ClaimFeatures

log = logging.getLogger(__name__)

# Cosine similarity of the masked wordings (shipped static embeddings, where unrelated
# sentences score about 0.2-0.35 and paraphrases about 0.6-0.75).
CONTAINED_SIMILARITY = 0.5
CONTAINED_SIMILARITY_RICH = 0.35
BOTH_EXTRA_SIMILARITY = 0.6
# Shared subject words as a share of all subject words of the pair (Jaccard index), or of
# the larger claim's words when one claim's words are all in the other.
BOTH_EXTRA_MIN_OVERLAP = 0.4
CONTAINED_MIN_OVERLAP = 0.3
# Word-vector similarity above which two extra words name rival things of one sort:
# primary/secondary 0.64, started/finished 0.44, staging/production 0.41, but unrelated
# extra details such as engineers/arriving score about 0.
RIVAL_WORD_SIMILARITY = 0.3


class Aligner(Protocol):
    """Groups claims that make the same point; values may differ inside a group."""

    name: str

    def align(self, claims: Sequence[ClaimFeatures]) -> list[list[int]]:
        """Return groups of indexes into ``claims``; every index appears in exactly one group."""
        ...


class OfflineAligner:
    """Subject words plus static embeddings; deterministic, no network."""

    name = "offline"

    def align(self, claims: Sequence[ClaimFeatures]) -> list[list[int]]:
        if not claims:
            return []
        relation = _Relation(claims)
        groups = _complete_linkage(len(claims), relation.candidates())
        log.debug("aligned %d claims into %d points", len(claims), len(groups))
        return groups


class _Relation:
    """Pairwise 'same subject' decisions, computed once per pair."""

    def __init__(self, claims: Sequence[ClaimFeatures]) -> None:
        self.claims = claims
        embedder = default_embedder()
        self.vectors = embedder.encode([item.masked or item.text for item in claims])
        words = sorted({word for item in claims for word in item.subjects.values()})
        self.word_index = {word: row for row, word in enumerate(words)}
        self.word_vectors = embedder.encode(words) if words else np.zeros((0, 1))

    def candidates(self) -> list[tuple[float, int, int]]:
        """Return related pairs as (similarity, i, j), most similar first."""
        by_concept: dict[str, list[int]] = defaultdict(list)
        for position, item in enumerate(self.claims):
            for concept in item.subjects:
                by_concept[concept].append(position)
        pairs: set[tuple[int, int]] = set()
        for members in by_concept.values():
            pairs.update(combinations(sorted(members), 2))
        related = []
        for i, j in pairs:
            similarity = float(self.vectors[i] @ self.vectors[j])
            a, b = self.claims[i], self.claims[j]
            if self.same_subject(a, b, similarity):
                # Two times on one event are the strongest evidence, and a synthesis is
                # about what different people said, so such pairs link first: a compound
                # claim ("went down at 23:10 because the disk filled up") then meets the
                # other person's account of the outage, not of the disk.
                timed = _same_timed_event(a, b, a.subjects.keys() & b.subjects.keys())
                across = a.participant != b.participant
                related.append((similarity + timed * 1.0 + across * 0.5, i, j))
        related.sort(key=lambda item: (-item[0], item[1], item[2]))
        return related

    def same_subject(self, a: ClaimFeatures, b: ClaimFeatures, similarity: float) -> bool:
        shared = a.subjects.keys() & b.subjects.keys()
        if not shared:
            return False
        if _personal_times(a, b):
            return False
        if a.timed and b.timed and not a.timed & b.timed:
            # Their times belong to clauses about different things ("rolled back at
            # 23:45" and "went down at ten past eleven and failed until we rolled back").
            return False
        only_a = [word for concept, word in a.subjects.items() if concept not in shared]
        only_b = [word for concept, word in b.subjects.items() if concept not in shared]
        rivals = bool(only_a and only_b) and self.rivalry(only_a, only_b) >= RIVAL_WORD_SIMILARITY
        if _same_timed_event(a, b, shared) and not rivals:
            return True
        if _timed_events_differ(a, b, shared):
            return False
        if only_a and only_b:
            union = len(shared) + len(only_a) + len(only_b)
            if len(shared) < 2 or len(shared) < BOTH_EXTRA_MIN_OVERLAP * union:
                return False
            if similarity < BOTH_EXTRA_SIMILARITY:
                return False
            return self.rivalry(only_a, only_b) < RIVAL_WORD_SIMILARITY
        larger = max(len(a.subjects), len(b.subjects))
        if len(shared) < CONTAINED_MIN_OVERLAP * larger:
            return False
        smaller = min(len(a.subjects), len(b.subjects))
        if smaller >= 2:
            return similarity >= CONTAINED_SIMILARITY_RICH
        return similarity >= CONTAINED_SIMILARITY

    def rivalry(self, words_a: list[str], words_b: list[str]) -> float:
        """Return the highest word-vector similarity between the two lists of extra words."""
        rows_a = self.word_vectors[[self.word_index[w] for w in words_a]]
        rows_b = self.word_vectors[[self.word_index[w] for w in words_b]]
        return float((rows_a @ rows_b.T).max())


_EVENT_CONCEPTS = cues.EVENT_CONCEPTS


def _same_timed_event(a: ClaimFeatures, b: ClaimFeatures, shared: set[str]) -> bool:
    """Tell whether two claims put a time on the same kind of event ("first page at 7").

    A failure of a shared subject is such an event too ("the primary went down at 23:10",
    "we lost the primary around twenty to midnight"), unless either claim names an event
    of its own ("the primary's backup failed at 02:00") or something the other lacks.
    """
    if not (a.values("time_of_day") and b.values("time_of_day")):
        return False
    if shared & _EVENT_CONCEPTS:
        return True
    if (a.subjects.keys() | b.subjects.keys()) & _EVENT_CONCEPTS:
        return False
    # One claim's subjects must contain the other's: "the disk on the primary filled up"
    # and "we lost the primary and checkout failed" share a subject, not an event.
    nested = a.subjects.keys() <= b.subjects.keys() or b.subjects.keys() <= a.subjects.keys()
    return nested and _reports_failure(a) and _reports_failure(b)


def _personal_times(a: ClaimFeatures, b: ClaimFeatures) -> bool:
    """Tell whether two participants put times on their own experiences: "I was paged at
    02:07" and "I was paged at 02:20" are two pages, one to each person."""
    if a.participant == b.participant or not (a.personal or b.personal):
        return False
    return bool(a.values("time_of_day") and b.values("time_of_day"))


def _timed_events_differ(a: ClaimFeatures, b: ClaimFeatures, shared: set[str]) -> bool:
    """Tell whether only one of two time-stamped claims names an event ("the backup of the
    primary failed at 02:00" is not "the primary went down at 23:10")."""
    if not (a.values("time_of_day") and b.values("time_of_day")) or shared & _EVENT_CONCEPTS:
        return False
    return bool((a.subjects.keys() ^ b.subjects.keys()) & _EVENT_CONCEPTS)


def _reports_failure(item: ClaimFeatures) -> bool:
    return bool(cues.find(cues.FAILURE_WORDS, item.text))


def _complete_linkage(count: int, related: list[tuple[float, int, int]]) -> list[list[int]]:
    """Merge groups along related pairs, best first, when every cross pair is related."""
    linked = {(i, j) for _, i, j in related}
    group_of = list(range(count))
    members: dict[int, list[int]] = {index: [index] for index in range(count)}
    for _, i, j in related:
        left, right = group_of[i], group_of[j]
        if left == right:
            continue
        if not all((min(x, y), max(x, y)) in linked for x in members[left] for y in members[right]):
            continue
        for index in members[right]:
            group_of[index] = left
        members[left].extend(members.pop(right))
    return [sorted(group) for group in sorted(members.values(), key=min)]
