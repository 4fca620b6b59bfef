"""The one place where errors become HTTP responses.

The JSON API always responds with ``{"error": {"code", "message", "details"}}`` and the
status code of the domain exception (see ``elicitor.errors``). Pages show the same
message as HTML: participant pages in plain, friendly words, requester pages with a
redirect to the login form when the login is missing.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from elicitor.errors import BriefingInvalid, ElicitorError, RateLimited

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
PARTICIPANT_PREFIX = "/p/"
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}
PARTICIPANT_TITLES = {
    "not_found": "This link does not work",
    "conflict": "This interview changed in another window",
    "rate_limited": "Please slow down",
    "too_large": "That answer is too long",
    "forbidden": "This link is for another interview",
}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def _headers_for(exc: Exception) -> dict[str, str]:
    retry_after = getattr(exc, "retry_after", None)
    if isinstance(exc, RateLimited) and retry_after is not None:
        return {"Retry-After": str(int(retry_after))}
    return {}


def render_error(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Return the error as JSON for the API and as an HTML page everywhere else."""
    if _wants_json(request):
        return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)
    if status == 401 and not request.url.path.startswith(PARTICIPANT_PREFIX):
        target = quote(request.url.path, safe="/")
        return RedirectResponse(f"/login?next={target}", status_code=303)
    templates = request.app.state.context.templates
    participant = request.url.path.startswith(PARTICIPANT_PREFIX)
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "status": status,
            "code": code,
            "title": PARTICIPANT_TITLES.get(code, "Something went wrong")
            if participant
            else f"Error {status}",
            "message": message,
            "details": details if isinstance(details, list) else None,
            "participant": participant,
            "retry_after": (headers or {}).get("Retry-After"),
            "notice": "",
        },
        status_code=status,
        headers=headers,
    )


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ElicitorError)
    details = exc.errors if isinstance(exc, BriefingInvalid) else None
    if exc.status_code >= 500:
        log.error("%s failed: %s", request.url.path, type(exc).__name__)
    return render_error(
        request, exc.status_code, exc.code, str(exc), details, headers=_headers_for(exc)
    )


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"field": ".".join(str(part) for part in error["loc"]), "problem": error["msg"]}
        for error in exc.errors()
    ]
    fields = ", ".join(item["field"] for item in details) or "the request"
    message = f"the request is not valid: check {fields} (see details)"
    return render_error(request, 422, "invalid", message, details)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, "http_error")
    message = str(exc.detail)
    if exc.status_code == 404:
        message = f"{request.url.path} not found; check the address"
    elif exc.status_code == 405:
        message = f"method {request.method} is not allowed on {request.url.path}"
    return render_error(request, exc.status_code, code, message, headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, redact_path(request.url.path))
    message = "the server failed to handle this request; it was logged. Try again later."
    return render_error(request, 500, "internal_error", message)


def redact_path(path: str) -> str:
    """Return ``path`` with participant link tokens replaced, for logs."""
    parts = path.split("/")
    for index, part in enumerate(parts[:-1]):
        if part == "p" and index + 1 < len(parts):
            parts[index + 1] = "***"
    return "/".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ElicitorError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


__all__ = [
    "error_body",
    "install_error_handlers",
    "redact_path",
    "render_error",
]
