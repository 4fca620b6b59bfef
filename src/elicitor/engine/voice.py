"""The offline voice: turns a move into exactly one short question.

Questions quote the participant's own words where they can. ``count_questions`` is the
one-question rule that every voice, offline or model-backed, must pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from elicitor.briefing.model import Briefing
from elicitor.engine.policy import Move
from elicitor.session.state import Claim, SessionState

MAX_QUOTE_WORDS = 14

_QUESTION_WORD = (
    r"(?:what|how|why|when|where|who|whom|which|whose|do|does|did|can|could|would|will|is|are|"
    r"was|were|have|has|had|should)"
)
# A second question glued on with "and"/"also": "What broke, and why did you restart it?"
_GLUED_QUESTION = re.compile(
    r"(?:,|;|\band\b|\balso\b|\bplus\b)\s+(?:and\s+)?(?:also\s+)?"
    + _QUESTION_WORD
    + r"\s+(?:you|it|they|we|the|that|this|there|i|he|she)\b",
    re.IGNORECASE,
)
# "What", "how", "why" after a conjunction start a second question even without a subject.
_GLUED_WH = re.compile(
    r"(?:;|,\s*and|\band)\s+(?:what|how|why|when|where|who|which)\b", re.IGNORECASE
)


def count_questions(text: str) -> int:
    """Return how many separate things ``text`` asks; a good question gives 1.

    Options inside one question ("an error, a spinner, or nothing?") count once, and a
    clause that quotes the participant before the question ("You said ... .") is fine.
    """
    body = re.sub(r'"[^"]*"|“[^”]*”', '"Q"', text)
    marks = body.count("?")
    if marks == 0:
        return 0
    glued = len(_GLUED_QUESTION.findall(body)) + len(_GLUED_WH.findall(body))
    return marks + glued


def quote(text: str, *, focus: str = "", max_words: int = MAX_QUOTE_WORDS) -> str:
    """Shorten a claim to a quotable fragment of at most ``max_words`` around ``focus``."""
    clean = text.strip().rstrip(".!?").replace('"', "'")
    words = clean.split()
    if len(words) <= max_words:
        return clean
    start = 0
    if focus:
        lowered = [w.lower().strip(",.;:()'") for w in words]
        first = focus.lower().split()[0]
        if first in lowered:
            start = max(0, min(lowered.index(first) - max_words // 2, len(words) - max_words))
    fragment = " ".join(words[start : start + max_words])
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + max_words < len(words) else ""
    return f"{prefix}{fragment}{suffix}"


_SUBJECT_SPLIT = re.compile(
    r"\b(doesn't|does not|didn't|did not|isn't|is not|won't|stopped|is|was|keeps|just|never)\b",
    re.IGNORECASE,
)


def _action_phrase(claim: Claim, term: str) -> str:
    """Guess what the participant does when it fails: 'click the export button'."""
    lowered = claim.text.lower()
    before = lowered.split(term, 1)[0] if term in lowered else lowered
    subject = _SUBJECT_SPLIT.split(before, maxsplit=1)[0].strip(" ,.")
    subject = re.sub(r"^(?:so|and|but|well|the|my|our|this|that)\s+", "the ", subject).strip()
    if not subject or subject in ("it", "the", "they", "this", "that"):
        return "try it"
    if not subject.startswith(("the ", "a ", "an ")):
        subject = "the " + subject
    words = subject.split()
    if len(words) > 6:
        return "try it"
    if any(w in ("button", "link", "icon", "menu", "tab", "checkbox") for w in words):
        return f"click {subject}"
    return f"use {subject}"


def pin_down_question(claim: Claim, term: str) -> str:
    category, word = term.split(":", 1)
    said = quote(claim.text, focus=word)
    if category == "failure":
        action = _action_phrase(claim, word)
        return (
            f'When you say it "{word}", what exactly happens when you {action}: an error, '
            "a spinner, a freeze, or nothing at all?"
        )
    if category == "duration":
        return f'You said "{said}". Roughly how long is "{word}", in seconds or minutes?'
    if category == "speed":
        if claim.kind == "judgment" or "must" in claim.text.lower() or "need" in claim.text.lower():
            return f'You said "{said}". What time in seconds would count as "{word}" enough?'
        return f'You said "{said}". How long does it take, in seconds?'
    if category == "frequency":
        return f'You said "{said}". Out of ten tries, about how many times does it happen?'
    if category == "size":
        return f'You said "{said}". About how big is that, in megabytes, rows or items?'
    if category == "amount":
        return f'You said "{said}". About how many is "{word}"?'
    if category == "quality":
        return f'You said "{said}". What would "{word}" mean as something you could measure?'
    return f'You said "{said}". When exactly was that, as a date or a time?'


class OfflineVoice:
    """Phrases moves from fixed patterns; deterministic."""

    name = "offline"

    def phrase(
        self,
        move: Move,
        *,
        briefing: Briefing,
        state: SessionState,
        on_text: Callable[[str], None] | None = None,
    ) -> str:
        """Return the question for ``move``; ``on_text`` gets it whole (nothing to stream)."""
        text = self._compose(move, briefing=briefing, state=state)
        if on_text is not None:
            on_text(text)
        return text

    def _compose(self, move: Move, *, briefing: Briefing, state: SessionState) -> str:
        claims = [state.claims[c] for c in move.claim_ids if c in state.claims]
        if move.name == "raise_contradiction" and len(claims) == 2:
            first, second = claims
            return (
                f'Earlier you said "{quote(first.text)}", and later "{quote(second.text)}". '
                "Which one is right, or were these two different things?"
            )
        if move.name == "pin_down" and claims:
            return pin_down_question(claims[0], move.term)
        if move.name == "ask_detail" and claims:
            return f'You said "{quote(claims[0].text)}". What number would you put on that?'
        if move.name == "ask_rationale" and claims:
            return f'You said "{quote(claims[0].text)}". What makes you say that?'
        if move.name == "check_assumption" and claims:
            return f'You said "{quote(claims[0].text)}". How could we confirm that?'
        if move.name == "ask_counterexample" and claims:
            return (
                f'You said "{quote(claims[0].text)}". Was there ever a time when it went '
                "differently?"
            )
        if move.name == "ask_example" and claims:
            return f'Could you give one concrete example of "{quote(claims[0].text)}"?'
        if move.name == "open_topic" and move.topic_id:
            return briefing.topic(move.topic_id).question
        if move.name == "probe" and move.probe:
            return move.probe
        raise ValueError(f"the offline voice cannot phrase move {move.name!r}")
