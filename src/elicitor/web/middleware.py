"""ASGI middleware: request size limit, security headers and a token-free access log."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from elicitor.web.errors import error_body, redact_path

log = logging.getLogger(__name__)

# Scripts, styles and images come only from this server; no inline script or style is used.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # Participant links carry their token in the path; no-referrer keeps it off other sites.
    (b"referrer-policy", b"no-referrer"),
]


class WebMiddleware:
    """Reject bodies over ``max_bytes``, add security headers and log each request.

    A Content-Length over the limit is rejected before the app runs. A body without one
    (chunked) is counted as it is read, and the read fails with 413 at the limit.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path = scope.get("path", "")
        status_holder: dict[str, int] = {"status": 0}
        length = _content_length(scope)
        if length is not None and length > self.max_bytes:
            await self._too_large(send, length)
            status_holder["status"] = 413
        else:
            counted = self._counting_receive(receive)
            await self.app(scope, counted, self._wrap_send(send, path, status_holder))
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.info(
            "%s %s %s %.1f ms",
            scope.get("method", ""),
            redact_path(path),
            status_holder["status"],
            elapsed_ms,
        )

    def _wrap_send(self, send: Send, path: str, holder: dict[str, int]) -> Send:
        no_store = not path.startswith("/static/")

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                holder["status"] = message["status"]
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [item for item in SECURITY_HEADERS if item[0] not in names]
                if no_store and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        return wrapped

    def _counting_receive(self, receive: Receive) -> Receive:
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, detail=self._limit_message(received))
            return message

        return counted

    def _limit_message(self, length: int) -> str:
        return (
            f"the request body has {length} bytes or more; the limit is {self.max_bytes} "
            "bytes (ELICITOR_MAX_REQUEST_BYTES). Send less data."
        )

    async def _too_large(self, send: Send, length: int) -> None:
        body = json.dumps(error_body("too_large", self._limit_message(length))).encode()
        headers: list[Any] = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *SECURITY_HEADERS,
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
