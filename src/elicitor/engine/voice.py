"""The offline voice: turns a move into exactly one short question.

Questions quote the participant's own words where they can. ``count_questions`` is the
one-question rule that every voice, offline or model-backed, must pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from elicitor.briefing.model import Briefing
from elicitor.engine.analyst import denies_change
from elicitor.engine.policy import Move
from elicitor.session.state import Claim, SessionState

MAX_QUOTE_WORDS = 14

_QUESTION_WORD = (
    r"(?:what|how|why|when|where|who|whom|which|whose|do|does|did|can|could|would|will|is|are|"
    r"was|were|have|has|had|should)"
)
# A second question glued on with "and"/"also": "What broke, and why did you restart it?"
_GLUED_QUESTION = re.compile(
    r"(?:;|\band\b|\balso\b|\bplus\b)\s+(?:also\s+)?"
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
    if not subject or subject.split()[-1] in ("it", "the", "they", "this", "that", "i", "we"):
        return "try it"
    if subject.split()[0] in ("i", "we", "you", "they", "it", "he", "she"):
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
        if action == "try it":
            return f'You said "{said}". What exactly did you see happen?'
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


MAX_ANCHOR_WORDS = 9


_SUBORDINATE = re.compile(
    r"^(?:since|when|after|before|if|while|although|because|once|whenever|ever since)\b",
    re.IGNORECASE,
)


def subject_of(state: SessionState) -> str:
    """Return the participant's own short name for what the interview is about.

    It is the main clause of their first substantial statement, at most
    ``MAX_ANCHOR_WORDS`` words: "Since I came back from a trip, meetings show up at the
    wrong time" gives "meetings show up at the wrong time".
    """
    for claim in state.active_claims():
        text = claim.text.rstrip(".!?").replace('"', "'")
        parts = [p.strip() for p in text.split(", ")]
        if len(parts) > 1 and _SUBORDINATE.match(parts[0]):
            text = ", ".join(parts[1:])
        text = re.split(r"\s+(?:and|but|so)\s+(?:it|i|we|they|then)\b", text, maxsplit=1)[0]
        words = text.split()
        if len(words) < 3:
            continue
        if len(words) > MAX_ANCHOR_WORDS:
            return " ".join(words[:MAX_ANCHOR_WORDS]) + " …"
        return text
    return ""


def anchor(question: str, state: SessionState) -> str:
    """Tie a topic's opening question to the participant's own words, when there are any."""
    subject = subject_of(state)
    if not subject or '"' in question:
        return question
    return f'About "{subject}": {question[0].lower()}{question[1:]}'


def fill_action(question: str, state: SessionState) -> str:
    """Replace ``{action}`` in a template question with what the participant does."""
    if "{action}" not in question:
        return question
    action = "try it"
    for claim in state.active_claims():
        failures = [t.split(":", 1)[1] for t in claim.vague_terms if t.startswith("failure:")]
        if failures:
            action = _action_phrase(claim, failures[0])
            break
    return question.replace("{action}", action)


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
            return _contradiction_question(move, claims[0], claims[1], state)
        if move.name == "pin_down" and claims:
            return pin_down_question(claims[0], move.term)
        if move.name == "ask_counterexample" and claims:
            return _exception_question(claims[0])
        if move.name in _ABOUT_A_CLAIM and claims:
            return f'You said "{quote(claims[0].text)}". {_ABOUT_A_CLAIM[move.name]}'
        if move.name == "ask_example" and claims:
            return f'Could you give one concrete example of "{quote(claims[0].text)}"?'
        if move.name == "open_topic" and move.topic_id:
            question = fill_action(briefing.topic(move.topic_id).question, state)
            return anchor(question, state)
        if move.name == "probe" and move.probe:
            return fill_action(move.probe, state)
        raise ValueError(f"the offline voice cannot phrase move {move.name!r}")


# Follow-ups phrased as the participant's quoted words and one fixed question.
_ABOUT_A_CLAIM = {
    "ask_detail": "What number would you put on that?",
    "ask_rationale": "What makes you say that?",
    "check_assumption": "How could we confirm that?",
    "ask_when": "When did that happen?",
    "ask_why": "What was the reason for that?",
    "elaborate": "What else can you tell me about that?",
}


def _contradiction_question(move: Move, first: Claim, second: Claim, state: SessionState) -> str:
    both = f'Earlier you said "{quote(first.text)}", and later "{quote(second.text)}".'
    contradiction = state.contradictions.get(move.contradiction_id)
    vague = [t.split(":", 1)[1] for t in first.vague_terms]
    if contradiction is not None and contradiction.kind == "refinement" and vague:
        return f'{both} Is that what "{vague[0]}" means here?'
    return f"{both} Which one is right, or were these two different things?"


def _exception_question(claim: Claim) -> str:
    said = quote(claim.text)
    if denies_change(claim.text):
        return f'You said "{said}". Was there any change at all, even a small or automatic one?'
    if claim.negated:
        return f'You said "{said}". Can you think of any exception, even a small or old one?'
    return f'You said "{said}". Was there ever a time when it went differently?'
