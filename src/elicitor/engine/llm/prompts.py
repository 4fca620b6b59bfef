"""Prompt templates and the bounded context sent to a model on each turn.

A turn's prompt contains a briefing digest, a running summary of recent and on-topic claims,
the open items and the last few turns, never the whole transcript, so the tokens sent
per turn stay flat and a session's cost grows linearly with its length. Private requester
notes are never part of any prompt. Participant text always sits inside tags that the
system prompt declares to be data.

The templates are package files; the SHA-256 of a role's templates (and, for the analyst,
of its reply schema) is that role's prompt version, recorded with every turn.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from string import Template
from typing import Any

from elicitor.briefing.model import Briefing
from elicitor.engine.policy import Move
from elicitor.session.events import canonical_json
from elicitor.session.state import Claim, SessionState


@dataclass(frozen=True)
class ContextLimits:
    """How much of the session goes into one prompt; None means no limit."""

    recent_turns: int | None = 4
    max_claims: int | None = 24
    claim_words: int | None = 40
    turn_chars: int | None = 600
    question_chars: int | None = 300
    topic_chars: int | None = 240


DEFAULT_LIMITS = ContextLimits()
# Limits of a full-transcript prompt: every turn and every claim, untruncated.
UNBOUNDED = ContextLimits(None, None, None, None, None, None)

_DATA_TAGS = re.compile(
    r"<(/?)(participant_answer|earlier_turns|recorded_claims|move_claims)", re.IGNORECASE
)

MOVE_PURPOSES = {
    "raise_contradiction": "point out that two of the participant's statements disagree, "
    "quoting both, and ask which one is right",
    "pin_down": "ask what the vague word means in terms someone could check or measure",
    "ask_detail": "ask for the number (a time, a size, a count) that this statement lacks",
    "ask_rationale": "ask for the reason behind this judgment",
    "check_assumption": "ask how this belief could be confirmed, or who would know",
    "ask_example": "ask for one concrete example",
    "ask_counterexample": "ask for a time when it went differently",
    "ask_when": "ask when the change happened",
    "ask_why": "ask why the change was made",
    "open_topic": "open a new topic of the interview",
    "probe": "ask for one missing detail of the current topic",
}


@dataclass(frozen=True)
class PromptTemplate:
    system: str
    user: str
    version: str

    def render(self, **values: str) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": self.system.strip()},
            {"role": "user", "content": Template(self.user).substitute(values).strip()},
        ]


def _read(name: str) -> str:
    return (resources.files("elicitor.engine.llm") / "prompts" / name).read_text(encoding="utf-8")


@lru_cache(maxsize=4)
def template(role: str, *, schema: str = "") -> PromptTemplate:
    """Load ``role``'s templates ('analyst' or 'voice') and compute its prompt version.

    ``schema`` is the canonical JSON of the reply schema, which is part of the version.
    """
    system = _read(f"{role}_system.txt")
    user = _read(f"{role}_user.txt")
    digest = hashlib.sha256("\0".join((system, user, schema)).encode("utf-8")).hexdigest()
    return PromptTemplate(system, user, digest)


def as_data(text: str) -> str:
    """Neutralise tags inside participant text so it cannot close its own data block."""
    return _DATA_TAGS.sub(lambda m: f"‹{m.group(1)}{m.group(2)}", text)


def _cut(text: str, limit: int | None) -> str:
    text = " ".join(text.split())
    if limit is None or len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def _cut_words(text: str, limit: int | None) -> str:
    words = text.split()
    if limit is None or len(words) <= limit:
        return " ".join(words)
    return " ".join(words[:limit]) + " …"


# --- pieces of context ----------------------------------------------------------------


def topics_digest(briefing: Briefing, limits: ContextLimits) -> str:
    lines = []
    for topic in briefing.topics:
        required = "required" if topic.required else "optional"
        description = _cut(topic.description, limits.topic_chars)
        line = f"- {topic.id} ({required}): {topic.title}. {description}"
        if topic.covered_when:
            line += f" Covered when: {_cut(topic.covered_when, limits.topic_chars)}"
        lines.append(line)
    return "\n".join(lines)


def select_claims(
    state: SessionState, *, topic_id: str | None, limits: ContextLimits
) -> list[Claim]:
    """Return the claims worth showing: those on ``topic_id`` first, then the most recent,
    at most ``limits.max_claims``, in the order they were recorded."""
    active = state.active_claims()
    if limits.max_claims is None or len(active) <= limits.max_claims:
        return active
    on_topic = [c for c in active if topic_id and c.topic_id == topic_id]
    chosen = {c.id for c in on_topic[-limits.max_claims :]}
    for claim in reversed(active):
        if len(chosen) >= limits.max_claims:
            break
        chosen.add(claim.id)
    return [c for c in active if c.id in chosen]


def format_claim(claim: Claim, limits: ContextLimits) -> str:
    topic = claim.topic_id or "none"
    text = as_data(_cut_words(claim.text, limits.claim_words))
    return f"{claim.id} [{claim.kind}; topic={topic}; {claim.status}]: {text}"


def recent_turns(
    state: SessionState, limits: ContextLimits, *, before_seq: int | None = None
) -> str:
    """Return the last question/answer pairs, oldest first, as tagged data lines."""
    answers = [a for a in state.answers if before_seq is None or a["seq"] < before_seq]
    if limits.recent_turns is not None:
        answers = answers[-limits.recent_turns :] if limits.recent_turns else []
    lines = []
    for answer in answers:
        question = state.question(answer["question_seq"]) if answer.get("question_seq") else None
        if question is not None and question["kind"] in ("summary", "review"):
            # The points are already under the recorded claims; repeating the listing here
            # would spend the turn budget on text the model has seen.
            shown = "summary checkpoint" if question["kind"] == "summary" else "final review"
            lines.append(f"Interviewer: (showed the {shown} of {len(question['points'])} points)")
        elif question is not None:
            lines.append(f"Interviewer: {as_data(_cut(question['text'], limits.question_chars))}")
        lines.append(f"Participant: {as_data(_cut(answer['text'], limits.turn_chars))}")
    return "\n".join(lines) or "(none yet)"


def open_items(briefing: Briefing, state: SessionState) -> str:
    lines = []
    for topic in briefing.topics:
        if topic.required and topic.id not in state.covered_topics:
            lines.append(f"- required topic {topic.id} is not covered yet")
    for contradiction in state.contradictions.values():
        if contradiction.status != "resolved":
            lines.append(
                f"- contradiction {contradiction.id} between {contradiction.claim_a} and "
                f"{contradiction.claim_b} is unresolved"
            )
    return "\n".join(lines) or "(nothing)"


# --- whole prompts --------------------------------------------------------------------


def analyst_messages(
    text: str,
    *,
    briefing: Briefing,
    state: SessionState,
    answer_seq: int,
    question: dict[str, Any] | None,
    schema: dict[str, Any],
    limits: ContextLimits = DEFAULT_LIMITS,
) -> tuple[list[dict[str, str]], str]:
    """Return the analyst's messages for one answer and the prompt version."""
    prompt = template("analyst", schema=canonical_json(schema))
    topic_id = question.get("topic_id") if question else None
    claims = select_claims(state, topic_id=topic_id, limits=limits)
    total = len(state.active_claims())
    note = f"all {total}" if len(claims) == total else f"{len(claims)} of {total}"
    messages = prompt.render(
        title=briefing.title,
        goal=_cut(briefing.goal, limits.topic_chars),
        topics=topics_digest(briefing, limits),
        claim_note=note,
        claims="\n".join(format_claim(c, limits) for c in claims) or "(none yet)",
        open_items=open_items(briefing, state),
        recent_turns=recent_turns(state, limits, before_seq=answer_seq),
        question_topic=topic_id or "none",
        question=as_data(_cut(str(question.get("text", "")), limits.question_chars))
        if question
        else "(none: the participant added this on their own)",
        answer=as_data(text.strip()),
    )
    return messages, prompt.version


def voice_messages(
    move: Move,
    *,
    briefing: Briefing,
    state: SessionState,
    draft: str,
    limits: ContextLimits = DEFAULT_LIMITS,
) -> tuple[list[dict[str, str]], str]:
    """Return the voice's messages for ``move`` and the prompt version.

    Only public briefing fields are used: never ``private_notes``.
    """
    prompt = template("voice")
    titles = {t.id: t.title for t in briefing.topics}
    claims = [state.claims[c] for c in move.claim_ids if c in state.claims]
    claim_lines = [format_claim(c, limits) for c in claims]
    if move.term:
        claim_lines.append(f"vague word: {as_data(move.term.split(':', 1)[-1])}")
    purpose = MOVE_PURPOSES.get(move.name, move.name.replace("_", " "))
    messages = prompt.render(
        title=briefing.title,
        goal=_cut(briefing.goal, limits.topic_chars),
        audience=_cut(briefing.audience, limits.topic_chars) or "not described",
        tone=briefing.tone,
        language=briefing.language,
        topic=titles.get(move.topic_id or "", "none"),
        move=purpose,
        reason=as_data(move.reason),
        claims="\n".join(claim_lines) or "(nothing specific)",
        recent_turns=recent_turns(state, limits),
        draft=as_data(draft) or "(none)",
    )
    return messages, prompt.version
