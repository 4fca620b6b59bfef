"""Server-rendered pages: requester login, CSRF, briefings, links, and the participant's
interview, driven through their HTML forms on a real database."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest

from elicitor.briefing.loader import load_template
from elicitor.session.events import EventType
from web_support import FIRST_ANSWER, MAX_TURNS, Web, hidden_value, log_in, make_web

INJECTION = "<script>alert(1)</script>"
# Eight statements whose numbers do not conflict, so no contradiction question comes
# first: enough claims for a summary checkpoint (proposed after seven new claims).
RICH_ANSWER = (
    "When I click Sync the status icon keeps spinning. No files appear in the shared "
    "folder. I expected the upload to finish quickly. The app still responds to "
    "clicks. It happens on Windows 11 23H2. I use version 4.2.1 of the app. It started after "
    "the update last Tuesday. It fails about 3 out of 10 times."
)


@pytest.fixture
def web(db_url: str) -> Iterator[Web]:
    app = make_web(db_url, rate_limit_burst=1000)
    yield app
    app.close()


@pytest.fixture
def sqlite_web(sqlite_url: str) -> Iterator[Web]:
    app = make_web(sqlite_url, rate_limit_burst=1000)
    yield app
    app.close()


def _participant_link(web: Web, **body: Any) -> str:
    return web.create_link(web.create_briefing()["pk"], **body)["token"]


def _begin(web: Web, token: str) -> str:
    """Press Begin on the welcome page; return the interview page's HTML."""
    welcome = web.client.get(f"/p/{token}")
    begun = web.client.post(
        f"/p/{token}/begin", data={"csrf_token": hidden_value(welcome.text, "csrf_token")}
    )
    assert begun.status_code == 303
    return web.client.get(begun.headers["location"]).text


def _send(web: Web, token: str, page: str, text: str = "", shortcut: str = "") -> str:
    """Submit the answer form on ``page``; return the next interview page's HTML."""
    data = {
        "csrf_token": hidden_value(page, "csrf_token"),
        "message_id": hidden_value(page, "message_id"),
        "expected_seq": hidden_value(page, "expected_seq"),
        "text": text,
        "shortcut": shortcut,
    }
    response = web.client.post(f"/p/{token}/answer", data=data)
    assert response.status_code == 303, response.text
    return web.client.get(response.headers["location"]).text


def _session_id(web: Web, token: str) -> str:
    link = web.context.web_store.find_link(token)
    assert link is not None and link.session_id is not None
    return link.session_id


# -- requester login and CSRF ----------------------------------------------------------------


def test_pages_need_login(sqlite_web: Web) -> None:
    response = sqlite_web.client.get("/dashboard")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/dashboard"


def test_login_sets_safe_cookie(sqlite_web: Web) -> None:
    form = sqlite_web.client.get("/login")
    response = sqlite_web.client.post(
        "/login",
        data={"key": sqlite_web.key, "csrf_token": hidden_value(form.text, "csrf_token")},
    )
    cookie = response.headers["set-cookie"].lower()
    assert response.status_code == 303
    assert "elicitor_login=" in cookie
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie


def test_login_cookie_secure_over_https(sqlite_url: str) -> None:
    web = make_web(sqlite_url, base_url="https://testserver")
    try:
        form = web.client.get("/login")
        response = web.client.post(
            "/login", data={"key": web.key, "csrf_token": hidden_value(form.text, "csrf_token")}
        )
        assert "secure" in response.headers["set-cookie"].lower()
    finally:
        web.close()


def test_login_without_csrf_rejected(sqlite_web: Web) -> None:
    sqlite_web.client.get("/login")
    response = sqlite_web.client.post("/login", data={"key": sqlite_web.key})
    assert response.status_code == 403
    assert "elicitor_login" not in sqlite_web.client.cookies


def test_login_with_bad_key(sqlite_web: Web) -> None:
    form = sqlite_web.client.get("/login")
    response = sqlite_web.client.post(
        "/login", data={"key": "elk_wrong", "csrf_token": hidden_value(form.text, "csrf_token")}
    )
    assert response.status_code == 401
    assert "not valid" in response.text


def test_login_redirects_to_next(sqlite_web: Web) -> None:
    form = sqlite_web.client.get("/login?next=/briefings/new")
    response = sqlite_web.client.post(
        "/login",
        data={
            "key": sqlite_web.key,
            "csrf_token": hidden_value(form.text, "csrf_token"),
            "next": hidden_value(form.text, "next"),
        },
    )
    assert response.headers["location"] == "/briefings/new"


def test_login_ignores_offsite_next(sqlite_web: Web) -> None:
    form = sqlite_web.client.get("/login?next=//example.org/x")
    assert hidden_value(form.text, "next") == "/dashboard"


def test_form_without_csrf_rejected(sqlite_web: Web) -> None:
    log_in(sqlite_web)
    response = sqlite_web.client.post(
        "/briefings/new", data={"source": "template", "template": "bug-triage"}
    )
    assert response.status_code == 403
    assert sqlite_web.store.list_briefings() == []


def test_form_with_wrong_csrf_rejected(sqlite_web: Web) -> None:
    log_in(sqlite_web)
    response = sqlite_web.client.post(
        "/briefings/new",
        data={"source": "template", "template": "bug-triage", "csrf_token": "forged"},
    )
    assert response.status_code == 403


def test_link_form_without_csrf_rejected(sqlite_web: Web) -> None:
    log_in(sqlite_web)
    pk = sqlite_web.create_briefing()["pk"]
    response = sqlite_web.client.post(f"/briefings/{pk}/links", data={"label": "Pat"})
    assert response.status_code == 403
    assert sqlite_web.context.web_store.list_links() == []


def test_logout_ends_login(sqlite_web: Web) -> None:
    csrf = log_in(sqlite_web)
    sqlite_web.client.post("/logout", data={"csrf_token": csrf})
    assert sqlite_web.client.get("/dashboard").status_code == 303


# -- briefings and links ---------------------------------------------------------------------


def test_create_from_template_page(web: Web) -> None:
    csrf = log_in(web)
    response = web.client.post(
        "/briefings/new",
        data={"source": "template", "template": "bug-triage", "csrf_token": csrf},
    )
    assert response.status_code == 303
    page = web.client.get(response.headers["location"])
    assert "Bug report triage" in page.text
    assert "Briefing created." in page.text


def test_create_from_uploaded_yaml(web: Web) -> None:
    csrf = log_in(web)
    text = (
        "id: checkout\ntitle: Checkout bugs\ngoal: Learn why checkout fails.\n"
        "opening_question: What happened at checkout?\n"
        "topics:\n  - id: symptom\n    title: Symptom\n    question: What did you see?\n"
    )
    response = web.client.post(
        "/briefings/new",
        data={"source": "yaml", "csrf_token": csrf},
        files={"file": ("checkout.yaml", text.encode(), "text/yaml")},
    )
    assert response.status_code == 303
    assert [record.slug for record in web.store.list_briefings()] == ["checkout"]


def test_yaml_errors_listed(sqlite_web: Web) -> None:
    csrf = log_in(sqlite_web)
    response = sqlite_web.client.post(
        "/briefings/new",
        data={"source": "yaml", "csrf_token": csrf, "yaml": "id: x\ntitle: X\n"},
    )
    assert response.status_code == 422
    assert "<strong>goal</strong>: is required but missing" in response.text
    assert 'aria-invalid="true"' in response.text


def test_form_errors_next_to_fields(sqlite_web: Web) -> None:
    csrf = log_in(sqlite_web)
    data = {
        "source": "form",
        "csrf_token": csrf,
        "id": "Not A Slug",
        "title": "Checkout",
        "goal": "",
        "opening_question": "What happened?",
        "topic-0-title": "Symptom",
        "topic-0-question": "Hi",
        "topic-0-required": "on",
    }
    response = sqlite_web.client.post("/briefings/new", data=data)
    assert response.status_code == 422
    for field in ("id", "goal", "topic-0-question"):
        assert f'id="f-{field}-error"' in response.text, field
    assert "must be lower-case letters" in response.text


def test_create_with_form(sqlite_web: Web) -> None:
    csrf = log_in(sqlite_web)
    data = {
        "source": "form",
        "csrf_token": csrf,
        "id": "checkout",
        "title": "Checkout bugs",
        "goal": "Learn why checkout fails.",
        "opening_question": "What happened at checkout?",
        "time_budget_minutes": "10",
        "tone": "warm",
        "topic-0-title": "What you saw",
        "topic-0-question": "What did the page show?",
        "topic-0-probes": "Was there an error code?\nWhich browser?",
        "topic-0-required": "on",
        "topic-1-title": "",
        "topic-1-question": "",
    }
    response = sqlite_web.client.post("/briefings/new", data=data)
    assert response.status_code == 303
    briefing = sqlite_web.store.list_briefings()[0].briefing
    assert briefing.topics[0].id == "what-you-saw"
    assert briefing.topics[0].probes == ["Was there an error code?", "Which browser?"]
    assert briefing.time_budget_minutes == 10


def test_edit_form_makes_version(web: Web) -> None:
    csrf = log_in(web)
    pk = web.create_briefing()["pk"]
    page = web.client.get(f"/briefings/{pk}/edit")
    assert 'value="bug-triage"' in page.text
    yaml_text = html.unescape(
        re.search(r'<textarea id="yaml"[^>]*>(.*?)</textarea>', page.text, re.S).group(1)
    )
    edited = yaml_text.replace("time_budget_minutes: 15", "time_budget_minutes: 25")
    response = web.client.post(
        f"/briefings/{pk}/edit", data={"source": "yaml", "yaml": edited, "csrf_token": csrf}
    )
    assert response.status_code == 303
    versions = [record.version for record in web.store.list_briefings()]
    assert versions == [1, 2]
    assert "notice=saved" in response.headers["location"]


def test_link_page_shows_url_once(web: Web) -> None:
    csrf = log_in(web)
    pk = web.create_briefing()["pk"]
    created = web.client.post(f"/briefings/{pk}/links", data={"label": "Dana", "csrf_token": csrf})
    assert created.status_code == 200
    url = re.search(r'id="link-url" class="code" readonly value="([^"]+)"', created.text).group(1)
    token = url.rsplit("/p/", 1)[1]
    detail = web.client.get(f"/briefings/{pk}")
    assert "Dana" in detail.text
    assert token not in detail.text


def test_revoke_link_page(sqlite_web: Web) -> None:
    csrf = log_in(sqlite_web)
    pk = sqlite_web.create_briefing()["pk"]
    link = sqlite_web.create_link(pk)
    response = sqlite_web.client.post(f"/links/{link['id']}/revoke", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert sqlite_web.client.get(f"/p/{link['token']}").status_code == 404


def test_dashboard_counts(sqlite_web: Web) -> None:
    log_in(sqlite_web)
    pk = sqlite_web.create_briefing()["pk"]
    sqlite_web.create_link(pk, label="invited only")
    token = sqlite_web.create_link(pk)["token"]
    sqlite_web.start(token)
    page = sqlite_web.client.get("/dashboard").text
    row = re.search(r"<tr>\s*<th scope=\"row\">.*?</tr>", page, re.S).group(0)
    numbers = re.findall(r'<td class="num">(\d+)</td>', row)
    assert numbers == ["1", "1", "0", "0", "0"]


# -- the participant's pages -----------------------------------------------------------------


def test_welcome_page_explains(sqlite_web: Web) -> None:
    token = _participant_link(sqlite_web)
    page = sqlite_web.client.get(f"/p/{token}").text
    assert "The maintainers" in page
    assert "About 15 minutes" in page
    assert "What is kept" in page
    assert "pause" in page
    assert "Begin" in page
    assert "network drive" not in page


def test_participant_headers(sqlite_web: Web) -> None:
    token = _participant_link(sqlite_web)
    response = sqlite_web.client.get(f"/p/{token}")
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_begin_without_csrf_rejected(sqlite_web: Web) -> None:
    token = _participant_link(sqlite_web)
    response = sqlite_web.client.post(f"/p/{token}/begin", data={})
    assert response.status_code == 403
    assert sqlite_web.store.list_sessions() == []


def test_answer_without_csrf_rejected(sqlite_web: Web) -> None:
    token = _participant_link(sqlite_web)
    _begin(sqlite_web, token)
    response = sqlite_web.client.post(f"/p/{token}/answer", data={"text": FIRST_ANSWER})
    assert response.status_code == 403
    assert EventType.ANSWER_RECEIVED not in sqlite_web.event_types(_session_id(sqlite_web, token))


def test_interview_by_forms(web: Web) -> None:
    token = _participant_link(web)
    page = _begin(web, token)
    assert "In your own words, what went wrong?" in page
    page = _send(web, token, page, FIRST_ANSWER)
    assert "Question 2" in page
    assert "status icon spins for ten minutes" in page
    page = _send(web, token, page, shortcut="dont_know")
    assert "Question 3" in page
    types = web.event_types(_session_id(web, token))
    assert types.count(EventType.ANSWER_RECEIVED) == 2
    assert EventType.UNKNOWN_RECORDED in types


def test_form_resubmit_stores_once(sqlite_web: Web) -> None:
    token = _participant_link(sqlite_web)
    page = _begin(sqlite_web, token)
    _send(sqlite_web, token, page, FIRST_ANSWER)
    again = _send(sqlite_web, token, page, FIRST_ANSWER)
    assert "Question 2" in again
    types = sqlite_web.event_types(_session_id(sqlite_web, token))
    assert types.count(EventType.ANSWER_RECEIVED) == 1


def test_stale_page_gets_conflict(sqlite_web: Web) -> None:
    token = _participant_link(sqlite_web)
    page = _begin(sqlite_web, token)
    _send(sqlite_web, token, page, FIRST_ANSWER)
    stale = page.replace(hidden_value(page, "message_id"), "another-tab")
    reloaded = _send(sqlite_web, token, stale, "second tab answer")
    assert "changed in another window" in reloaded
    types = sqlite_web.event_types(_session_id(sqlite_web, token))
    assert types.count(EventType.ANSWER_RECEIVED) == 1


def test_empty_answer_shows_error(sqlite_web: Web) -> None:
    token = _participant_link(sqlite_web)
    page = _begin(sqlite_web, token)
    response = sqlite_web.client.post(
        f"/p/{token}/answer",
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "message_id": hidden_value(page, "message_id"),
            "expected_seq": hidden_value(page, "expected_seq"),
            "text": "  ",
        },
    )
    assert response.status_code == 422
    assert "the answer is empty" in response.text


def test_long_answer_keeps_draft(sqlite_url: str) -> None:
    web = make_web(sqlite_url, max_answer_chars=50)
    try:
        token = _participant_link(web)
        page = _begin(web, token)
        draft = "word " * 20
        response = web.client.post(
            f"/p/{token}/answer",
            data={
                "csrf_token": hidden_value(page, "csrf_token"),
                "message_id": hidden_value(page, "message_id"),
                "expected_seq": hidden_value(page, "expected_seq"),
                "text": draft,
            },
        )
        assert response.status_code == 413
        assert "the limit is 50" in response.text
        assert draft.strip() in response.text
    finally:
        web.close()


def test_side_panel_correction(web: Web) -> None:
    token = _participant_link(web)
    page = _send(web, token, _begin(web, token), FIRST_ANSWER)
    claim_id = re.search(r'<li class="claim" id="claim-(c\d+)">', page).group(1)
    response = web.client.post(
        f"/p/{token}/claims/{claim_id}",
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "action": "correct",
            "value": "The icon spins for twelve minutes.",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"#claim-{claim_id}")
    state = web.context.interviewer.load(_session_id(web, token)).state
    assert state.claims[claim_id].text == "The icon spins for twelve minutes."
    assert state.claims[claim_id].status == "corrected"


def test_pause_and_come_back(web: Web) -> None:
    token = _participant_link(web)
    page = _send(web, token, _begin(web, token), FIRST_ANSWER)
    paused = web.client.post(
        f"/p/{token}/pause", data={"csrf_token": hidden_value(page, "csrf_token")}
    )
    assert paused.headers["location"] == f"/p/{token}?notice=paused"
    welcome = web.client.get(f"/p/{token}")
    assert "Welcome back" in welcome.text
    assert "answered 1 question" in welcome.text
    resumed = web.client.post(
        f"/p/{token}/resume", data={"csrf_token": hidden_value(welcome.text, "csrf_token")}
    )
    page = web.client.get(resumed.headers["location"]).text
    assert "Welcome back. You have answered 1 questions" in page
    assert "Question 2" in page


def test_intake_visitor_gets_own_link(sqlite_web: Web) -> None:
    token = _participant_link(sqlite_web, kind="intake")
    welcome = sqlite_web.client.get(f"/p/{token}")
    assert 'name="participant"' in welcome.text
    begun = sqlite_web.client.post(
        f"/p/{token}/begin",
        data={"csrf_token": hidden_value(welcome.text, "csrf_token"), "participant": "Sam"},
    )
    location = begun.headers["location"]
    assert location.endswith("/interview?new=1")
    assert not location.startswith(f"/p/{token}/")
    page = sqlite_web.client.get(location).text
    assert "Keep this address to come back later" in page
    assert sqlite_web.store.list_sessions()[0].participant == "Sam"


def _reach_summary(web: Web, token: str, page: str) -> str:
    page = _send(web, token, page, RICH_ANSWER)
    for _ in range(MAX_TURNS):
        if "Summary so far" in page or "Final review" in page:
            return page
        page = _send(web, token, page, shortcut="dont_know")
    raise AssertionError("no summary checkpoint appeared")


def test_summary_checkpoint_edits(web: Web) -> None:
    token = _participant_link(web)
    page = _reach_summary(web, token, _begin(web, token))
    assert "Summary so far" in page
    session_id = _session_id(web, token)
    prompt = web.context.interviewer.load(session_id).state.pending
    assert prompt is not None and len(prompt.points) >= 3
    data = {
        "csrf_token": hidden_value(page, "csrf_token"),
        "expected_seq": hidden_value(page, "expected_seq"),
        "message_id": hidden_value(page, "message_id"),
        "action": "confirm",
        "point-1-text": "Corrected first point.",
        "point-1-kind": prompt.points[0]["kind"],
        "point-2-text": prompt.points[1]["text"],
        "point-2-kind": prompt.points[1]["kind"],
        "point-2-drop": "on",
        "point-3-text": prompt.points[2]["text"],
        "point-3-kind": "assumption",
    }
    response = web.client.post(f"/p/{token}/checkpoint", data=data)
    assert response.status_code == 303
    state = web.context.interviewer.load(session_id).state
    assert state.claims[prompt.points[0]["claim_id"]].text == "Corrected first point."
    assert state.claims[prompt.points[1]["claim_id"]].status == "rejected"
    assert state.claims[prompt.points[2]["claim_id"]].kind == "assumption"
    assert EventType.SUMMARY_CONFIRMED in web.event_types(session_id)
    assert state.pending is not None and state.pending.kind != "summary"


def _reach_review(web: Web, token: str) -> str:
    page = _send(web, token, _begin(web, token), FIRST_ANSWER)
    for _ in range(MAX_TURNS):
        if "Final review" in page:
            return page
        if "Summary so far" in page:
            page = _checkpoint(web, token, page, "confirm")
            continue
        page = _send(web, token, page, shortcut="dont_know")
    raise AssertionError("no final review appeared")


def _checkpoint(web: Web, token: str, page: str, action: str, **extra: str) -> str:
    data = {
        "csrf_token": hidden_value(page, "csrf_token"),
        "expected_seq": hidden_value(page, "expected_seq"),
        "message_id": hidden_value(page, "message_id"),
        "action": action,
    } | extra
    response = web.client.post(f"/p/{token}/checkpoint", data=data)
    assert response.status_code == 303, response.text
    return web.client.get(response.headers["location"]).text


def test_review_sign_off(web: Web) -> None:
    token = _participant_link(web)
    page = _reach_review(web, token)
    assert 'class="kind kind-unknown"' in page
    done = _checkpoint(web, token, page, "sign", signer="Pat Doe")
    assert "You signed this record off as <strong>Pat Doe</strong>" in done
    assert web.store.get_session(_session_id(web, token)).status == "signed_off"


def test_review_save_not_signed(sqlite_web: Web) -> None:
    token = _participant_link(sqlite_web)
    page = _checkpoint(sqlite_web, token, _reach_review(sqlite_web, token), "save", signer="Pat")
    assert "Final review" in page
    assert sqlite_web.store.get_session(_session_id(sqlite_web, token)).status == "awaiting_signoff"


def test_review_keep_going(sqlite_web: Web) -> None:
    token = _participant_link(sqlite_web)
    page = _checkpoint(sqlite_web, token, _reach_review(sqlite_web, token), "back")
    assert "What would you like to add or change?" in page


def test_review_extra_text_not_signed(sqlite_web: Web) -> None:
    token = _participant_link(sqlite_web)
    page = _reach_review(sqlite_web, token)
    after = _checkpoint(
        sqlite_web, token, page, "sign", signer="Pat", extra="It also fails on my laptop."
    )
    assert "We added what you wrote" in after
    assert sqlite_web.store.get_session(_session_id(sqlite_web, token)).status != "signed_off"


# -- HTML injection ---------------------------------------------------------------------------


def test_injection_inert_for_participant(web: Web) -> None:
    token = _participant_link(web)
    page = _send(web, token, _begin(web, token), f"The error said {INJECTION} on screen.")
    assert INJECTION not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    panel = page.split('id="panel"', 1)[1]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in panel


def test_injection_inert_for_requester(web: Web) -> None:
    log_in(web)
    token = _participant_link(web)
    _send(web, token, _begin(web, token), f"The error said {INJECTION} on screen.")
    page = web.client.get(f"/sessions/{_session_id(web, token)}").text
    assert INJECTION not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# -- the requester's session page ------------------------------------------------------------


def test_session_page_trace(web: Web) -> None:
    log_in(web)
    token = _participant_link(web)
    _send(web, token, _begin(web, token), FIRST_ANSWER)
    session_id = _session_id(web, token)
    page = web.client.get(f"/sessions/{session_id}").text
    assert "Question (opening)" in page
    assert "Reason:</span> every interview starts with the briefing&#39;s opening question" in page
    assert "unbroken hash chain" in page
    assert "draft" in page


def test_session_exports(sqlite_web: Web) -> None:
    log_in(sqlite_web)
    token = _participant_link(sqlite_web)
    _begin(sqlite_web, token)
    session_id = _session_id(sqlite_web, token)
    markdown = sqlite_web.client.get(f"/sessions/{session_id}/artifact.md")
    as_json = sqlite_web.client.get(f"/sessions/{session_id}/artifact.json")
    assert markdown.text.startswith("# Bug report triage")
    assert "attachment" in markdown.headers["content-disposition"]
    assert as_json.json()["session_id"] == session_id


def test_template_titles_on_new_page(sqlite_web: Web) -> None:
    log_in(sqlite_web)
    page = sqlite_web.client.get("/briefings/new").text
    assert load_template("incident").title in page
    assert 'enctype="multipart/form-data"' in page
