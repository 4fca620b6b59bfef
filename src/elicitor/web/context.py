"""The services one web app works with, built once by the app factory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from elicitor.session.service import Interviewer
from elicitor.settings import Settings
from elicitor.store.store import Store
from elicitor.store.web_store import WebStore
from elicitor.web.ratelimit import RateLimiter


@dataclass
class WebContext:
    settings: Settings
    store: Store
    web_store: WebStore
    interviewer: Interviewer
    link_limiter: RateLimiter
    login_limiter: RateLimiter
    templates: Jinja2Templates

    def default_engine(self, briefing_engine: str | None) -> str:
        """Return the engine a new session runs on: the briefing's, else the server's."""
        return briefing_engine or self.settings.engine or "offline"

    def base_url(self, request: Request) -> str:
        """Return the address participant links start with, without a trailing slash."""
        if self.settings.public_url:
            return self.settings.public_url
        return str(request.base_url).rstrip("/")


def get_context(request: Request) -> WebContext:
    """FastAPI dependency: the context stored on the app by ``create_app``."""
    context: WebContext = request.app.state.context
    return context


Context = Annotated[WebContext, Depends(get_context)]
