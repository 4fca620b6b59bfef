"""Backend for Anthropic's Messages API: ``anthropic:MODEL``.

The analyst's structured reply comes from a forced tool call whose ``input_schema`` is the
analysis schema; the voice streams text deltas. The key comes from
ELICITOR_ANTHROPIC_API_KEY, ANTHROPIC_API_KEY or the secrets file; ELICITOR_ANTHROPIC_BASE_URL
points at a proxy or gateway that speaks the same API.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import httpx

from elicitor.engine.llm._http import (
    Clock,
    HttpEndpoint,
    Sleep,
    SSEEvent,
    decode_event_data,
    is_loopback_url,
)
from elicitor.engine.llm.base import ChatRequest, ChatResult, PieceSink, estimate_tokens
from elicitor.engine.registry import Engine
from elicitor.errors import ConfigurationError, ModelOutputInvalid, ModelUnavailable
from elicitor.settings import LLMSettings, read_secret

log = logging.getLogger(__name__)

KEY_VARIABLES = ("ELICITOR_ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY")
API_VERSION = "2023-06-01"
MESSAGES_PATH = "/v1/messages"
TOOL_NAME = "record_analysis"
TOOL_DESCRIPTION = "Record the analysis of the participant's answer."


class AnthropicClient:
    """A thin client for ``POST /v1/messages``, plain JSON and streamed."""

    provider = "anthropic"

    def __init__(
        self,
        model: str,
        *,
        settings: LLMSettings,
        base_url: str | None = None,
        api_key: str | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        self.model = model
        self.endpoint = (base_url or settings.anthropic_base_url).rstrip("/")
        headers = {"accept": "application/json", "anthropic-version": API_VERSION}
        if api_key:
            headers["x-api-key"] = api_key
        self._http = HttpEndpoint(
            provider=self.provider,
            base_url=self.endpoint,
            headers=headers,
            settings=settings,
            transport=transport,
            sleep=sleep,
            clock=clock,
            key_hint=" or ".join(KEY_VARIABLES),
        )

    def __repr__(self) -> str:
        return f"AnthropicClient(model={self.model!r}, endpoint={self.endpoint!r})"

    def close(self) -> None:
        self._http.close()

    def complete_json(self, request: ChatRequest) -> ChatResult:
        started = time.perf_counter()
        body = self._body(request)
        body["tools"] = [
            {
                "name": TOOL_NAME,
                "description": TOOL_DESCRIPTION,
                "input_schema": request.schema or {"type": "object"},
            }
        ]
        body["tool_choice"] = {"type": "tool", "name": TOOL_NAME}
        data, retries = self._http.post_json(MESSAGES_PATH, body, request_id=request.request_id)
        text = _reply_text(data.get("content"))
        usage = data.get("usage") or {}
        input_tokens, output_tokens = _input_tokens(usage), usage.get("output_tokens")
        estimated = input_tokens is None or not isinstance(output_tokens, int)
        return ChatResult(
            text=text,
            input_tokens=estimate_tokens(request.prompt_text()) if estimated else input_tokens,
            output_tokens=estimate_tokens(text) if estimated else output_tokens,
            latency_ms=(time.perf_counter() - started) * 1000,
            http_retries=retries,
            tokens_estimated=estimated,
            finish_reason=data.get("stop_reason"),
        )

    def stream_text(self, request: ChatRequest, on_piece: PieceSink) -> ChatResult:
        started = time.perf_counter()
        body = self._body(request) | {"stream": True}
        with self._http.open_stream(MESSAGES_PATH, body, request_id=request.request_id) as stream:
            reader = _StreamReader(self.endpoint, on_piece)
            reader.read(stream.events())
        text = "".join(reader.pieces)
        estimated = reader.input_tokens is None or reader.output_tokens is None
        return ChatResult(
            text=text,
            input_tokens=estimate_tokens(request.prompt_text())
            if reader.input_tokens is None
            else reader.input_tokens,
            output_tokens=estimate_tokens(text)
            if reader.output_tokens is None
            else reader.output_tokens,
            latency_ms=(time.perf_counter() - started) * 1000,
            http_retries=stream.retries,
            tokens_estimated=estimated,
            finish_reason=reader.stop_reason,
        )

    def _body(self, request: ChatRequest) -> dict[str, Any]:
        """Map OpenAI-style messages to the Messages API: system text goes top-level."""
        system = "\n\n".join(m["content"] for m in request.messages if m["role"] == "system")
        messages = [
            {"role": m["role"], "content": m["content"]}
            for m in request.messages
            if m["role"] != "system"
        ]
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_tokens,
            "messages": messages,
            "temperature": request.temperature,
        }
        if system:
            body["system"] = system
        return body


def _input_tokens(usage: dict[str, Any]) -> int | None:
    """Return all input tokens, cached ones included, or None when the usage lacks them."""
    base = usage.get("input_tokens")
    if not isinstance(base, int):
        return None
    cached = [usage.get("cache_creation_input_tokens"), usage.get("cache_read_input_tokens")]
    return base + sum(c for c in cached if isinstance(c, int))


def _reply_text(content: Any) -> str:
    """Return the forced tool call's input as JSON text, else the text blocks joined."""
    if not isinstance(content, list):
        raise ModelOutputInvalid("the reply has no content blocks")
    for block in content:
        if not isinstance(block, dict) or block.get("type") != "tool_use":
            continue
        if block.get("name") == TOOL_NAME and isinstance(block.get("input"), dict):
            return json.dumps(block["input"], ensure_ascii=False)
    texts = [b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text"]
    if not any(texts):
        raise ModelOutputInvalid(
            f"the reply has neither a {TOOL_NAME} tool call nor text",
            feedback=f"Call the {TOOL_NAME} tool with the analysis.",
        )
    return "".join(texts)


class _StreamReader:
    """Collects a Messages API event stream: text deltas, usage and the stop reason."""

    def __init__(self, endpoint: str, on_piece: PieceSink) -> None:
        self.endpoint = endpoint
        self.on_piece = on_piece
        self.pieces: list[str] = []
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None
        self.stop_reason: str | None = None

    def read(self, events: Iterator[SSEEvent]) -> None:
        for event in events:
            data = decode_event_data(event.data)
            kind = data.get("type", event.event)
            if kind == "message_stop":
                return
            if kind == "error":
                error = data.get("error") or {}
                message = " ".join(str(error.get("message", "")).split())[:300]
                raise ModelUnavailable(
                    f"{self.endpoint} reported {error.get('type', 'an error')} mid-stream: "
                    f"{message}"
                )
            self._apply(kind, data)
        raise ModelOutputInvalid(
            f"the stream from {self.endpoint} ended before message_stop "
            f"({len(self.pieces)} pieces received)"
        )

    def _apply(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "message_start":
            usage = (data.get("message") or {}).get("usage") or {}
            self.input_tokens = _input_tokens(usage)
            if isinstance(usage.get("output_tokens"), int):
                self.output_tokens = usage["output_tokens"]
        elif kind == "content_block_delta":
            delta = data.get("delta") or {}
            if delta.get("type") == "text_delta" and delta.get("text"):
                self.pieces.append(delta["text"])
                self.on_piece(delta["text"])
        elif kind == "message_delta":
            usage = data.get("usage") or {}
            # message_delta carries the cumulative output token count.
            if isinstance(usage.get("output_tokens"), int):
                self.output_tokens = usage["output_tokens"]
            self.stop_reason = (data.get("delta") or {}).get("stop_reason") or self.stop_reason


def create_engine(model: str) -> Engine:
    """Build the ``anthropic:MODEL`` engine from the environment (entry point factory)."""
    from elicitor.engine.llm import build_engine

    model = model.strip()
    if not model:
        raise ConfigurationError(
            "the engine 'anthropic:' names no model; use for example 'anthropic:claude-sonnet-4-5'"
        )
    settings = LLMSettings.from_env()
    api_key = read_secret(*KEY_VARIABLES)
    if api_key is None and not is_loopback_url(settings.anthropic_base_url):
        raise ConfigurationError(
            f"the engine 'anthropic:{model}' needs an API key: set ELICITOR_ANTHROPIC_API_KEY "
            "(or ANTHROPIC_API_KEY), or add it to the file named by ELICITOR_SECRETS_FILE; "
            "the 'offline' engine needs no key at all"
        )
    client = AnthropicClient(model, settings=settings, api_key=api_key)
    return build_engine(client, settings)
