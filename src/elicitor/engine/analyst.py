"""The offline analyst: reads one answer against the session so far.

It splits the answer into claims in the participant's words, labels each claim's kind,
finds vague terms, quantities, examples and hedges, assigns a briefing topic, and looks
for contradictions with earlier claims. It is deterministic: the same log gives the same
analysis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pysbd

from elicitor.briefing.model import Briefing
from elicitor.engine import cues
from elicitor.engine.embedding import default_embedder
from elicitor.engine.quantities import (
    capacity_gap,
    find_quantities,
    format_quantity,
    same_value,
)
from elicitor.session.state import Claim, Contradiction, SessionState

# Cosine similarity below which a claim fits no topic by meaning alone. Unrelated sentences
# score about 0.2-0.35 with the shipped static embeddings, so the bar sits above that band.
TOPIC_MIN_SIMILARITY = 0.45
# Score added for each topic keyword found in a claim (up to three). Static similarities of
# one claim to different topics differ by only about 0.1, so keywords decide most ties.
KEYWORD_WEIGHT = 0.3
MAX_CLAIM_WORDS = 80
MAX_CLAIM_CHARS = 600
# One answer yields at most this many claims; the full answer stays in the log.
MAX_CLAIMS_PER_ANSWER = 25

# "... went down at 23:10 and we rolled back ..." is two events: "and" followed by a new
# personal subject starts a clause of its own.
_CLAUSE_SPLIT = re.compile(
    r";\s+|,\s+but\s+|\s+but\s+|,\s+although\s+|,\s+whereas\s+|,\s+and then\s+"
    r"|,?\s+and\s+(?=(?:we|i|they|he|she|someone|somebody)\s)",
    re.IGNORECASE,
)
_FILLER = re.compile(
    r"^(?:well|so|um+|uh+|hmm+|ok|okay|yeah|yes|right|oh|honestly|basically)[,.!]?\s+",
    re.IGNORECASE,
)
_WORDS = re.compile(r"\S+")


@dataclass
class Analysis:
    claims: list[Claim] = field(default_factory=list)
    contradictions: list[Contradiction] = field(default_factory=list)
    non_answer: str | None = None
    covered_topics: list[str] = field(default_factory=list)
    # Model backends only: backend, model, prompt version, tokens, latency, retries and
    # fallback of the call that produced this analysis. None for the offline analyst.
    meta: dict[str, Any] | None = None

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "claims": [claim.to_dict() for claim in self.claims],
            "contradictions": [c.__dict__ for c in self.contradictions],
            "non_answer": self.non_answer,
            "covered_topics": self.covered_topics,
        }
        if self.meta is not None:
            payload["meta"] = self.meta
        return payload


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def split_claims(text: str) -> list[str]:
    """Split an answer into claim-sized clauses, keeping the participant's words."""
    text = " ".join(text.split())
    if not text:
        return []
    parts: list[str] = []
    for sentence in _segmenter().segment(text):
        sentence = sentence.strip()
        if not sentence:
            continue
        clauses = [c.strip(" ,") for c in _CLAUSE_SPLIT.split(sentence)]
        # Split only when every clause can stand alone; "slow but fine" stays one claim.
        if len(clauses) > 1 and all(len(c.split()) >= 4 for c in clauses):
            parts.extend(clauses)
        else:
            parts.append(sentence)
    claims = []
    for part in parts:
        part = _FILLER.sub("", part).strip()
        words = part.split()
        if not words:
            continue
        if len(words) > MAX_CLAIM_WORDS:
            part = " ".join(words[:MAX_CLAIM_WORDS]) + " …"
        if len(part) > MAX_CLAIM_CHARS:
            part = part[:MAX_CLAIM_CHARS] + " …"
        claims.append(part[0].upper() + part[1:] if part[0].islower() else part)
    return claims[:MAX_CLAIMS_PER_ANSWER]


_SHORT_REPLY = re.compile(
    r"^(?:yes|yeah|yep|no|nope|correct|right|never|always)[.!]*$", re.IGNORECASE
)


def _expand_short_reply(text: str, question: dict[str, Any] | None) -> str:
    """Keep a bare "yes" or "no" meaningful by recording the question it answered.

    Returns "" when the reply only settles a contradiction or a clarifying question: the
    service records that as the resolution, and there is no new statement to keep.
    """
    if question is None or not _SHORT_REPLY.match(text.strip()):
        return text
    if question.get("move") in ("raise_contradiction", "pin_down", "ask_detail"):
        return ""
    asked = str(question.get("text", "")).strip()
    if '"' in asked:
        asked = asked.rsplit('". ', 1)[-1]
    return f"{asked} {text.strip().rstrip('.!').capitalize()}."


def _normalise(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def classify_kind(text: str) -> tuple[str, list[str], list[str]]:
    """Return (kind, hedges, judgment cues) for one claim.

    Norms ("should") make a judgment even when hedged ("I think it should"); otherwise a
    hedge makes an assumption; otherwise an evaluative word makes a judgment.
    """
    hedges = cues.find(cues.HEDGES, text)
    norms = cues.find(cues.NORMS, text)
    evaluations = cues.find(cues.EVALUATIVES, text)
    if norms:
        return "judgment", hedges, norms + evaluations
    if hedges:
        return "assumption", hedges, evaluations
    if evaluations:
        return "judgment", hedges, evaluations
    return "fact", hedges, []


def find_vague_terms(text: str, *, has_quantity: bool) -> list[str]:
    """Return vague terms as 'category:term'. A claim with a number is not vague on time."""
    found: list[str] = []
    for category, terms in cues.VAGUE_TERMS.items():
        if has_quantity and category in ("duration", "speed", "size", "amount", "time"):
            continue
        for term in cues.find(terms, text):
            if category == "duration" and _DEGREE.search(text):
                continue
            found.append(f"{category}:{term}")
    return found


# "a bit overwhelming" is a degree, not a duration; "spins for a bit" is a duration.
_DEGREE = re.compile(
    r"\ba (?:bit|little) (?!(?:then|and|but|before|after|longer|later|more)\b)"
    r"[a-z]{3,}",
    re.IGNORECASE,
)


def detect_non_answer(text: str) -> str | None:
    """Return 'dont_know', 'skip', 'refused' or 'unclear' when the answer gives nothing."""
    lowered = text.strip().lower().strip(".!?")
    if not lowered:
        return "unclear"
    for kind in ("unclear", "refused", "skip", "nothing_more", "dont_know"):
        found = cues.find(cues.NON_ANSWERS[kind], lowered)
        if not found:
            continue
        if kind == "skip" and len(lowered.split()) > 3:
            continue
        remainder = cues.pattern(cues.NON_ANSWERS[kind]).sub(" ", lowered)
        if len(cues.content_stems(remainder)) < 3:
            return kind
    if _ACKNOWLEDGEMENT.match(lowered):
        return "unclear"
    return None


# A bare acknowledgement answers no question: "ok", "sure", "hmm".
_ACKNOWLEDGEMENT = re.compile(r"^(?:ok|okay|sure|hmm+|alright|fine|got it)(?: then)?[.!]*$")


def polarity(text: str) -> int:
    """Return +1 or -1: each negation flips the claim's polarity, and so does naming a
    failure, once however many failure words name it ("lost the primary and returned
    errors" reports one failure, not two that cancel)."""
    flips = len(cues.find(cues.NEGATIONS, text)) + bool(cues.find(cues.FAILURE_WORDS, text))
    return -1 if flips % 2 else 1


def denies_change(text: str) -> bool:
    """Tell whether the claim says nothing was changed or customised."""
    if cues.find(cues.UNCHANGED, text):
        return True
    if not cues.find(cues.NEGATIONS, text):
        return False
    return any(s.startswith(cues.CHANGE_STEMS) for s in cues.content_stems(text))


def reports_change(text: str) -> bool:
    return bool(cues.find(cues.CHANGE_VERBS, text)) and not cues.find(cues.NEGATIONS, text)


@dataclass
class _TopicIndex:
    ids: list[str]
    vectors: np.ndarray
    owners: list[int]
    keywords: list[re.Pattern[str] | None]


@lru_cache(maxsize=16)
def _topic_index(briefing_json: str) -> _TopicIndex:
    briefing = Briefing.model_validate_json(briefing_json)
    texts: list[str] = []
    owners: list[int] = []
    for index, topic in enumerate(briefing.topics):
        texts.append(f"{topic.title}. {topic.description}")
        owners.append(index)
        for probe in topic.probes:
            texts.append(probe)
            owners.append(index)
    keywords = [cues.pattern(tuple(t.keywords)) if t.keywords else None for t in briefing.topics]
    vectors = default_embedder().encode(texts)
    return _TopicIndex([t.id for t in briefing.topics], vectors, owners, keywords)


class OfflineAnalyst:
    """Rules, word lists and static embeddings; no network, no model server."""

    name = "offline"

    def analyze(
        self,
        text: str,
        *,
        briefing: Briefing,
        state: SessionState,
        answer_seq: int,
        question: dict[str, Any] | None,
    ) -> Analysis:
        non_answer = detect_non_answer(text)
        if non_answer:
            return Analysis(non_answer=non_answer)
        expanded = _expand_short_reply(text, question)
        if not expanded:
            return Analysis()
        pieces = split_claims(expanded)
        if not pieces:
            return Analysis(non_answer="unclear")
        # A statement repeated word for word is not news: it adds no claim and no
        # contradiction, so repeating an answer cannot make the interviewer loop.
        known = {_normalise(c.text) for c in state.active_claims()}
        unique: list[str] = []
        for piece in pieces:
            if _normalise(piece) not in known:
                known.add(_normalise(piece))
                unique.append(piece)
        pieces = unique
        if not pieces:
            return Analysis()
        embedder = default_embedder()
        vectors = embedder.encode(pieces)
        default_topic = question.get("topic_id") if question else None
        index = _topic_index(briefing.model_dump_json())
        next_number = len(state.claims) + 1
        claims: list[Claim] = []
        for offset, (piece, vector) in enumerate(zip(pieces, vectors, strict=True)):
            quantities = find_quantities(piece)
            kind, hedges, judgment_cues = classify_kind(piece)
            claims.append(
                Claim(
                    id=f"c{next_number + offset}",
                    text=piece,
                    kind=kind,
                    topic_id=_assign_topic(piece, vector, index, default_topic),
                    answer_seq=answer_seq,
                    quantities=quantities,
                    vague_terms=find_vague_terms(piece, has_quantity=bool(quantities)),
                    hedges=hedges,
                    cues=judgment_cues,
                    is_example=bool(cues.find(cues.EXAMPLE_CUES, piece)),
                    negated=bool(cues.find(cues.NEGATIONS, piece)) or denies_change(piece),
                    generalization=bool(cues.find(cues.GENERALIZATIONS, piece)),
                )
            )
        contradictions = find_contradictions(claims, vectors, state)
        covered = sorted({c.topic_id for c in claims if c.topic_id} - set(state.covered_topics))
        return Analysis(claims=claims, contradictions=contradictions, covered_topics=covered)


def _assign_topic(
    text: str, vector: np.ndarray, index: _TopicIndex, default_topic: str | None
) -> str | None:
    """Pick the claim's topic: the question's topic unless another clearly fits better."""
    keyword_hits = [len(p.findall(text)) if p else 0 for p in index.keywords]
    similarities = index.vectors @ vector
    best_similarity = np.zeros(len(index.ids))
    for row, owner in enumerate(index.owners):
        best_similarity[owner] = max(best_similarity[owner], similarities[row])
    scores = best_similarity + KEYWORD_WEIGHT * np.minimum(np.array(keyword_hits), 3)
    best = int(np.argmax(scores))
    if default_topic in index.ids:
        current = index.ids.index(default_topic)
        if scores[best] - scores[current] < 0.2 or best_similarity[best] < TOPIC_MIN_SIMILARITY:
            return default_topic
        return index.ids[best]
    if keyword_hits[0] and scores[best] - scores[0] < 0.2:
        # Every template's first topic is "what happened"; a first account that names its
        # words ("doesn't work") belongs there unless another topic clearly fits better.
        return index.ids[0]
    if best_similarity[best] < TOPIC_MIN_SIMILARITY and keyword_hits[best] == 0:
        return None
    return index.ids[best]


def find_contradictions(
    new_claims: list[Claim], new_vectors: np.ndarray, state: SessionState
) -> list[Contradiction]:
    """Compare each new claim with earlier active claims and with the answer's own earlier
    clauses ("upgrading did not help, although another user said it fixed it"); return at
    most one contradiction per new claim."""
    earlier = state.active_claims()
    vectors = list(default_embedder().encode([c.text for c in earlier])) if earlier else []
    found: list[Contradiction] = []
    number = len(state.contradictions) + 1
    for claim, vector in zip(new_claims, new_vectors, strict=True):
        for old, old_vector in zip(earlier, vectors, strict=True):
            detail = _conflict(claim, old, float(vector @ old_vector))
            if detail is None:
                continue
            kind, text = detail
            found.append(Contradiction(f"x{number}", old.id, claim.id, kind, text))
            number += 1
            break
        earlier = [*earlier, claim]
        vectors = [*vectors, vector]
    return found


_OUTCOME_WORDS = cues.FAILURE_WORDS + cues.SUCCESS_WORDS
# Words that restrict or condition a statement; "only the quarterly report fails" and
# "removing it makes export work again" do not contradict the general complaint.
_SCOPING = (
    "only",
    "just",
    "except",
    "but not",
    "again",
    "if",
    "when",
    "after",
    "once",
    "unless",
    "until",
    "whenever",
)
# Concepts for which a plain description contradicts a claimed default ("no special options").
_CONFIGURATION = frozenset(cues.concepts("setting plugin"))
SAME_OUTCOME_SUBJECT_SIMILARITY = 0.5


def _scoped(text: str) -> bool:
    # "log-only" names a mode; only a free-standing "only" restricts the statement.
    return bool(cues.find(_SCOPING, re.sub(r"(\w)-(\w)", r"\1_\2", text)))


def _conflict(new: Claim, old: Claim, similarity: float) -> tuple[str, str] | None:
    same_topic = new.topic_id is not None and new.topic_id == old.topic_id
    polar = {cues.stem(w) for w in _OUTCOME_WORDS}
    new_concepts = cues.concepts(new.text)
    old_concepts = cues.concepts(old.text)
    numbers = _number_conflict(new, old) or capacity_gap(new.quantities, old.quantities)
    if numbers and (new_concepts & old_concepts):
        return "number", numbers
    shared = (new_concepts - polar) & (old_concepts - polar)
    change = _change_conflict(new, old, shared, same_topic)
    if change:
        return "polarity", change
    refinement = _refinement(new, old, new_concepts & old_concepts)
    if refinement:
        return "refinement", refinement
    return _polarity_conflict(new, old, shared, similarity, same_topic)


_MEASURABLE = ("duration", "speed", "size", "amount", "quality", "frequency")


def _refinement(new: Claim, old: Claim, shared: set[str]) -> str | None:
    """Name a vague earlier claim that a later number may pin down ("acceptable" -> 30 s)."""
    if not new.quantities or old.quantities or not shared:
        return None
    vague = [t.split(":", 1)[1] for t in old.vague_terms if t.split(":", 1)[0] in _MEASURABLE]
    if not vague:
        return None
    return f'"{vague[0]}" earlier, {format_quantity(new.quantities[0])} now'


def _change_conflict(new: Claim, old: Claim, shared: set[str], same_topic: bool) -> str | None:
    for denial, other in ((new, old), (old, new)):
        if not denies_change(denial.text) or denies_change(other.text):
            continue
        if reports_change(other.text) and (same_topic or shared):
            return "one statement says nothing was changed, the other names a change"
        named = re.search(r"'[^']{3,}'|\"[^\"]{3,}\"", other.text)
        if named and shared & _CONFIGURATION and not cues.find(cues.NEGATIONS, other.text):
            return "one statement says nothing was customised, the other names a setting"
    return None


def _polarity_conflict(
    new: Claim, old: Claim, shared: set[str], similarity: float, same_topic: bool
) -> tuple[str, str] | None:
    if polarity(new.text) == polarity(old.text):
        return None
    if _scoped(new.text) or _scoped(old.text):
        return None
    polar = {cues.stem(w) for w in _OUTCOME_WORDS}
    new_concepts = cues.concepts(new.text) - polar
    old_concepts = cues.concepts(old.text) - polar
    smaller = min(len(new_concepts), len(old_concepts))
    new_outcome = bool(cues.find(_OUTCOME_WORDS, new.text))
    old_outcome = bool(cues.find(_OUTCOME_WORDS, old.text))
    detail = "one statement affirms what the other denies"
    if new_outcome and old_outcome:
        general = new.generalization or old.generalization
        # "It always fails" / "it worked yesterday": pronoun subjects leave almost no words,
        # so two bare claims, or two that name the same thing, are about one subject.
        bare = smaller <= 1 and max(len(new_concepts), len(old_concepts)) <= 2
        if general and (bare or shared):
            return "polarity", "a general statement is contradicted by a specific case"
        if len(shared) >= 2 and len(shared) * 2 >= smaller:
            return "polarity", detail
        if shared and same_topic and similarity >= SAME_OUTCOME_SUBJECT_SIMILARITY:
            return "polarity", detail
        return None
    if new_outcome or old_outcome:
        return None
    if len(shared) >= 3:
        return "polarity", detail
    return None


def _same_event(new: Claim, old: Claim) -> bool:
    polar = {cues.stem(w) for w in _OUTCOME_WORDS}
    new_concepts = cues.concepts(new.text) - polar
    old_concepts = cues.concepts(old.text) - polar
    if new_concepts & old_concepts & cues.EVENT_CONCEPTS:
        return True
    nested = new_concepts <= old_concepts or old_concepts <= new_concepts
    return nested and bool(new_concepts & old_concepts)


def _number_conflict(new: Claim, old: Claim) -> str | None:
    """Name a value in one claim that matches no value of the same dimension in the other.

    Clock times count only when both claims are about one event: they name the same kind
    of event (a page, a deletion, a rollback), or one claim's words contain the other's. A
    timeline is a list of different times, so "the disk filled up at 22:55" does not
    contradict "the primary went down at 23:10".
    """
    same_event = _same_event(new, old)
    for a in (q for q in new.quantities if not q.expected):
        if a.dimension == "time_of_day" and not same_event:
            continue
        rivals = [b for b in old.quantities if b.dimension == a.dimension and not b.expected]
        if not rivals or any(same_value(a, b) for b in rivals):
            continue
        unmatched = [b for b in rivals if not any(same_value(b, x) for x in new.quantities)]
        if not unmatched:
            continue
        return f"{format_quantity(unmatched[0])} earlier, {format_quantity(a)} now"
    return None
