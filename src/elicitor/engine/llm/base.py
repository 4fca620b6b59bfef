"""The contract between the model-backed analyst and voice and a chat backend.

A backend (OpenAI-compatible, Anthropic, the fake) implements ``ChatClient``: one call that
returns a JSON document for the analyst, and one streamed call that returns text for the
voice. Retries on bad output, validation and the fallback to the offline engine live in
``roles``, so every backend behaves the same way towards the interview.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Purpose = Literal["analyst", "voice", "aligner"]
Message = dict[str, str]
PieceSink = Callable[[str], None]


@dataclass
class ChatRequest:
    """One call to a model: the messages, and for the analyst the JSON Schema of the reply.

    ``messages`` use the OpenAI roles (system, user, assistant), and each backend maps them
    to its own wire format. ``hints`` carry values that are also in the prompt (the answer,
    the offline draft). The fake backend builds replies from them without parsing prompts,
    and real backends ignore them.
    """

    purpose: Purpose
    messages: list[Message]
    max_tokens: int
    temperature: float = 0.0
    schema: dict[str, Any] | None = None
    schema_name: str = "analysis"
    session_id: str = ""
    request_id: str = ""
    hints: dict[str, Any] = field(default_factory=dict)

    def prompt_text(self) -> str:
        return "\n".join(message["content"] for message in self.messages)


@dataclass
class ChatResult:
    """A model reply with what it cost. Token counts are the endpoint's own when it reports
    them; otherwise they are estimated from the text and ``tokens_estimated`` is True."""

    text: str
    input_tokens: int
    output_tokens: int
    latency_ms: float
    http_retries: int = 0
    tokens_estimated: bool = False
    finish_reason: str | None = None


class ChatClient(Protocol):
    """A chat backend. Methods raise ``elicitor.errors.ModelError`` subclasses on failure."""

    provider: str
    model: str
    endpoint: str

    def complete_json(self, request: ChatRequest) -> ChatResult:
        """Return the reply text, which should be one JSON object matching ``request.schema``."""
        ...

    def stream_text(self, request: ChatRequest, on_piece: PieceSink) -> ChatResult:
        """Stream the reply, calling ``on_piece`` with each text piece as it arrives."""
        ...


def estimate_tokens(text: str) -> int:
    """Return a rough token count: about four characters per token for English text."""
    return math.ceil(len(text) / 4) if text else 0


class PhrasedText(str):
    """A question returned by a model-backed voice, carrying the call's trace metadata.

    It is a ``str`` so it satisfies the voice protocol unchanged, and it carries ``meta``
    with the value so concurrent turns on a shared engine never read each other's meta.
    """

    meta: dict[str, Any]

    def __new__(cls, text: str, meta: dict[str, Any]) -> PhrasedText:
        value = super().__new__(cls, text)
        value.meta = meta
        return value


@dataclass
class CallMeta:
    """Running totals for one analyst or voice turn, stored in the event payload."""

    stage: Purpose
    backend: str
    model: str
    prompt_version: str
    input_tokens: int = 0
    # Wall time of the whole stage in milliseconds: every attempt, backoff wait and the
    # offline fallback, so it is what the participant waited for.
    output_tokens: int = 0
    latency_ms: float = 0.0
    attempts: int = 0
    retries: int = 0
    tokens_estimated: bool = False
    fallback: bool = False
    error: str | None = None

    def add(self, result: ChatResult) -> None:
        self.attempts += 1
        self.input_tokens += result.input_tokens
        self.output_tokens += result.output_tokens
        self.retries += result.http_retries
        self.tokens_estimated = self.tokens_estimated or result.tokens_estimated

    def fail(self, error: str, *, retries: int = 0) -> None:
        self.fallback = True
        self.error = error
        self.retries += retries

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "backend": self.backend,
            "model": self.model,
            "prompt_version": self.prompt_version,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "latency_ms": round(self.latency_ms, 2),
            "attempts": self.attempts,
            "retries": self.retries,
            "tokens_estimated": self.tokens_estimated,
            "fallback": self.fallback,
            "error": self.error,
        }
