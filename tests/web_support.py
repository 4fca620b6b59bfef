"""Helpers for the web tests: a real app on a real database, driven in-process."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import uvicorn
from fastapi.testclient import TestClient

from elicitor.engine.registry import Engine
from elicitor.session.events import EventType
from elicitor.session.service import Interviewer
from elicitor.settings import Settings
from elicitor.store.store import Store
from elicitor.web.app import create_app
from elicitor.web.context import WebContext

DONT_KNOW = "I don't know"
FIRST_ANSWER = (
    "When I click Sync the status icon spins for ten minutes and no files appear. "
    "I expected the files to upload within a minute."
)
# Upper bound on answers before the final review; bug-triage needs about 12.
MAX_TURNS = 60


def make_settings(url: str, **overrides: Any) -> Settings:
    base = Settings(database_url=url, engine="offline", max_answer_chars=8000)
    return replace(base, **overrides)


@dataclass
class Web:
    """A running app with one requester key, plus shortcuts for common API calls."""

    client: TestClient
    context: WebContext
    key: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def store(self) -> Store:
        return self.context.store

    def create_briefing(self, template: str = "bug-triage") -> dict[str, Any]:
        response = self.client.post(
            "/api/v1/briefings", json={"template": template}, headers=self.headers
        )
        assert response.status_code == 201, response.text
        return response.json()

    def create_link(self, briefing_pk: int, **body: Any) -> dict[str, Any]:
        payload = {"briefing_pk": briefing_pk, "label": "Pat"} | body
        response = self.client.post("/api/v1/links", json=payload, headers=self.headers)
        assert response.status_code == 201, response.text
        return response.json()

    def start(self, token: str) -> dict[str, Any]:
        response = self.client.post(f"/api/v1/p/{token}/sessions", json={})
        assert response.status_code == 201, response.text
        return response.json()

    def new_session(self) -> tuple[str, str]:
        """Create a bug-triage briefing, a personal link and a session; return (token, id)."""
        briefing = self.create_briefing()
        link = self.create_link(briefing["pk"])
        started = self.start(link["token"])
        return link["token"], started["session_id"]

    def answer(self, token: str, session_id: str, text: str, **body: Any) -> Any:
        return self.client.post(
            f"/api/v1/p/{token}/sessions/{session_id}/answers", json={"text": text} | body
        )

    def answer_until_review(self, token: str, session_id: str) -> dict[str, Any]:
        """Answer "I don't know" until the final review; return the review prompt."""
        prompt = self.answer(token, session_id, FIRST_ANSWER).json()["prompt"]
        for _ in range(MAX_TURNS):
            if prompt["kind"] == "review":
                return prompt
            text = "ok" if prompt["kind"] == "summary" else DONT_KNOW
            prompt = self.answer(token, session_id, text).json()["prompt"]
        raise AssertionError(f"no review after {MAX_TURNS} answers; last prompt: {prompt}")

    def event_types(self, session_id: str) -> list[EventType]:
        return [event.type for event in self.store.load_events(session_id)]

    def close(self) -> None:
        self.client.close()
        self.store.close()


def make_web(
    url: str,
    *,
    engine: Engine | None = None,
    base_url: str = "http://testserver",
    **overrides: Any,
) -> Web:
    settings = make_settings(url, **overrides)
    store = Store(url)
    interviewer = Interviewer(store, max_answer_chars=settings.max_answer_chars, engine=engine)
    app = create_app(settings, store=store, interviewer=interviewer)
    context: WebContext = app.state.context
    _key, token = context.web_store.create_api_key("tests")
    client = TestClient(app, base_url=base_url, follow_redirects=False)
    return Web(client, context, token, {"Authorization": f"Bearer {token}"})


def hidden_value(html: str, name: str) -> str:
    """Return the value of the first hidden input called ``name`` in ``html``."""
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert match, f"no input named {name!r} in the page"
    return match.group(1)


def log_in(web: Web) -> str:
    """Log the test client in through the login form; return the CSRF token of the login."""
    form = web.client.get("/login")
    response = web.client.post(
        "/login",
        data={"key": web.key, "csrf_token": hidden_value(form.text, "csrf_token"), "next": ""},
    )
    assert response.status_code == 303, response.text
    dashboard = web.client.get("/dashboard")
    return hidden_value(dashboard.text, "csrf_token")


# Seconds a test server may take to start listening.
SERVER_START_SECONDS = 10


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Run ``app`` with uvicorn on a free 127.0.0.1 port in a thread; yield its base URL."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_SECONDS
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the test server did not start on 127.0.0.1:{port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def launched_chromium(options: dict[str, object]) -> Iterator[Any]:
    """Launch Debian's Chromium through Playwright with the fixture's options."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**options)
        try:
            yield browser
        finally:
            browser.close()
