"""HTTP plumbing shared by the model backends: retries, backoff, circuit breaker, SSE.

Every backend talks to its endpoint through ``HttpEndpoint``, so timeouts, retries on 429
and 5xx (honouring Retry-After up to a cap) and the per-endpoint circuit breaker behave
the same for OpenAI-compatible servers and for Anthropic.
"""

from __future__ import annotations

import email.utils
import ipaddress
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from elicitor.errors import ModelOutputInvalid, ModelRequestRejected, ModelUnavailable
from elicitor.settings import LLMSettings

log = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 0.5
# How much of an error body is kept for messages; bodies of error responses hold no
# participant text, but they can be large HTML pages.
ERROR_BODY_CHARS = 300

Sleep = Callable[[float], None]
Clock = Callable[[], float]


def is_loopback_url(url: str) -> bool:
    """Return True when ``url`` points at this machine (localhost, 127.0.0.0/8 or ::1)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# --- Circuit breaker ------------------------------------------------------------------


class CircuitBreaker:
    """Counts consecutive failed calls to one endpoint and stops calling it for a while.

    Closed: calls go through. After ``threshold`` failures in a row it opens, and calls are
    skipped (the turn goes straight to the offline engine) until ``cooldown`` seconds have
    passed. Then one trial call is let through: success closes the circuit, failure opens
    it for another cool-down.
    """

    def __init__(self, key: str, *, threshold: int, cooldown: float, clock: Clock) -> None:
        self.key = key
        self.threshold = threshold
        self.cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> str:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            if self._clock() - self._opened_at >= self.cooldown:
                return "half-open"
            return "open"

    def allow(self) -> bool:
        """Return True when a call may go through now (and claim the trial when half-open)."""
        with self._lock:
            if self._opened_at is None:
                return True
            if self._clock() - self._opened_at < self.cooldown or self._trial_running:
                return False
            self._trial_running = True
            return True

    def seconds_left(self) -> float:
        with self._lock:
            if self._opened_at is None:
                return 0.0
            return max(0.0, self.cooldown - (self._clock() - self._opened_at))

    def record_success(self) -> None:
        with self._lock:
            if self._opened_at is not None:
                log.info("circuit for %s closed after a successful trial call", self.key)
            self._failures = 0
            self._opened_at = None
            self._trial_running = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            trial_failed = self._trial_running
            self._trial_running = False
            if trial_failed or self._failures >= self.threshold:
                self._opened_at = self._clock()
                log.warning(
                    "circuit for %s opened after %d consecutive failures; calls skip the "
                    "model for %.0f s",
                    self.key,
                    self._failures,
                    self.cooldown,
                )


_BREAKERS: dict[str, CircuitBreaker] = {}
_BREAKERS_LOCK = threading.Lock()


def breaker_for(key: str, *, threshold: int, cooldown: float, clock: Clock) -> CircuitBreaker:
    """Return the process-wide breaker of one endpoint, creating it on first use."""
    with _BREAKERS_LOCK:
        breaker = _BREAKERS.get(key)
        if breaker is None:
            breaker = CircuitBreaker(key, threshold=threshold, cooldown=cooldown, clock=clock)
            _BREAKERS[key] = breaker
        return breaker


def reset_breakers() -> None:
    """Forget every endpoint's breaker (tests use this to start from a closed circuit)."""
    with _BREAKERS_LOCK:
        _BREAKERS.clear()


# --- Server-sent events ---------------------------------------------------------------


@dataclass
class SSEEvent:
    event: str
    data: str


def parse_sse(lines: Iterator[str]) -> Iterator[SSEEvent]:
    """Yield events from server-sent event lines; a blank line ends each event."""
    name = ""
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield SSEEvent(name or "message", "\n".join(data))
            name, data = "", []
            continue
        if line.startswith(":"):
            continue
        field_name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field_name == "event":
            name = value
        elif field_name == "data":
            data.append(value)
    if data:
        yield SSEEvent(name or "message", "\n".join(data))


def decode_event_data(data: str) -> dict[str, Any]:
    """Parse one stream event's data as a JSON object; raise ModelOutputInvalid otherwise."""
    try:
        decoded = json.loads(data)
    except ValueError:
        raise ModelOutputInvalid("a stream event is not valid JSON") from None
    if not isinstance(decoded, dict):
        raise ModelOutputInvalid("a stream event is not a JSON object")
    return decoded


# --- Retry-After ----------------------------------------------------------------------


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """Return the wait the server asked for (retry-after-ms, or Retry-After in seconds or as
    an HTTP date), or None when it asked for none."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


# --- The endpoint ---------------------------------------------------------------------


RejectionCheck = Callable[[httpx.Response], bool]


class FeatureRejected(ModelRequestRejected):
    """The endpoint is up but rejected an optional request feature; the caller may adapt."""


class EventStream:
    """A 200 streaming reply: its server-sent events and how many retries it took."""

    def __init__(self, response: httpx.Response, *, retries: int, source: str) -> None:
        self.response = response
        self.retries = retries
        self.source = source

    def __enter__(self) -> EventStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.response.close()

    def events(self) -> Iterator[SSEEvent]:
        """Yield events; a connection that breaks mid-stream raises ModelOutputInvalid."""
        count = 0
        try:
            for event in parse_sse(self.response.iter_lines()):
                count += 1
                yield event
        except httpx.TimeoutException:
            # Like a read timeout before the headers: the server is busy, so no retry.
            raise ModelUnavailable(
                f"the stream from {self.source} timed out after {count} events"
            ) from None
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise ModelOutputInvalid(
                f"the stream from {self.source} broke off after {count} events "
                f"({type(exc).__name__})"
            ) from None


class HttpEndpoint:
    """One model endpoint: an httpx client plus retry policy and circuit breaker."""

    def __init__(
        self,
        *,
        provider: str,
        base_url: str,
        headers: dict[str, str],
        settings: LLMSettings,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
        key_hint: str = "",
    ) -> None:
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self.settings = settings
        self.key_hint = key_hint
        self._sleep = sleep
        self._client = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(settings.timeout),
            transport=transport,
            # Proxy variables apply to remote endpoints only; a local server is reached
            # directly even when HTTPS_PROXY is set for the rest of the machine.
            trust_env=not is_loopback_url(self.base_url),
        )
        self.breaker = breaker_for(
            f"{provider}:{self.base_url}",
            threshold=settings.breaker_failures,
            cooldown=settings.breaker_cooldown,
            clock=clock,
        )

    def close(self) -> None:
        self._client.close()

    def post_json(
        self,
        path: str,
        body: dict[str, Any],
        *,
        request_id: str,
        rejects: RejectionCheck | None = None,
    ) -> tuple[dict[str, Any], int]:
        """POST ``body``; return (the decoded JSON reply, the number of retries made)."""
        response, retries = self._send(
            path, lambda: self._client.post(path, json=body), request_id=request_id, rejects=rejects
        )
        source = f"{self.base_url}{path}"
        try:
            decoded = response.json()
        except ValueError:
            kind = response.headers.get("content-type", "none")
            raise ModelOutputInvalid(
                f"the reply from {source} is not JSON (content-type {kind!r})"
            ) from None
        if not isinstance(decoded, dict):
            raise ModelOutputInvalid(f"the reply from {source} is not a JSON object")
        return decoded, retries

    def open_stream(
        self,
        path: str,
        body: dict[str, Any],
        *,
        request_id: str,
        rejects: RejectionCheck | None = None,
    ) -> EventStream:
        """POST ``body`` for a streamed reply. Only the request is retried: once events have
        been read, a broken stream raises ModelOutputInvalid for the caller to handle."""

        def call() -> httpx.Response:
            request = self._client.build_request("POST", path, json=body)
            return self._client.send(request, stream=True)

        response, retries = self._send(path, call, request_id=request_id, rejects=rejects)
        return EventStream(response, retries=retries, source=f"{self.base_url}{path}")

    def _send(
        self,
        path: str,
        call: Callable[[], httpx.Response],
        *,
        request_id: str,
        rejects: RejectionCheck | None,
    ) -> tuple[httpx.Response, int]:
        """Run ``call`` until it returns HTTP 200, retrying refused connections, connect
        timeouts, 429 and 5xx with backoff, and record the outcome in the circuit breaker."""
        if not self.breaker.allow():
            raise ModelUnavailable(
                f"the circuit for {self.base_url} is open after repeated failures; the model "
                f"is skipped for {self.breaker.seconds_left():.0f} s more and the offline "
                "engine answers meanwhile"
            )

        url = f"{self.base_url}{path}"
        limit = self.settings.max_retries + 1
        retries = 0
        failure = ""
        for attempt in range(limit):
            server_wait: float | None = None
            try:
                response = call()
            except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout):
                # The server took the request and is still working on it. A retry would
                # queue behind it on a single-worker server, so the call fails now.
                self.breaker.record_failure()
                raise ModelUnavailable(
                    f"{url} timed out after {self.settings.timeout:g} s; raise "
                    "ELICITOR_LLM_TIMEOUT for a slow model"
                ) from None
            except httpx.TimeoutException:
                failure = f"{url} timed out connecting after {self.settings.timeout:g} s"
            except httpx.TransportError as exc:
                failure = f"{url} could not be reached ({type(exc).__name__})"
            else:
                if response.status_code == 200:
                    self.breaker.record_success()
                    return response, retries
                failure, server_wait = self._check_failed(url, response, rejects)
            if attempt + 1 < limit:
                wait = self._wait_after(attempt, server_wait)
                retries += 1
                log.warning(
                    "model call %s: %s; retry %d of %d in %.2f s",
                    request_id,
                    failure,
                    retries,
                    limit - 1,
                    wait,
                )
                self._sleep(wait)

        self.breaker.record_failure()
        error = ModelUnavailable(f"{failure} (after {retries} retries)")
        error.retries = retries
        raise error

    def _check_failed(
        self, url: str, response: httpx.Response, rejects: RejectionCheck | None
    ) -> tuple[str, float | None]:
        """Raise for a final failure. Return (message, Retry-After) for a retryable one."""
        status = response.status_code
        detail = _error_detail(response)
        response.close()
        if rejects is not None and rejects(response):
            # The endpoint is up but lacks an optional feature, so the caller adapts.
            self.breaker.record_success()
            raise FeatureRejected(f"{url} rejected the request: {detail}", status=status)
        if status == 429 or status >= 500:
            return f"{url} returned HTTP {status}: {detail}", retry_after_seconds(response.headers)
        self.breaker.record_failure()
        hint = _status_hint(status, self.key_hint)
        raise ModelRequestRejected(f"{url} returned HTTP {status}: {detail}{hint}", status=status)

    def _wait_after(self, attempt: int, server_wait: float | None) -> float:
        if server_wait is not None:
            return min(server_wait, self.settings.max_retry_wait)
        backoff = BACKOFF_BASE_SECONDS * (2**attempt)
        jitter = random.uniform(0, backoff / 4)
        return min(backoff + jitter, self.settings.max_retry_wait)


def _error_detail(response: httpx.Response) -> str:
    """Return the error message of a failed response, as OpenAI and Anthropic shape it."""
    try:
        response.read()
    except httpx.HTTPError:
        return "no error message (the body could not be read)"
    try:
        body = response.json()
    except ValueError:
        return " ".join(response.text.split())[:ERROR_BODY_CHARS] or "no error message"
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        kind = error.get("type") or error.get("code") or "error"
        message = str(error.get("message", ""))
        return f"{kind}: {' '.join(message.split())[:ERROR_BODY_CHARS]}"
    return " ".join(json.dumps(body).split())[:ERROR_BODY_CHARS]


def _status_hint(status: int, key_hint: str) -> str:
    if status in (401, 403):
        return f"; check the API key ({key_hint})" if key_hint else "; check the API key"
    if status == 404:
        return "; check the base URL and the model name in the engine spec"
    return ""
