"""A public fake model backend for deterministic tests: ``fake:scripted``.

``FakeChatClient`` records every request it receives and replies from per-role scripts.
A script entry is reply text, or an exception to raise (for example
``ModelUnavailable("...")``). When a role's script is empty the client answers with a
built-in reply made only from the request: for the analyst, one claim per sentence of the
answer, labelled with the offline word lists; for the voice, the offline draft question;
for the synthesis aligner, "not the same".
Token counts are estimated as one token per four characters.

    client = FakeChatClient(voice=["What broke? And when? And why?"])
    interviewer = Interviewer(store, engine=build_engine(client))
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from elicitor.engine import cues
from elicitor.engine.analyst import classify_kind, detect_non_answer, find_vague_terms, split_claims
from elicitor.engine.llm.base import ChatRequest, ChatResult, PieceSink, estimate_tokens
from elicitor.engine.quantities import find_quantities
from elicitor.engine.registry import Engine

ScriptEntry = str | BaseException


@dataclass
class RecordedCall:
    """One request the fake received, and the reply text it gave (None when it raised)."""

    request: ChatRequest
    reply: str | None

    @property
    def purpose(self) -> str:
        return self.request.purpose

    @property
    def prompt(self) -> str:
        return self.request.prompt_text()


class FakeChatClient:
    """A scripted stand-in for a chat endpoint. Safe to share between threads."""

    provider = "fake"

    def __init__(
        self,
        *,
        analyst: Iterable[ScriptEntry] = (),
        voice: Iterable[ScriptEntry] = (),
        aligner: Iterable[ScriptEntry] = (),
        model: str = "scripted",
    ) -> None:
        self.model = model
        self.endpoint = "fake://" + model
        self.calls: list[RecordedCall] = []
        self._scripts: dict[str, deque[ScriptEntry]] = {
            "analyst": deque(analyst),
            "voice": deque(voice),
            "aligner": deque(aligner),
        }
        self._lock = threading.Lock()

    def script(self, purpose: str, *entries: ScriptEntry) -> None:
        """Queue more scripted replies for 'analyst', 'voice' or 'aligner'."""
        with self._lock:
            self._scripts[purpose].extend(entries)

    def prompts(self, purpose: str | None = None, *, session_id: str | None = None) -> list[str]:
        """Return the prompts received, optionally for one role and one session."""
        return [
            call.prompt
            for call in self.calls
            if (purpose is None or call.purpose == purpose)
            and (session_id is None or call.request.session_id == session_id)
        ]

    def complete_json(self, request: ChatRequest) -> ChatResult:
        text = self._next(request)
        return _result(request, text)

    def stream_text(self, request: ChatRequest, on_piece: PieceSink) -> ChatResult:
        text = self._next(request)
        for piece in _pieces(text):
            on_piece(piece)
        return _result(request, text)

    def _next(self, request: ChatRequest) -> str:
        with self._lock:
            script = self._scripts[request.purpose]
            entry = script.popleft() if script else None
        if isinstance(entry, BaseException):
            self.calls.append(RecordedCall(request, None))
            raise entry
        text = entry if entry is not None else default_reply(request)
        self.calls.append(RecordedCall(request, text))
        return text


def _result(request: ChatRequest, text: str) -> ChatResult:
    return ChatResult(
        text=text,
        input_tokens=estimate_tokens(request.prompt_text()),
        output_tokens=estimate_tokens(text),
        latency_ms=0.0,
        tokens_estimated=True,
        finish_reason="stop",
    )


def _pieces(text: str) -> list[str]:
    """Split text into word-sized pieces that join back to the same text."""
    words = text.split(" ")
    return [word + " " for word in words[:-1]] + [words[-1]] if text else []


def default_reply(request: ChatRequest) -> str:
    """Build a valid reply from the request's hints, with no model at all."""
    if request.purpose == "voice":
        return str(request.hints.get("draft") or "Could you say more about that?")
    if request.purpose == "aligner":
        return json.dumps({"same": False})
    answer = str(request.hints.get("answer", ""))
    non_answer = detect_non_answer(answer)
    if non_answer:
        return json.dumps(_empty(non_answer))
    topic_id = request.hints.get("question_topic_id")
    claims = []
    for piece in split_claims(answer):
        kind, hedges, _ = classify_kind(piece)
        quantities = find_quantities(piece)
        claims.append(
            {
                "text": piece,
                "kind": kind,
                "topic_id": topic_id,
                "quantities": [q.text for q in quantities],
                "vague_terms": [
                    {"category": term.split(":", 1)[0], "term": term.split(":", 1)[1]}
                    for term in find_vague_terms(piece, has_quantity=bool(quantities))
                ],
                "hedges": hedges,
                "is_example": bool(cues.find(cues.EXAMPLE_CUES, piece)),
                "negated": bool(cues.find(cues.NEGATIONS, piece)),
                "generalization": bool(cues.find(cues.GENERALIZATIONS, piece)),
            }
        )
    reply = _empty(None if claims else "unclear")
    reply["claims"] = claims
    return json.dumps(reply)


def _empty(non_answer: str | None) -> dict[str, Any]:
    return {"non_answer": non_answer, "claims": [], "contradictions": [], "covered_topics": []}


def create_engine(model: str) -> Engine:
    """Build a ``fake:NAME`` engine with empty scripts (entry point factory)."""
    from elicitor.engine.llm import build_engine

    return build_engine(FakeChatClient(model=model.strip() or "scripted"))
