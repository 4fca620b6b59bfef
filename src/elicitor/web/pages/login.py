"""Requester login with an API key, and logout."""

from __future__ import annotations

import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from elicitor.store.web_store import hash_secret
from elicitor.web.auth import (
    LOGIN_COOKIE,
    PRE_LOGIN_COOKIE,
    Login,
    check_form_token,
    current_login,
    set_secret_cookie,
)
from elicitor.web.context import Context, WebContext
from elicitor.web.pages.common import page, redirect, safe_next

log = logging.getLogger(__name__)
router = APIRouter()

PRE_LOGIN_SECONDS = 3600
BAD_KEY_MESSAGE = "That key is not valid or was revoked. Check it, or create a new one."


@router.get("/")
def home(request: Request, context: Context) -> Response:
    if current_login(request, context) is None:
        return redirect("/login")
    return redirect("/dashboard")


def _login_form(
    context: WebContext, request: Request, next_url: str, error: str = "", status: int = 200
) -> Response:
    form_token = secrets.token_urlsafe(24)
    response = page(
        context,
        request,
        "requester/login.html",
        {"csrf_token": form_token, "next": next_url, "error": error},
        status_code=status,
    )
    set_secret_cookie(response, request, PRE_LOGIN_COOKIE, form_token, max_age=PRE_LOGIN_SECONDS)
    return response


@router.get("/login")
def login_form(request: Request, context: Context, next: str = "") -> Response:
    if current_login(request, context) is not None:
        return redirect(safe_next(next))
    return _login_form(context, request, safe_next(next))


@router.post("/login")
def login(
    request: Request,
    context: Context,
    key: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Check the key and start a login; the form carries a double-submit CSRF token."""
    check_form_token(csrf_token, request.cookies.get(PRE_LOGIN_COOKIE, ""))
    client = request.client.host if request.client else "unknown"
    context.login_limiter.check("login:" + hash_secret(client))
    api_key = context.web_store.verify_api_key(key.strip())
    if api_key is None:
        log.info("login rejected: unknown or revoked key")
        return _login_form(context, request, safe_next(next), BAD_KEY_MESSAGE, status=401)
    hours = context.settings.login_hours
    cookie, _login = context.web_store.create_login(api_key, hours=hours)
    response = redirect(safe_next(next))
    set_secret_cookie(response, request, LOGIN_COOKIE, cookie, max_age=int(hours * 3600))
    response.delete_cookie(PRE_LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(
    request: Request, login: Login, context: Context, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_form_token(csrf_token, login.csrf_token)
    context.web_store.delete_login(request.cookies.get(LOGIN_COOKIE, ""))
    response = redirect("/login")
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response
