"""Baseline interviewers that run through the same participant and scoring as the engine.

- ``form``: a static form. It asks each briefing topic's ``question`` once, in briefing
  order, then goes to the review. No follow-ups, no checkpoints.
- ``prober``: a generic prober. It asks "Can you tell me more?" a fixed number of times
  (``PROBER_QUESTIONS``), then goes to the review.

Both reuse the offline analyst, so claims, kinds and the artifact are built exactly as for
the offline engine; only the questions differ, and their wording is fixed here rather than
taken from the offline voice.
"""

from __future__ import annotations

from collections.abc import Callable

from elicitor.briefing.model import Briefing
from elicitor.engine.analyst import OfflineAnalyst
from elicitor.engine.policy import Move, Policy
from elicitor.engine.registry import Engine
from elicitor.session.state import SessionState

PROBER_QUESTIONS = 20
PROBER_TEXT = "Can you tell me more?"
PROBER_MOVE = "tell_me_more"
BASELINE_NAMES = ("form", "prober")


class FormPolicy(Policy):
    """Static-form policy: every topic's opening question in briefing order, then the review."""

    def next_move(self, briefing: Briefing, state: SessionState) -> Move:
        for topic in briefing.topics:
            angle = f"topic:{topic.id}"
            if angle in state.angles_done:
                continue
            return Move(
                "open_topic",
                f"static form: topic '{topic.title}' is next in briefing order",
                angle=angle,
                topic_id=topic.id,
            )
        return Move("wrap_up", "static form: every topic question has been asked", angle="wrap_up")


class ProberPolicy(Policy):
    """Generic-prober policy: "Can you tell me more?" ``questions`` times, then the review."""

    def __init__(self, questions: int = PROBER_QUESTIONS) -> None:
        super().__init__()
        if questions < 0:
            raise ValueError(f"questions must be 0 or more, got {questions}")
        self.questions = questions

    def next_move(self, briefing: Briefing, state: SessionState) -> Move:
        asked = sum(1 for question in state.questions if question["move"] == PROBER_MOVE)
        if asked >= self.questions:
            return Move(
                "wrap_up",
                f"generic prober: asked for more {asked} times",
                angle="wrap_up",
            )
        return Move(
            PROBER_MOVE,
            "generic prober: always asks for more",
            angle=f"more:{asked + 1}",
        )


class BaselineVoice:
    """Phrases the baselines' two moves with fixed text, independent of the engine's voice.

    A static form asks each topic's question exactly as the briefing words it, and the
    prober always asks ``PROBER_TEXT``, so changes to the offline voice never move the
    baselines.
    """

    name = "baseline"

    def phrase(
        self,
        move: Move,
        *,
        briefing: Briefing,
        state: SessionState,
        on_text: Callable[[str], None] | None = None,
    ) -> str:
        if move.name == PROBER_MOVE:
            text = PROBER_TEXT
        elif move.name == "open_topic" and move.topic_id:
            text = briefing.topic(move.topic_id).question
        else:
            raise ValueError(f"the baseline voice cannot phrase move {move.name!r}")
        if on_text is not None:
            on_text(text)
        return text


def baseline_policy(name: str) -> Policy:
    """Return a fresh policy for the baseline ``name`` ('form' or 'prober')."""
    if name == "form":
        return FormPolicy()
    if name == "prober":
        return ProberPolicy()
    raise ValueError(f"unknown baseline {name!r}; use one of {', '.join(BASELINE_NAMES)}")


def baseline_engine(name: str) -> Engine:
    """Return the engine a baseline runs with: the offline analyst and the baseline voice."""
    if name not in BASELINE_NAMES:
        raise ValueError(f"unknown baseline {name!r}; use one of {', '.join(BASELINE_NAMES)}")
    return Engine("offline", "offline", f"baseline-{name}", OfflineAnalyst(), BaselineVoice())
