"""What the aligner and the disagreement rules read from one claim.

Each signed claim becomes a :class:`ClaimFeatures`: the participant's words plus what the
offline rules compare. Those are the subject words (content words with synonyms folded,
without numbers, hedges and outcome words), the wording with its numbers masked for the
embedding, the polarity, and the quantities normalised to one base per dimension.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from text_to_num import alpha2digit

from elicitor.artifact.model import ClaimOut
from elicitor.engine import cues
from elicitor.engine.analyst import polarity
from elicitor.session.state import Quantity
from elicitor.synthesis.remedies import names_ending, remedies_named

_WORD = re.compile(r"[a-z][a-z0-9_\-]*[a-z0-9]|[a-z]")
_DIGITS = re.compile(r"\b\d[\d:.,]*")
# "not alerted until 6:45" places an event in time; it denies nothing.
_NOT_UNTIL = re.compile(r"(?:\bnot|n't)\b(?=(?:\s+\S+){0,4}?\s+until\b)", re.IGNORECASE)
_NOT_ONLY = re.compile(r"\bnot only\b", re.IGNORECASE)
_PHRASAL_UP = re.compile(
    r"\b(?!(?:is|was|are|were|be|been|being|back|stayed|stays|stay)\b)([a-z']+)\s+up\b",
    re.IGNORECASE,
)
# "started returning errors" says when something began, not that an event named "start"
# happened, so the aspect verb is no subject word.
_ASPECT = re.compile(r"\b(?:start(?:s|ed|ing)?|beg(?:an|in|ins|un))\s+(?=\w+ing\b)")
# "failing over to the replica" names the failover, not a failure.
_FAIL_OVER = re.compile(r"\bfail(?:s|ed|ing)?[ -]over\b", re.IGNORECASE)
# "I was paged at 02:07", "I joined the bridge at 02:25": the speaker's own experience, a
# different event for each participant. "I remember the page at 7" is no such claim.
_PERSONAL = re.compile(
    r"^\W*(?:(?:and|then|so|later|afterwards),?\s+)?i\s+(?!(?:think|believe|guess|assume|"
    r"suppose|remember|recall|reckon|feel|heard|read|am sure|am certain|'m sure|'m certain|"
    r"was told|don't know|do not know)\b)[a-z']+",
    re.IGNORECASE,
)
# Words that restrict a statement to some cases; such a claim is not the opposite of a
# general one ("it only failed on db1" does not deny "it worked").
SCOPING_WORDS: tuple[str, ...] = (
    "only",
    "just",
    "except",
    "unless",
    "if",
    "whenever",
    "until",
    "at first",
    "initially",
    "at the time",
    "again",
)
# Words that carry no subject: memory and report verbs, light verbs, clock words.
_GENERIC_TEXT = (
    "remember recall think believe quote say said told tell got get gets happen "
    "happened happens went came around about approximately roughly exactly right utc "
    "gmt pst pdt est edt cet cest bst clock o'clock time sure certain half quarter past "
    "ish later earlier afterwards then soon eventually finally already yet back"
)
GENERIC_WORDS: frozenset[str] = frozenset(_GENERIC_TEXT.split())
# Engine stopwords that name the action of an event: "took a snapshot" and "restored the
# snapshot" are different events, and the first alert is not the second.
ACTION_STOPWORDS: frozenset[str] = frozenset({"take", "taken", "takes", "took", "first"})
# Synonyms the subject comparison folds, on top of the engine's concept groups.
EXTRA_CONCEPTS: tuple[frozenset[str], ...] = (
    frozenset({"restore", "recover", "recovery"}),
    frozenset({"finish", "end", "complete", "done"}),
    frozenset({"primary", "master", "leader"}),
    frozenset({"secondary", "replica", "standby", "follower"}),
    frozenset({"restart", "reboot", "bounce"}),
)
_POLAR_WORDS = cues.FAILURE_WORDS + cues.SUCCESS_WORDS


@lru_cache(maxsize=1)
def _concept_map() -> dict[str, str]:
    mapping: dict[str, str] = {}
    for group in (*cues.CONCEPTS, *EXTRA_CONCEPTS):
        name = sorted(group)[0]
        for word in group:
            mapping[word] = name
            mapping[cues.stem(word)] = name
    return mapping


def concept_of(word: str) -> str:
    """Return the concept name of one lower-case word: its synonym group, else its stem."""
    mapping = _concept_map()
    stemmed = cues.stem(word)
    for candidate in (word, stemmed, stemmed + "e"):
        if candidate in mapping:
            return mapping[candidate]
    return stemmed


@lru_cache(maxsize=1)
def _polar_concepts() -> frozenset[str]:
    return frozenset(concept_of(word) for word in _POLAR_WORDS)


def subject_words(text: str) -> dict[str, str]:
    """Return the subject concepts of ``text``, each with the first word that named it."""
    polar = _polar_concepts()
    found: dict[str, str] = {}
    for word in _WORD.findall(_ASPECT.sub(" ", cues.join_compounds(text))):
        if len(word) < 3 or word in GENERIC_WORDS:
            continue
        if word in cues.STOPWORDS and word not in ACTION_STOPWORDS:
            continue
        concept = concept_of(word)
        if concept in polar or concept in GENERIC_WORDS:
            continue
        found.setdefault(concept, word)
    return found


@lru_cache(maxsize=4096)
def _with_digits(text: str) -> str:
    try:
        return str(alpha2digit(text, "en", threshold=2))
    except Exception:  # text2num raises on some odd inputs; the raw text still works
        return text


def masked_text(text: str, quantities: list[Quantity]) -> str:
    """Return ``text`` without its numbers, times and hedges, for comparing subjects."""
    converted = _with_digits(text)
    for quantity in quantities:
        converted = converted.replace(quantity.text, " ")
    converted = _FAIL_OVER.sub("failover", converted)
    converted = cues.pattern(cues.HEDGES).sub(" ", converted)
    converted = _DIGITS.sub(" ", converted)
    return " ".join(converted.split())


def usable_quantities(text: str, quantities: list[Quantity]) -> list[Quantity]:
    """Drop projected values and clock times that are really the start of a larger number.

    The quantity finder reads "about 5,000 projects" as the clock time "about 5"; a
    time of day directly followed by more digits is such a misreading.
    """
    converted = _with_digits(text)
    kept: list[Quantity] = []
    for quantity in quantities:
        if quantity.expected:
            continue
        if quantity.dimension == "time_of_day":
            start = converted.find(quantity.text)
            rest = converted[start + len(quantity.text) :] if start >= 0 else ""
            if start >= 0 and re.match(r"[,.]?\d", rest):
                continue
        kept.append(quantity)
    return kept


def _neutral(text: str) -> str:
    """Return ``text`` without hedges, 'not … until', 'not only', 'fail over' phrases and
    a phrasal 'up' ("filled up" reports no success, unlike "the site was up")."""
    neutral = cues.pattern(cues.HEDGES).sub(" ", _FAIL_OVER.sub("failover", text))
    neutral = _NOT_UNTIL.sub(" ", neutral)
    neutral = _PHRASAL_UP.sub(r"\1", neutral)
    return _NOT_ONLY.sub(" ", neutral)


def claim_polarity(text: str) -> int:
    """Return +1 or -1 like the analyst, ignoring hedges and 'not … until' time phrases."""
    return polarity(_neutral(text))


def states_outcome(text: str) -> bool:
    """Tell whether the claim judges an outcome (worked, failed, broken, fine)."""
    return bool(cues.find(_POLAR_WORDS, _neutral(text)))


def is_scoped(text: str) -> bool:
    return bool(cues.find(SCOPING_WORDS, text))


@dataclass
class ClaimFeatures:
    """One claim of one participant, with the features the offline rules compare."""

    index: int
    participant: str
    session_id: str
    claim: ClaimOut
    topic_id: str | None
    quantities: list[Quantity]
    masked: str
    subjects: dict[str, str]
    polarity: int
    scoped: bool
    outcome: bool
    remedies: frozenset[str] = frozenset()
    ends_impact: bool = False
    # The speaker's own experience ("I was paged at 02:07"), see ``_PERSONAL``.
    personal: bool = False
    # Subject concepts of the clauses that carry a clock time, see ``timed_subjects``.
    timed: frozenset[str] = frozenset()

    @property
    def text(self) -> str:
        return self.claim.text

    def values(self, dimension: str) -> list[Quantity]:
        return [q for q in self.quantities if q.dimension == dimension]


def claim_features(
    index: int, participant: str, session_id: str, claim: ClaimOut, topic_id: str | None
) -> ClaimFeatures:
    """Compute the features of one claim."""
    raw = [Quantity(**quantity.model_dump()) for quantity in claim.quantities]
    quantities = usable_quantities(claim.text, raw)
    masked = masked_text(claim.text, raw)
    return ClaimFeatures(
        index=index,
        participant=participant,
        session_id=session_id,
        claim=claim,
        topic_id=topic_id,
        quantities=quantities,
        masked=masked,
        subjects=subject_words(masked),
        polarity=claim_polarity(claim.text),
        scoped=is_scoped(claim.text),
        outcome=states_outcome(claim.text),
        remedies=remedies_named(claim.text),
        ends_impact=names_ending(claim.text),
        personal=bool(_PERSONAL.match(claim.text)),
        timed=timed_subjects(claim.text, quantities),
    )


def shorten(text: str, limit: int) -> str:
    """Return ``text`` on one line, cut at a word boundary to at most ``limit`` characters."""
    text = " ".join(text.split()).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


# Clause boundaries of a claim: "went down at 23:10 and card payments failed until we
# rolled it back" puts its time on the outage, not on the rollback.
CLAUSE_BREAK = re.compile(
    r"\s+(?:because|and|but|so|after which|since|while|although|which)\s+|[,;(]|:\s",
    re.IGNORECASE,
)


def timed_subjects(text: str, quantities: list[Quantity]) -> frozenset[str]:
    """Return the subject concepts of the clauses of ``text`` that carry a clock time."""
    times = [q for q in quantities if q.dimension == "time_of_day"]
    if not times:
        return frozenset()
    clauses = CLAUSE_BREAK.split(_with_digits(text))
    timed = [c for c in clauses if any(q.text in c for q in times)]
    if not timed:
        return frozenset()
    return frozenset(subject_words(masked_text(" ".join(timed), times)))


def format_value(quantity: Quantity) -> str:
    """Return a quantity in one notation per dimension: '23:10', '90 s', '300 GB', '82%'."""
    dimension = quantity.dimension
    if dimension == "time_of_day":
        minutes = int(round(quantity.base_value)) % 1440
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    if dimension == "duration":
        return _format_duration(quantity.base_value)
    if dimension == "data_size":
        return _format_bytes(quantity.base_value)
    if dimension == "percent":
        return f"{quantity.base_value:g}%"
    if dimension.startswith("count:"):
        return f"{quantity.base_value:g} {dimension.split(':', 1)[1]}"
    return quantity.text


def _format_duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:g} s"
    if seconds < 7200:
        return f"{seconds / 60:g} min"
    if seconds < 172800:
        return f"{seconds / 3600:g} h"
    return f"{seconds / 86400:g} days"


def _format_bytes(size: float) -> str:
    for unit, factor in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= factor:
            return f"{size / factor:g} {unit}"
    return f"{size:g} B"
