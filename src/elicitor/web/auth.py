"""Requester authentication: bearer API keys for the JSON API, a login cookie for pages.

Pages protect every form with a CSRF token in a hidden field. After login, the token is
the one stored with the login. The login form itself uses a double-submit cookie, because
there is no login yet to store a token with.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response

from elicitor.errors import Forbidden, Unauthorized
from elicitor.store.web_store import ApiKey, WebLogin
from elicitor.web.context import Context, WebContext

LOGIN_COOKIE = "elicitor_login"
PRE_LOGIN_COOKIE = "elicitor_login_form"
MISSING_KEY = (
    "missing API key: send the header 'Authorization: Bearer <key>'; create a key with "
    "`elicitor keys create`"
)
BAD_KEY = (
    "the API key is not valid or was revoked; check the value, or create a new key with "
    "`elicitor keys create`"
)
BAD_FORM_TOKEN = (
    "the form's security token is missing or out of date; reload the page and submit the form again"
)


def require_api_key(request: Request, context: Context) -> ApiKey:
    """FastAPI dependency for requester API routes: a valid ``Authorization: Bearer`` key."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise Unauthorized(MISSING_KEY)
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(MISSING_KEY)
    key = context.web_store.verify_api_key(token.strip())
    if key is None:
        raise Unauthorized(BAD_KEY)
    return key


@dataclass(frozen=True)
class RequesterLogin:
    """The requester behind a page request, with the CSRF token their forms must carry."""

    key_id: str
    csrf_token: str


def current_login(request: Request, context: WebContext) -> WebLogin | None:
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie:
        return None
    return context.web_store.get_login(cookie)


def require_login(request: Request, context: Context) -> RequesterLogin:
    """FastAPI dependency for requester pages; a missing login redirects to /login."""
    login = current_login(request, context)
    if login is None:
        raise Unauthorized("log in with your requester key to see this page")
    return RequesterLogin(key_id=login.key_id, csrf_token=login.csrf_token)


Login = Annotated[RequesterLogin, Depends(require_login)]


def check_form_token(submitted: str, expected: str) -> None:
    """Raise Forbidden unless the submitted CSRF token equals the expected one."""
    if not submitted or not expected or not secrets.compare_digest(submitted, expected):
        raise Forbidden(BAD_FORM_TOKEN)


def set_secret_cookie(
    response: Response, request: Request, name: str, value: str, *, max_age: int
) -> None:
    """Set an HttpOnly, SameSite=Lax cookie; Secure when the request came over https."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
