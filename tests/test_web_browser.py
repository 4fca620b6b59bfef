"""The whole product in a real headless Chromium against a live server on 127.0.0.1.

Set ELICITOR_SCREENSHOTS_DIR to keep a PNG of every page visited (the documentation's
screenshots come from ``ELICITOR_SCREENSHOTS_DIR=docs/screenshots``); otherwise they go
to the test's temporary directory.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from elicitor.briefing.loader import load_template
from elicitor.session.events import EventType
from elicitor.session.service import Interviewer
from elicitor.store.store import Store
from elicitor.store.web_store import WebStore
from elicitor.web.app import create_app
from web_support import (
    FIRST_ANSWER,
    MAX_TURNS,
    launched_chromium,
    make_settings,
    serve_in_thread,
)

pytestmark = pytest.mark.browser

INJECTION = "<script>alert(1)</script>"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 740}}
UI_TIMEOUT_MS = 15_000


@dataclass
class LiveServer:
    url: str
    key: str
    store: Store


@pytest.fixture
def live_server(sqlite_url: str) -> Iterator[LiveServer]:
    settings = make_settings(sqlite_url, rate_limit_burst=1000)
    store = Store(sqlite_url)
    app = create_app(settings, store=store, interviewer=Interviewer(store))
    _key, token = app.state.context.web_store.create_api_key("browser tests")
    try:
        with serve_in_thread(app) as url:
            yield LiveServer(url, token, store)
    finally:
        store.close()


@pytest.fixture
def browser(chromium_launch_options: dict[str, object]) -> Iterator[Any]:
    with launched_chromium(chromium_launch_options) as launched:
        yield launched


class Shots:
    """Saves numbered screenshots of the current viewport."""

    def __init__(self, folder: Path, prefix: str) -> None:
        self.folder = folder
        self.prefix = prefix
        self.count = 0
        folder.mkdir(parents=True, exist_ok=True)

    def take(self, page: Any, name: str, *, full_page: bool = False) -> None:
        """Save a screenshot and check that the page needs no sideways scrolling."""
        self.count += 1
        path = self.folder / f"{self.prefix}-{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{name} is {width} px wide"


@pytest.fixture
def shots_folder(tmp_path: Path) -> Path:
    configured = os.environ.get("ELICITOR_SCREENSHOTS_DIR", "").strip()
    return Path(configured) if configured else tmp_path / "screenshots"


def _new_page(browser: Any, viewport: dict[str, int]) -> Any:
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    context.set_default_timeout(UI_TIMEOUT_MS)
    return context.new_page()


def _log_in_and_create_link(page: Any, server: LiveServer, shots: Shots) -> str:
    page.goto(f"{server.url}/login")
    shots.take(page, "login")
    page.get_by_label("Requester key", exact=True).fill(server.key)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Briefings").wait_for()
    shots.take(page, "dashboard-empty")
    page.get_by_role("link", name="New briefing").first.click()
    shots.take(page, "briefing-new")
    page.get_by_label("Template", exact=True).select_option("bug-triage")
    page.get_by_role("button", name="Create from template").click()
    page.get_by_role("heading", name="Bug report triage").wait_for()
    page.get_by_label("Who is it for?").fill("Pat")
    shots.take(page, "briefing")
    page.get_by_role("button", name="Create link").click()
    page.get_by_role("heading", name="Link created").wait_for()
    shots.take(page, "link-created")
    url: str = page.locator("#link-url").input_value()
    assert url.startswith(f"{server.url}/p/")
    return url


def _wait_for_heading(page: Any, *names: str) -> str:
    heading = page.locator("#question-heading")
    page.wait_for_function(
        "names => names.some(n => (document.getElementById('question-heading') || {})"
        ".textContent?.startsWith(n))",
        arg=list(names),
    )
    return str(heading.text_content())


def _open_panel(page: Any) -> None:
    details = page.locator("#panel-details")
    if details.get_attribute("open") is None:
        page.locator("#panel-details > summary").click()


def _close_drawer(page: Any) -> None:
    """Close the side panel when it is open as a drawer over the page (phone width)."""
    if page.locator("#panel-details.drawer[open]").count():
        page.locator("#panel-details > summary").click()


def _correct_first_claim(page: Any, text: str) -> None:
    _open_panel(page)
    claim = page.locator("li.claim").first
    claim.locator("summary", has_text="Edit").click()
    claim.get_by_label("Corrected text").fill(text)
    claim.get_by_role("button", name="Save correction").click()
    page.get_by_text("Your change was saved.").wait_for()


def _answer_until_review(page: Any) -> None:
    for _ in range(MAX_TURNS):
        title = _wait_for_heading(page, "Question", "Summary so far", "Final review")
        if title.startswith("Final review"):
            return
        if title.startswith("Summary so far"):
            page.get_by_role("button", name="This is right, continue").click()
            page.wait_for_load_state()
            continue
        number = title
        page.get_by_role("button", name="I don't know").click()
        page.wait_for_function(
            "old => document.getElementById('question-heading')?.textContent !== old "
            "&& document.activeElement?.id === 'question-heading'",
            arg=number,
        )
    raise AssertionError(f"no final review after {MAX_TURNS} answers")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_full_flow(browser: Any, live_server: LiveServer, shots_folder: Path, device: str) -> None:
    shots = Shots(shots_folder, device)
    viewport = VIEWPORTS[device]
    requester = _new_page(browser, viewport)
    link_url = _log_in_and_create_link(requester, live_server, shots)

    participant = _new_page(browser, viewport)
    participant.goto(link_url)
    participant.get_by_role("heading", name="Bug report triage").wait_for()
    shots.take(participant, "welcome")
    participant.get_by_role("button", name="Begin").click()
    _wait_for_heading(participant, "Question 1")
    assert participant.evaluate("document.activeElement.id") == "question-heading"
    shots.take(participant, "question-1")

    participant.get_by_label("Your answer", exact=True).fill(FIRST_ANSWER)
    participant.get_by_role("button", name="Send answer").click()
    _wait_for_heading(participant, "Question 2")
    participant.wait_for_function("document.activeElement.id === 'question-heading'")
    shots.take(participant, "question-2")

    _correct_first_claim(participant, "The status icon spins for twelve minutes.")
    assert participant.get_by_text("The status icon spins for twelve minutes.").first.is_visible()
    shots.take(participant, "panel-corrected")
    _close_drawer(participant)

    participant.get_by_role("button", name="Pause and come back later").click()
    participant.get_by_role("heading", name="Welcome back").wait_for()
    shots.take(participant, "paused")

    participant.goto(link_url)
    participant.get_by_role("button", name="Continue where I stopped").click()
    greeting = participant.locator(".greeting")
    greeting.wait_for()
    assert greeting.text_content().startswith("Welcome back.")
    shots.take(participant, "resumed")

    _answer_until_review(participant)
    shots.take(participant, "review")
    participant.get_by_label("Signed by", exact=True).fill("Pat Doe")
    participant.get_by_role("button", name="Sign off").click()
    participant.get_by_role("heading", name="Thank you").wait_for()
    shots.take(participant, "signed")

    requester.goto(f"{live_server.url}/dashboard")
    requester.get_by_role("link", name="Bug report triage").click()
    requester.get_by_role("link", name="Pat").click()
    requester.get_by_role("heading", name="Trace").wait_for()
    assert requester.get_by_text("Signed off by Pat Doe").first.is_visible()
    assert requester.locator(".signed").is_visible()
    assert requester.get_by_text("Corrected c", exact=False).first.is_visible()
    assert requester.get_by_text("unbroken hash chain", exact=False).is_visible()
    shots.take(requester, "session")
    requester.locator("#trace-heading").scroll_into_view_if_needed()
    requester.evaluate("document.getElementById('trace-heading').scrollIntoView()")
    shots.take(requester, "trace")


def _direct_link(server: LiveServer) -> str:
    """Create a bug-triage briefing and a personal link without the UI; return the URL."""
    record = server.store.save_briefing(load_template("bug-triage"))
    _link, token = WebStore(server.store).create_link(record.pk, label="Pat")
    return f"{server.url}/p/{token}"


def test_injection_inert_in_browser(browser: Any, live_server: LiveServer) -> None:
    page = _new_page(browser, VIEWPORTS["desktop"])
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(_direct_link(live_server))
    page.get_by_role("button", name="Begin").click()
    _wait_for_heading(page, "Question 1")
    page.get_by_label("Your answer", exact=True).fill(f"The error said {INJECTION} on screen.")
    page.get_by_role("button", name="Send answer").click()
    _wait_for_heading(page, "Question 2")
    page.reload()
    _wait_for_heading(page, "Question 2")
    assert dialogs == []
    assert INJECTION in page.locator("#panel").inner_text()
    page.locator(".transcript > summary").click()
    assert INJECTION in page.locator(".transcript").inner_text()
    assert page.locator("#panel script, .transcript script").count() == 0


def test_keyboard_only_answer(browser: Any, live_server: LiveServer) -> None:
    page = _new_page(browser, VIEWPORTS["desktop"])
    page.goto(_direct_link(live_server))
    page.get_by_role("button", name="Begin").focus()
    page.keyboard.press("Enter")
    _wait_for_heading(page, "Question 1")
    assert page.evaluate("document.activeElement.id") == "question-heading"
    for _ in range(10):
        if page.evaluate("document.activeElement.id") == "answer":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "answer"
    page.keyboard.type(FIRST_ANSWER)
    page.keyboard.press("Control+Enter")
    _wait_for_heading(page, "Question 2")
    page.wait_for_function("document.activeElement.id === 'question-heading'")
    assert page.locator("#question-text").get_attribute("aria-live") == "polite"


def test_phone_panel_is_drawer(browser: Any, live_server: LiveServer) -> None:
    page = _new_page(browser, VIEWPORTS["phone"])
    page.goto(_direct_link(live_server))
    page.get_by_role("button", name="Begin").click()
    _wait_for_heading(page, "Question 1")
    assert page.locator("#panel-details").get_attribute("open") is None
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS["phone"]["width"]


def test_second_tab_gets_conflict(browser: Any, live_server: LiveServer) -> None:
    link_url = _direct_link(live_server)
    first = _new_page(browser, VIEWPORTS["desktop"])
    first.goto(link_url)
    first.get_by_role("button", name="Begin").click()
    _wait_for_heading(first, "Question 1")
    second = first.context.new_page()
    second.goto(link_url)
    _wait_for_heading(second, "Question 1")

    first.get_by_label("Your answer", exact=True).fill(FIRST_ANSWER)
    first.get_by_role("button", name="Send answer").click()
    _wait_for_heading(first, "Question 2")
    second.get_by_label("Your answer", exact=True).fill("An answer from the stale tab.")
    second.get_by_role("button", name="Send answer").click()
    second.get_by_text("changed in another window").first.wait_for()
    _wait_for_heading(second, "Question 2")

    session_id = live_server.store.list_sessions()[0].id
    answers = [
        event
        for event in live_server.store.load_events(session_id)
        if event.type == EventType.ANSWER_RECEIVED
    ]
    assert [event.payload["text"] for event in answers] == [FIRST_ANSWER]


def test_draft_survives_reload(browser: Any, live_server: LiveServer) -> None:
    page = _new_page(browser, VIEWPORTS["desktop"])
    page.goto(_direct_link(live_server))
    page.get_by_role("button", name="Begin").click()
    _wait_for_heading(page, "Question 1")
    page.get_by_label("Your answer", exact=True).fill("Half-typed answer about the export")

    page.reload()
    _wait_for_heading(page, "Question 1")

    assert page.get_by_label("Your answer", exact=True).input_value() == (
        "Half-typed answer about the export"
    )
