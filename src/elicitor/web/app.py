"""The app factory: ``create_app(settings)`` builds the JSON API and the pages."""

from __future__ import annotations

import logging
from importlib import resources

import jinja2
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from elicitor import __version__
from elicitor.session.service import Interviewer
from elicitor.settings import Settings
from elicitor.store.store import Store
from elicitor.store.web_store import WebStore
from elicitor.web import pages
from elicitor.web.api import API_PREFIX, build_api_router
from elicitor.web.context import WebContext
from elicitor.web.errors import install_error_handlers
from elicitor.web.middleware import WebMiddleware
from elicitor.web.ratelimit import RateLimiter
from elicitor.web.views import KIND_WORDS, STATUS_LABELS

log = logging.getLogger(__name__)

# Login attempts per client address: a burst of 10, then 10 a minute.
LOGIN_ATTEMPTS_PER_MINUTE = 10


def build_templates() -> Jinja2Templates:
    """Return Jinja2 templates with autoescaping on for every file."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("elicitor.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.globals.update(
        status_labels=STATUS_LABELS, kind_words=KIND_WORDS, version=__version__
    )
    return Jinja2Templates(env=environment)


def create_app(
    settings: Settings | None = None,
    *,
    store: Store | None = None,
    interviewer: Interviewer | None = None,
) -> FastAPI:
    """Build the web app on ``settings`` (default: from the environment)."""
    settings = settings or Settings.from_env()
    store = store or Store(settings.database_url)
    interviewer = interviewer or Interviewer(store, max_answer_chars=settings.max_answer_chars)

    context = WebContext(
        settings=settings,
        store=store,
        web_store=WebStore(store),
        interviewer=interviewer,
        link_limiter=RateLimiter(
            per_minute=settings.rate_limit_per_minute, burst=settings.rate_limit_burst
        ),
        login_limiter=RateLimiter(
            per_minute=LOGIN_ATTEMPTS_PER_MINUTE, burst=LOGIN_ATTEMPTS_PER_MINUTE
        ),
        templates=build_templates(),
    )

    app = FastAPI(
        title="Elicitor",
        version=__version__,
        description="Reciprocal knowledge elicitation: briefings, links, interviews, artifacts.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.context = context

    install_error_handlers(app)
    app.include_router(build_api_router())
    pages.include_pages(app)
    static = resources.files("elicitor.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.add_middleware(WebMiddleware, max_bytes=settings.max_request_bytes)
    log.info("web app ready on database %s", store.engine.url.render_as_string(hide_password=True))
    return app
