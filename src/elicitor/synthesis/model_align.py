"""Alignment with a language model: the offline grouping, then the model judges near misses.

Claims that share no words can still make the same point ("we lost the primary" and "db1
went down"). The offline aligner cannot see that; a model can. Asking a model to group
every claim at once does not scale, and a small local model does it badly. So the model
gets one small question per candidate pair instead. A candidate pair is two statements
from different participants that the offline rule kept apart but whose wordings are
related. The pairs are asked most similar first, at most ``max_pairs`` of them, and a
"same" answer merges the two points. Before them the model is asked about the least
related pair. A model that calls that pair the same cannot tell points apart, so the
offline grouping is kept.

Any failure (endpoint down, invalid reply twice) stops the asking and keeps what was
decided so far; the synthesis notes say how many pairs the model judged and whether it
failed. ``aligner_for`` keeps one client and one cache of decisions per engine for the life
of the process, so reloading a synthesis page does not ask again.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from elicitor.engine.embedding import default_embedder
from elicitor.engine.llm.base import ChatClient, ChatRequest
from elicitor.errors import ModelError, ModelOutputInvalid
from elicitor.synthesis.align import Aligner, OfflineAligner
from elicitor.synthesis.features import ClaimFeatures

log = logging.getLogger(__name__)

DEFAULT_MAX_PAIRS = 30
# Masked-wording similarity (static embeddings) a pair needs before the model is asked:
# unrelated incident sentences score about 0.2-0.35 against each other.
CANDIDATE_SIMILARITY = 0.35
REPLY_TOKENS = 20
CACHE_SIZE = 4096
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"same": {"type": "boolean"}},
    "required": ["same"],
    "additionalProperties": False,
}
SYSTEM_PROMPT = (
    "You compare two statements made by different people about the same incident or "
    "project. Decide whether both are about the same event, action or fact, even when they "
    "give it different times, numbers or names, or disagree about it. Statements about "
    "different events, actions or facts are not the same. Reply with one JSON object: "
    '{"same": true} or {"same": false}.'
)

_request_numbers = itertools.count(1)


class DecisionCache:
    """The model's same-or-not decisions by pair of texts, oldest dropped first."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str], bool] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> bool | None:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: tuple[str, str], same: bool) -> None:
        with self._lock:
            self._items[key] = same
            while len(self._items) > self.size:
                self._items.popitem(last=False)


@dataclass
class ModelAlignerReport:
    """Counts of the model's work during one ``align`` call, and the notes they give."""

    judged: int = 0
    merged: int = 0
    cached: int = 0
    skipped: int = 0
    # The model called the least related pair of claims the same.
    control_failed: bool = False
    error: str | None = None
    notes: list[str] = field(default_factory=list)


class ModelAligner:
    """Offline alignment refined by a model's same-or-not judgement on candidate pairs."""

    def __init__(
        self,
        client: ChatClient,
        *,
        max_pairs: int = DEFAULT_MAX_PAIRS,
        cache: DecisionCache | None = None,
    ) -> None:
        self.client = client
        self.max_pairs = max_pairs
        self.cache = cache or DecisionCache()
        self.name = f"{client.provider}:{client.model}"
        self.report = ModelAlignerReport()

    @property
    def notes(self) -> list[str]:
        """Return the notes on the last ``align`` call, for the synthesis."""
        return self.report.notes

    def align(self, claims: Sequence[ClaimFeatures]) -> list[list[int]]:
        self.report = ModelAlignerReport()
        groups = OfflineAligner().align(claims)
        group_of = {index: number for number, group in enumerate(groups) for index in group}
        candidates, control = _candidates(claims, group_of)
        if candidates and control and self.max_pairs > 0 and not self._trusted(claims, control):
            self.report.skipped = len(candidates)
            self.report.notes = self._notes()
            return groups
        parent = list(range(len(groups)))

        def root(number: int) -> int:
            while parent[number] != number:
                parent[number] = parent[parent[number]]
                number = parent[number]
            return number

        for position, (i, j) in enumerate(candidates):
            if root(group_of[i]) == root(group_of[j]):
                continue
            if self.report.judged >= self.max_pairs or self.report.error:
                self.report.skipped = len(candidates) - position
                break
            same = self._same(claims[i].text, claims[j].text)
            if same is None:
                continue
            if same:
                parent[root(group_of[j])] = root(group_of[i])
                self.report.merged += 1
        merged: dict[int, list[int]] = {}
        for number, group in enumerate(groups):
            merged.setdefault(root(number), []).extend(group)
        self.report.notes = self._notes()
        log.info(
            "model aligner %s: %d pairs judged, %d merged, %d from cache",
            self.name,
            self.report.judged,
            self.report.merged,
            self.report.cached,
        )
        return [sorted(group) for group in sorted(merged.values(), key=min)]

    def _trusted(self, claims: Sequence[ClaimFeatures], control: tuple[int, int]) -> bool:
        """Ask about the least related pair first: a model that calls it "the same" does not
        tell points apart, and none of its answers are used."""
        i, j = control
        same = self._same(claims[i].text, claims[j].text)
        self.report.control_failed = same is True
        return same is False

    def _same(self, first: str, second: str) -> bool | None:
        """Return the model's judgement on one pair, or None when the call failed."""
        key = (min(first, second), max(first, second))
        known = self.cache.get(key)
        if known is not None:
            self.report.cached += 1
            return known
        self.report.judged += 1
        try:
            same = self._ask(first, second)
        except ModelError as exc:
            log.warning("model aligner %s stopped: %s", self.name, exc)
            self.report.error = str(exc)
            return None
        self.cache.put(key, same)
        return same

    def _ask(self, first: str, second: str) -> bool:
        user = f"Statement A: {first}\nStatement B: {second}\nAre A and B about the same thing?"
        messages = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": user},
        ]
        error = ""
        for _attempt in (1, 2):
            request = ChatRequest(
                "aligner",
                messages,
                REPLY_TOKENS,
                schema=SCHEMA,
                schema_name="same_point",
                request_id=f"aligner-{next(_request_numbers)}",
            )
            text = self.client.complete_json(request).text
            same = parse_same(text)
            if same is not None:
                return same
            error = f"reply is not {{'same': true|false}}: {text[:80]!r}"
            messages = [
                *messages,
                {"role": "assistant", "content": text},
                {"role": "user", "content": 'Reply with {"same": true} or {"same": false} only.'},
            ]
        raise ModelOutputInvalid(error, feedback=error)

    def _notes(self) -> list[str]:
        report = self.report
        judged = report.judged + report.cached
        note = (
            f"The model {self.name} judged {_pairs(judged)} of claims the offline rules kept "
            f"apart and merged {report.merged}."
        )
        notes = [note]
        if report.control_failed:
            notes.append(
                "The model called the least related pair of claims the same, so none of its "
                "answers were used; the grouping is the offline one."
            )
        if report.skipped:
            notes.append(
                f"{_pairs(report.skipped)} more were not sent to the model "
                f"(limit {self.max_pairs} per synthesis, or the model failed)."
            )
        if report.error:
            notes.append(
                f"The model failed ({report.error}); the remaining pairs kept the offline grouping."
            )
        return notes


def _pairs(count: int) -> str:
    return f"{count} pair" if count == 1 else f"{count} pairs"


def parse_same(text: str) -> bool | None:
    """Return the boolean of a ``{"same": ...}`` reply, or None when there is none."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        data = json.loads(text[start : end + 1])
    except json.JSONDecodeError:
        return None
    value = data.get("same") if isinstance(data, dict) else None
    return value if isinstance(value, bool) else None


Pair = tuple[int, int]


def _candidates(
    claims: Sequence[ClaimFeatures], group_of: dict[int, int]
) -> tuple[list[Pair], Pair | None]:
    """Return the candidate pairs, most similar first, and the control pair.

    Each claim offers its closest claim of another participant in another point, when their
    masked wordings reach ``CANDIDATE_SIMILARITY``. One partner per claim keeps a model
    that answers "same" too readily from chaining many points into one. The control pair is
    the least similar pair of claims of two participants, when it is no candidate.
    """
    if len(claims) < 2:
        return [], None
    vectors = default_embedder().encode([item.masked or item.text for item in claims])
    scores = vectors @ vectors.T
    best: dict[Pair, float] = {}
    control: tuple[float, Pair] | None = None
    for i in range(len(claims)):
        partners = [
            j
            for j in range(len(claims))
            if claims[j].participant != claims[i].participant and group_of[j] != group_of[i]
        ]
        if not partners:
            continue
        j = max(partners, key=lambda other: (float(scores[i, other]), -other))
        if scores[i, j] >= CANDIDATE_SIMILARITY:
            best[(min(i, j), max(i, j))] = float(scores[i, j])
        far = min(partners, key=lambda other: (float(scores[i, other]), other))
        if scores[i, far] < CANDIDATE_SIMILARITY and (
            control is None or scores[i, far] < control[0]
        ):
            control = (float(scores[i, far]), (min(i, far), max(i, far)))
    ordered = sorted(best.items(), key=lambda item: (-item[1], item[0]))
    return [pair for pair, _ in ordered], control[1] if control else None


def aligner_for(spec: str | None) -> Aligner:
    """Return the aligner for an engine spec: a model aligner for a model backend, else the
    offline one. ``None`` means the server default (``ELICITOR_ENGINE``)."""
    from elicitor.engine.registry import load_engine
    from elicitor.settings import default_engine_spec

    spec = (spec or default_engine_spec()).strip()
    if spec.partition(":")[0] == "offline":
        return OfflineAligner()
    max_pairs = read_max_pairs()
    if max_pairs == 0:
        return OfflineAligner()
    with _shared_lock:
        if spec not in _shared:
            client = getattr(load_engine(spec).analyst, "client", None)
            _shared[spec] = (client, DecisionCache())
        client, cache = _shared[spec]
    if client is None:
        return OfflineAligner()
    return ModelAligner(client, max_pairs=max_pairs, cache=cache)


_shared: dict[str, tuple[ChatClient | None, DecisionCache]] = {}
_shared_lock = threading.Lock()


def read_max_pairs() -> int:
    """Return ``ELICITOR_ALIGN_MAX_PAIRS``, the model calls one synthesis may make."""
    from elicitor.errors import ConfigurationError
    from elicitor.settings import env_number

    value = env_number("ELICITOR_ALIGN_MAX_PAIRS", DEFAULT_MAX_PAIRS, minimum=0)
    if not float(value).is_integer():
        raise ConfigurationError(
            f"ELICITOR_ALIGN_MAX_PAIRS={value:g} is not a whole number; set 0 or more, or unset it"
        )
    return int(value)
