"""Backend for OpenAI-compatible chat completion endpoints: ``openai:MODEL``.

This covers OpenAI itself and servers that speak its chat API: Ollama, vLLM, llama.cpp's
server, LM Studio, OpenRouter. ELICITOR_OPENAI_BASE_URL selects the server; the key comes
from ELICITOR_OPENAI_API_KEY, OPENAI_API_KEY or the secrets file, and only the default
OpenAI address requires one.

The analyst requests JSON with ``response_format``. Servers disagree on its form: OpenAI,
vLLM and Ollama take ``{"type": "json_schema", ...}``, while llama-cpp-python 0.3 rejects
that and takes ``{"type": "json_object", "schema": ...}``. In the default ``auto`` mode the
client tries the first and switches to the second for good when the server rejects it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx

from elicitor.engine.llm._http import (
    Clock,
    FeatureRejected,
    HttpEndpoint,
    Sleep,
    decode_event_data,
    is_loopback_url,
)
from elicitor.engine.llm.base import ChatRequest, ChatResult, PieceSink, estimate_tokens
from elicitor.engine.registry import Engine
from elicitor.errors import (
    ConfigurationError,
    ModelOutputInvalid,
    ModelUnavailable,
)
from elicitor.settings import DEFAULT_OPENAI_BASE_URL, LLMSettings, read_secret

log = logging.getLogger(__name__)

KEY_VARIABLES = ("ELICITOR_OPENAI_API_KEY", "OPENAI_API_KEY")
CHAT_PATH = "/chat/completions"


class OpenAIChatClient:
    """A thin client for ``POST /chat/completions``, plain JSON and streamed."""

    provider = "openai"

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
        self.endpoint = (base_url or settings.openai_base_url).rstrip("/")
        headers = {"accept": "application/json"}
        if api_key:
            headers["authorization"] = f"Bearer {api_key}"
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
        self.response_format = (
            "json_schema" if settings.response_format == "auto" else settings.response_format
        )
        self._adapt_format = settings.response_format == "auto"
        self._stream_usage = True

    def __repr__(self) -> str:
        return f"OpenAIChatClient(model={self.model!r}, endpoint={self.endpoint!r})"

    def close(self) -> None:
        self._http.close()

    # -- JSON replies (analyst) ------------------------------------------------------------

    def complete_json(self, request: ChatRequest) -> ChatResult:
        started = time.perf_counter()
        try:
            data, retries = self._http.post_json(
                CHAT_PATH,
                self._json_body(request),
                request_id=request.request_id,
                rejects=self._format_rejected if self._adapt_format else None,
            )
        except FeatureRejected:
            log.info(
                "model call %s: %s does not take response_format json_schema; switching to "
                "json_object with a schema",
                request.request_id,
                self.endpoint,
            )
            self.response_format = "json_object"
            self._adapt_format = False
            data, retries = self._http.post_json(
                CHAT_PATH, self._json_body(request), request_id=request.request_id
            )
        return self._result(request, data, retries, started)

    def _json_body(self, request: ChatRequest) -> dict[str, Any]:
        body = self._body(request)
        schema = request.schema or {"type": "object"}
        if self.response_format == "json_schema":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": request.schema_name, "schema": schema, "strict": True},
            }
        elif self.response_format == "json_object":
            body["response_format"] = {"type": "json_object", "schema": schema}
        return body

    @staticmethod
    def _format_rejected(response: httpx.Response) -> bool:
        text = response.text
        return "response_format" in text or "json_schema" in text

    def _result(
        self, request: ChatRequest, data: dict[str, Any], retries: int, started: float
    ) -> ChatResult:
        choices = data.get("choices") or []
        if not choices or not isinstance(choices[0], dict):
            raise ModelOutputInvalid(f"the reply from {self.endpoint} has no choices")
        message = choices[0].get("message") or {}
        text = message.get("content")
        if not isinstance(text, str):
            refusal = message.get("refusal")
            reason = "the model refused" if refusal else "the reply has no text content"
            raise ModelOutputInvalid(reason, feedback="Reply with the JSON object only.")
        usage = data.get("usage") or {}
        input_tokens, output_tokens = usage.get("prompt_tokens"), usage.get("completion_tokens")
        estimated = not isinstance(input_tokens, int) or not isinstance(output_tokens, int)
        return ChatResult(
            text=text,
            input_tokens=estimate_tokens(request.prompt_text()) if estimated else input_tokens,
            output_tokens=estimate_tokens(text) if estimated else output_tokens,
            latency_ms=(time.perf_counter() - started) * 1000,
            http_retries=retries,
            tokens_estimated=estimated,
            finish_reason=choices[0].get("finish_reason"),
        )

    # -- streamed text (voice) -------------------------------------------------------------

    def stream_text(self, request: ChatRequest, on_piece: PieceSink) -> ChatResult:
        started = time.perf_counter()
        body = self._body(request) | {"stream": True}
        if self._stream_usage:
            body["stream_options"] = {"include_usage": True}
        try:
            stream = self._http.open_stream(
                CHAT_PATH,
                body,
                request_id=request.request_id,
                rejects=self._options_rejected if self._stream_usage else None,
            )
        except FeatureRejected:
            log.info(
                "model call %s: %s does not take stream_options; sending without",
                request.request_id,
                self.endpoint,
            )
            self._stream_usage = False
            body.pop("stream_options")
            stream = self._http.open_stream(CHAT_PATH, body, request_id=request.request_id)
        with stream:
            text, finish, usage = self._read_stream(stream.events(), on_piece)
        input_tokens, output_tokens = usage.get("prompt_tokens"), usage.get("completion_tokens")
        estimated = not isinstance(input_tokens, int) or not isinstance(output_tokens, int)
        return ChatResult(
            text=text,
            input_tokens=estimate_tokens(request.prompt_text()) if estimated else input_tokens,
            output_tokens=estimate_tokens(text) if estimated else output_tokens,
            latency_ms=(time.perf_counter() - started) * 1000,
            http_retries=stream.retries,
            tokens_estimated=estimated,
            finish_reason=finish,
        )

    @staticmethod
    def _options_rejected(response: httpx.Response) -> bool:
        return "stream_options" in response.text

    def _read_stream(
        self, events: Any, on_piece: PieceSink
    ) -> tuple[str, str | None, dict[str, Any]]:
        pieces: list[str] = []
        finish: str | None = None
        usage: dict[str, Any] = {}
        done = False
        for event in events:
            if event.data.strip() == "[DONE]":
                done = True
                break
            chunk = decode_event_data(event.data)
            if isinstance(chunk.get("error"), dict):
                message = " ".join(str(chunk["error"].get("message", "")).split())[:300]
                raise ModelUnavailable(f"{self.endpoint} reported an error mid-stream: {message}")
            usage = chunk.get("usage") or usage
            for choice in chunk.get("choices") or []:
                piece = (choice.get("delta") or {}).get("content")
                if piece:
                    pieces.append(piece)
                    on_piece(piece)
                finish = choice.get("finish_reason") or finish
        if not done and finish is None:
            raise ModelOutputInvalid(
                f"the stream from {self.endpoint} ended before the reply was complete "
                f"({len(pieces)} pieces received)"
            )
        return "".join(pieces), finish, usage

    def _body(self, request: ChatRequest) -> dict[str, Any]:
        # max_tokens rather than max_completion_tokens: local servers (Ollama, vLLM,
        # llama.cpp) read max_tokens. NOTE: OpenAI's reasoning models reject it.
        return {
            "model": self.model,
            "messages": request.messages,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        }


def create_engine(model: str) -> Engine:
    """Build the ``openai:MODEL`` engine from the environment (entry point factory)."""
    from elicitor.engine.llm import build_engine

    model = model.strip()
    if not model:
        raise ConfigurationError(
            "the engine 'openai:' names no model; use for example 'openai:gpt-4.1-mini', or "
            "'openai:llama3.1' with ELICITOR_OPENAI_BASE_URL set to a local server"
        )
    settings = LLMSettings.from_env()
    api_key = read_secret(*KEY_VARIABLES)
    base_url = settings.openai_base_url
    if api_key is None and base_url == DEFAULT_OPENAI_BASE_URL:
        raise ConfigurationError(
            f"the engine 'openai:{model}' needs an API key: set ELICITOR_OPENAI_API_KEY (or "
            "OPENAI_API_KEY), or add it to the file named by ELICITOR_SECRETS_FILE. For a "
            "local server set ELICITOR_OPENAI_BASE_URL instead; the 'offline' engine needs "
            "no key at all"
        )
    if api_key is None and not is_loopback_url(base_url):
        log.warning("no API key is set for %s; requests go without authorization", base_url)
    if api_key and base_url.startswith("http://") and not is_loopback_url(base_url):
        log.warning("the API key for %s is sent over plain HTTP; use https", base_url)
    client = OpenAIChatClient(model, settings=settings, api_key=api_key)
    return build_engine(client, settings)
