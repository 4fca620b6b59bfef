"""The synthesis page and the start of a second-round interview in headless Chromium.

Set ELICITOR_SCREENSHOTS_DIR=docs/screenshots to keep the screenshots; otherwise they go
to the test's temporary directory.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from elicitor.session.service import Interviewer
from elicitor.store.store import BriefingRecord, Store
from elicitor.web.app import create_app
from test_synthesis_support import interview, save
from web_support import launched_chromium, make_settings, serve_in_thread

pytestmark = pytest.mark.browser

UI_TIMEOUT_MS = 15_000
ACCOUNTS = {
    "Ann": "The primary went down at 23:10. We failed over to the replica at 23:20. "
    "We rolled back the release at 23:40. The failover to the replica worked.",
    "Bob": "We lost the primary around ten past eleven. We rolled back the release at 23:10. "
    "The failover to the replica did not work. The alert fired at 23:05.",
    "Cy": "The primary went down at 11:10 pm. We restarted the web servers at 23:50.",
}


@dataclass
class Server:
    url: str
    key: str
    record: BriefingRecord


@pytest.fixture
def server(sqlite_url: str) -> Iterator[Server]:
    store = Store(sqlite_url)
    interviewer = Interviewer(store)
    record = save(store)
    for name, answer in ACCOUNTS.items():
        interview(interviewer, record, name, [answer])
    app = create_app(
        make_settings(sqlite_url, rate_limit_burst=1000), store=store, interviewer=interviewer
    )
    _key, token = app.state.context.web_store.create_api_key("synthesis browser test")
    try:
        with serve_in_thread(app) as url:
            yield Server(url, token, record)
    finally:
        store.close()


@pytest.fixture
def browser(chromium_launch_options: dict[str, object]) -> Iterator[Any]:
    with launched_chromium(chromium_launch_options) as launched:
        yield launched


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    configured = os.environ.get("ELICITOR_SCREENSHOTS_DIR", "").strip()
    folder = Path(configured) if configured else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _page(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    context.set_default_timeout(UI_TIMEOUT_MS)
    return context.new_page()


def test_synthesis_and_round2(browser: Any, server: Server, shots: Path) -> None:
    requester = _page(browser)
    requester.goto(f"{server.url}/login")
    requester.get_by_label("Requester key", exact=True).fill(server.key)
    requester.get_by_role("button", name="Log in").click()
    requester.get_by_role("heading", name="Briefings").wait_for()

    requester.goto(f"{server.url}/briefings/{server.record.pk}/synthesis")
    requester.get_by_role("heading", name="Who says what").wait_for()
    heat = requester.locator("table.heatmap")
    assert heat.is_visible()
    assert requester.locator("ul.disagreements > li").count() == 2
    assert requester.locator("table.matrix").first.locator("thead th").count() == 4
    requester.screenshot(path=str(shots / "synthesis-01-page.png"), full_page=True)

    requester.get_by_role("button", name="Create second-round links").click()
    requester.get_by_role("heading", name="Second-round links").wait_for()
    requester.screenshot(path=str(shots / "synthesis-02-round2-links.png"))
    url = requester.locator("#round2-url-1").input_value()
    assert url.startswith(f"{server.url}/p/")

    participant = _page(browser)
    participant.goto(url)
    participant.get_by_role("heading", name="Follow-up: Database outage review").wait_for()
    assert participant.get_by_text("differ from what another participant remembers").is_visible()
    participant.screenshot(path=str(shots / "synthesis-03-round2-welcome.png"))
    participant.get_by_role("button", name="Begin").click()
    question = participant.locator("#question-text")
    question.wait_for()
    text = question.text_content() or ""
    assert text.startswith("Another participant recalls 23:10")
    assert "You said 23:40" in text
    participant.screenshot(path=str(shots / "synthesis-04-round2-question.png"))
