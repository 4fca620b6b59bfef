"""A simulated participant that answers an interviewer from a case's hidden facts.

The participant knows the facts of one case (for a multi-participant case, only the facts
of one person) and reveals a fact only when a question is about it. It never volunteers
anything, and the interviewer never sees the facts, so the benchmark measures how well the
interviewer's questions reach what the participant knows.

How it replies to each prompt:

- The first question gets the case's opening statement, whatever it asks.
- A question is first cut to its first part when it asks several things
  (``count_questions(text) > 1``): a compound question gets only its first part answered.
  The participant then takes the not-yet-revealed fact closest in meaning to the question
  (MiniLM cosine similarity), scoring each fact by its ``revealed_by`` topic alone and by
  the ``"{revealed_by}: {text}"`` string, whichever is higher. If that
  similarity reaches ``MATCH_THRESHOLD``, it answers with the fact in the first person
  ("The respondent thinks X" becomes "I think X"). Hedge verbs such as think, believe,
  recall and "am certain" are kept because they carry the fact's kind. Each fact is
  revealed at most once. Planted misrecollections and the facts they contradict are
  revealed the same way as any other fact.
- A bare open invitation ("Can you tell me more?", "Anything else?", "What else?",
  "Go on"; see ``INVITATION_PATTERNS``) gets the unrevealed fact closest in meaning to the
  participant's last substantive statement, and only when it reaches the same threshold.
  A person asked to say more continues the thread they were on, and does not jump to an
  unrelated topic, so "tell me more" cannot sweep up facts that no question touched.
- Anything else gets a deterministic non-answer: "I don't know." for a question or
  invitation that matches no unrevealed fact, "Not sure what you mean." for a prompt with no
  words. A prompt without a question mark ("Tell me about the setup.") counts as a question.
- At a summary checkpoint or the final review, every numbered point whose text matches
  none of the participant's facts (similarity below the threshold against every fact) is
  dropped ("drop 3"), unless the point repeats the participant's own words. Otherwise it
  replies "ok" at a checkpoint and "sign" at the review.
  Kinds are never relabelled, so the claim kinds the interviewer chose are what is scored.

Every reply's words are counted in ``words_typed``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from elicitor.bench.cases import Case, CaseFact, CaseRun
from elicitor.bench.matching import MATCH_THRESHOLD, CachedEncoder, shared_encoder
from elicitor.engine.voice import count_questions
from elicitor.session.state import Prompt

__all__ = [
    "INVITATION_PATTERNS",
    "ask_part",
    "mask_quoted_context",
    "MATCH_THRESHOLD",
    "Reply",
    "SimulatedParticipant",
    "first_person",
    "first_question",
    "is_invitation",
]

DONT_KNOW = "I don't know."
UNCLEAR = "Not sure what you mean."
CONFIRM = "ok"
SIGN = "sign"

# A prompt is an open invitation when, lower-cased, stripped of punctuation and of a short
# lead-in ("ok", "thanks", "I see"), it matches one of these patterns completely. A question
# that names its subject ("Can you tell me more about the export?") is a question, not an
# invitation, and is answered by meaning.
INVITATION_PATTERNS: tuple[str, ...] = (
    r"(?:can|could|would) you (?:please )?(?:tell me|say) (?:a bit |a little |some )?more"
    r"(?: about (?:that|it|this))?(?: please)?",
    r"(?:please )?tell me (?:a bit |a little |some )?more(?: about (?:that|it|this))?",
    r"(?:is there )?anything (?:else|more)(?: you (?:can|could|would like to|want to) "
    r"(?:add|share|tell me|mention))?",
    r"what else(?: (?:can you tell me|is there|do you remember|happened))?"
    r"(?: about (?:that|it|this))?",
    r"(?:please )?(?:go on|continue|keep going|say more)",
    r"and then what|what happened next|and then",
)
_INVITATION = re.compile(r"^(?:" + "|".join(INVITATION_PATTERNS) + r")$")
_LEAD_IN = re.compile(
    r"^(?:(?:ok(?:ay)?|thanks|thank you|great|i see|got it|right|sure)[,.!]?\s+)+"
)

# Subjects that facts use for the respondent. They become "I" in the participant's words.
_SUBJECT = r"(?:the (?:respondent|reporter|manager|participant)|participant [A-Z])(?![\w'])"
_POSSESSIVE = re.compile(
    r"\b(?:the (?:respondent|reporter|manager|participant)|participant [A-Z])'s\b",
    re.IGNORECASE,
)
_NARRATION_ADVERB = r"(?:first|initially|still|at first)"
# "X says (that) CLAUSE": the participant speaks the clause itself.
_REPORTED = re.compile(
    rf"^(?:{_NARRATION_ADVERB},?\s+)?{_SUBJECT}\s+(?:{_NARRATION_ADVERB}\s+)?"
    r"(?P<verb>says|said|claims|insists|states|judges)(?:\s+that)?[:,]?\s+(?P<clause>.+)$",
    re.IGNORECASE,
)
_SUBJECT_VERB = re.compile(
    rf"(?:\b{_NARRATION_ADVERB}\s+(?={_SUBJECT}))?\b{_SUBJECT}\s+"
    rf"(?:(?:{_NARRATION_ADVERB})\s+)?(?P<verb>[a-z]+)\b",
    re.IGNORECASE,
)
_IRREGULAR = {"is": "am", "has": "have", "does": "do", "was": "was"}
_THEY = (
    (re.compile(r"\bthey're\b", re.IGNORECASE), "I'm"),
    (re.compile(r"\bthey've\b", re.IGNORECASE), "I've"),
    (re.compile(r"\bthey are\b", re.IGNORECASE), "I am"),
    (re.compile(r"\bthey were\b", re.IGNORECASE), "I was"),
    (re.compile(r"\bthey\b", re.IGNORECASE), "I"),
    (re.compile(r"\btheir\b", re.IGNORECASE), "my"),
    (re.compile(r"\bthemselves\b", re.IGNORECASE), "myself"),
    (re.compile(r"\bthem\b", re.IGNORECASE), "me"),
)
_QUOTED = re.compile(r"^['\"‘“](?P<inner>.+?)['\"’”]?(?P<end>[.!?]?)['\"’”]?$")


def _first_person_verb(verb: str) -> str:
    lowered = verb.lower()
    if lowered in _IRREGULAR:
        return _IRREGULAR[lowered]
    if lowered.endswith("ies") and len(lowered) > 4:
        return lowered[:-3] + "y"
    if re.search(r"(?:ch|sh|ss|x|z)es$", lowered):
        return lowered[:-2]
    if lowered.endswith("s") and not lowered.endswith("ss"):
        return lowered[:-1]
    return lowered


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def _unquote(clause: str) -> str:
    match = _QUOTED.match(clause.strip())
    if match is None:
        return clause
    return match.group("inner").rstrip(".!?") + (match.group("end") or ".")


def _respondent_pronouns(text: str) -> str:
    for pattern, replacement in _THEY:
        text = pattern.sub(replacement, text)
    return text


def first_person(text: str) -> str:
    """Rewrite a fact about the respondent as the respondent would say it.

    "The respondent thinks X" becomes "I think X", "Participant A recalls X" becomes
    "I recall X", "At first the respondent says they have never changed any settings."
    becomes "I have never changed any settings.", and they/their/them become I/my/me in
    facts that speak of the respondent. Facts about other people are left as they are.
    """
    text = " ".join(text.split())
    speaks_of_respondent = (
        bool(re.search(_SUBJECT, text, re.IGNORECASE))
        or bool(_POSSESSIVE.search(text))
        or bool(re.match(r"^they\b", text, re.IGNORECASE))
    )
    if not speaks_of_respondent:
        return text

    reported = _REPORTED.match(text)
    if reported is not None:
        clause = _unquote(reported.group("clause"))
        if reported.group("verb").lower() == "judges":
            clause = "In my view, " + clause[0].lower() + clause[1:]
        return _sentence(_respondent_pronouns(clause))

    text = _POSSESSIVE.sub("my", text)
    text = _SUBJECT_VERB.sub(lambda m: "I " + _first_person_verb(m.group("verb")), text)
    return _sentence(_respondent_pronouns(text))


def _quote_spans(text: str) -> list[bool]:
    """Mark each character that sits inside double quotes (straight or curly)."""
    inside = [False] * len(text)
    open_quote = False
    for index, char in enumerate(text):
        if char == '"':
            open_quote = not open_quote
        elif char == "“":
            open_quote = True
        elif char == "”":
            open_quote = False
        inside[index] = open_quote or char in '"”'
    return inside


_BOUNDARY = re.compile(r"\s*(?:[,;]\s*(?:and|also|plus)?|\s(?:and|also|plus))\s+", re.IGNORECASE)


def first_question(text: str) -> str:
    """Cut a compound question down to its first part.

    Text with at most one question comes back unchanged. Otherwise the text is cut after
    the first '?' outside quotes, keeping any statement before it ('You said "X".'); if
    that sentence still glues two questions together ("What broke, and why did you
    restart it?") it is cut at the conjunction that leaves exactly one question.
    """
    if count_questions(text) <= 1:
        return text
    inside = _quote_spans(text)
    marks = [i for i, char in enumerate(text) if char == "?" and not inside[i]]
    head = text[: marks[0] + 1] if marks else text
    if count_questions(head) <= 1:
        return head
    sentence_start = max(head.rfind(". ", 0, len(head) - 1) + 1, 0)
    boundaries = [m for m in _BOUNDARY.finditer(head, sentence_start) if not inside[m.start()]]
    for boundary in reversed(boundaries):
        prefix = head[: boundary.start()].rstrip(" ,;") + "?"
        if count_questions(prefix) == 1:
            return prefix
    return head


# Quoted passages of at least this many words are the participant's earlier statements,
# quoted as context; shorter ones are terms the question asks about ('What does "slow" mean?').
QUOTED_CONTEXT_WORDS = 4
_QUOTE = re.compile(r'"[^"]*"|“[^”]*”')


def mask_quoted_context(text: str) -> str:
    """Replace quoted statements of ``QUOTED_CONTEXT_WORDS`` or more words with '"…"'.

    An interviewer that quotes the participant ('You said "X". When did that happen?')
    asks about the part outside the quotes. Matching the quote too would let any question
    that echoes earlier words pull out an unrelated fact sharing those words.
    """

    def replace(match: re.Match[str]) -> str:
        inner = match.group(0)[1:-1]
        return '"…"' if len(inner.split()) >= QUOTED_CONTEXT_WORDS else match.group(0)

    return _QUOTE.sub(replace, text)


def ask_part(text: str) -> str:
    """Return the question without leading statements such as 'You said "…".'."""
    masked = mask_quoted_context(text).strip()
    inside = _quote_spans(masked)
    cut = 0
    for match in re.finditer(r"[.!:]\s+", masked):
        if inside[match.start()] or "?" in masked[cut : match.start()]:
            continue
        if "?" in masked[match.end() :]:
            cut = match.end()
    return masked[cut:].strip()


def is_invitation(text: str) -> bool:
    """Tell whether ``text`` is a bare invitation to say more, with no subject of its own.

    Leading context ('You said "…".') is ignored, so 'You said "…". What else can you tell
    me about that?' is an invitation.
    """
    normal = ask_part(text).lower().strip()
    normal = re.sub(r"[?!.…]+$", "", normal).strip()
    normal = _LEAD_IN.sub("", normal).strip(" ,")
    return bool(_INVITATION.match(normal))


@dataclass
class Reply:
    """A participant reply: the text typed, the reply mode and the fact it revealed, if any."""

    text: str
    mode: str  # opening, answer, invitation, dont_know, unclear, confirm, corrections, sign
    fact_id: str | None = None
    similarity: float | None = None
    dropped: list[int] = field(default_factory=list)
    asked: str = ""

    @property
    def words(self) -> int:
        return len(self.text.split())


class SimulatedParticipant:
    """Simulated participant for one interview, replying from one case's hidden facts."""

    def __init__(
        self,
        case: Case,
        participant_id: str | None = None,
        *,
        encoder: CachedEncoder | None = None,
        threshold: float = MATCH_THRESHOLD,
    ) -> None:
        run = CaseRun(case, participant_id)
        self.case = case
        self.participant_id = participant_id
        self.threshold = threshold
        self.facts: list[CaseFact] = run.facts()
        self.opening = run.opening()
        self.spoken = {fact.id: first_person(fact.text) for fact in self.facts}
        self.keys = {fact.id: f"{fact.revealed_by}: {fact.text}" for fact in self.facts}
        self.revealed: list[str] = []
        self.words_typed = 0
        self.replies: list[Reply] = []
        self._encoder = encoder or shared_encoder()
        self._last_statement = ""
        self._opened = False

    # -- the public surface ----------------------------------------------------------------

    def respond(self, prompt: Prompt) -> Reply:
        """Return the reply to one prompt and count its words."""
        if prompt.kind in ("summary", "review"):
            reply = self._review(prompt)
        elif not self._opened:
            self._opened = True
            self._last_statement = self.opening
            reply = Reply(self.opening, "opening")
        else:
            reply = self._answer(prompt.text)
        reply.asked = prompt.text
        self.words_typed += reply.words
        self.replies.append(reply)
        return reply

    def fact_text(self, fact_id: str) -> str:
        """Return the fact as the participant says it, in the first person."""
        return self.spoken[fact_id]

    def matching_texts(self) -> tuple[list[str], list[str]]:
        """Return every known fact as spoken and as written in the case, with its fact id.

        Claims usually repeat the participant's first-person words, but an engine that
        rewrites them in the third person still matches the case's own wording.
        """
        texts = [self.spoken[fact.id] for fact in self.facts]
        texts += [fact.text for fact in self.facts]
        owners = [fact.id for fact in self.facts] * 2
        return texts, owners

    # -- questions ---------------------------------------------------------------------------

    def _answer(self, text: str) -> Reply:
        unrevealed = [fact for fact in self.facts if fact.id not in self.revealed]
        if is_invitation(text):
            keys = [self.spoken[fact.id] for fact in unrevealed]
            return self._reveal(self._last_statement, unrevealed, keys, mode="invitation")
        if not re.search(r"\w", text):
            return Reply(UNCLEAR, "unclear")
        question = mask_quoted_context(first_question(text))
        # Each fact is matched by its topic alone and by its topic with its text, whichever
        # is closer: "When did the problem start?" is the topic "when the underlying
        # problem started" even if the fact's long text is mostly about something else.
        candidates = unrevealed + unrevealed
        keys = [self.keys[fact.id] for fact in unrevealed]
        keys += [fact.revealed_by for fact in unrevealed]
        return self._reveal(question, candidates, keys, mode="answer")

    def _reveal(
        self, text: str, candidates: list[CaseFact], keys: list[str], *, mode: str
    ) -> Reply:
        if not candidates or not text:
            return Reply(DONT_KNOW, "dont_know")
        scores = self._encoder.similarities(text, keys)
        best = int(scores.argmax())
        similarity = float(scores[best])
        if similarity < self.threshold:
            return Reply(DONT_KNOW, "dont_know", similarity=similarity)
        fact = candidates[best]
        self.revealed.append(fact.id)
        spoken = self.spoken[fact.id]
        self._last_statement = spoken
        return Reply(spoken, mode, fact_id=fact.id, similarity=similarity)

    # -- checkpoints and the review ----------------------------------------------------------

    def unmatched_points(self, points: list[dict[str, Any]]) -> list[int]:
        """Return the numbers of points whose text matches none of this participant's facts."""
        texts, _ = self.matching_texts()
        said = [_words(reply.text) for reply in self.replies]
        numbers: list[int] = []
        for point in points:
            text = str(point.get("text", ""))
            # A clause cut from one of its own answers is its own words, even when the
            # clause alone is too short to match the whole fact.
            if _words(text) and any(_words(text) in answer for answer in said):
                continue
            scores = self._encoder.similarities(text, texts)
            if scores.size == 0 or float(scores.max()) < self.threshold:
                numbers.append(int(point["n"]))
        return numbers

    def _review(self, prompt: Prompt) -> Reply:
        dropped = self.unmatched_points(prompt.points)
        if dropped:
            text = "; ".join(f"drop {number}" for number in dropped)
            return Reply(text, "corrections", dropped=dropped)
        if prompt.kind == "review":
            return Reply(SIGN, "sign")
        return Reply(CONFIRM, "confirm")


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))
