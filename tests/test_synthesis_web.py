"""The synthesis in the JSON API and on the requester's pages, and the round-2 link flow."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from importlib import resources

import jsonschema
import pytest

from elicitor.store.store import BriefingRecord
from test_synthesis_support import interview, save
from web_support import Web, hidden_value, log_in, make_web

ANN = "We rolled back the release at 23:40."
BOB = "We rolled back the release at 23:10."


@pytest.fixture
def web(sqlite_url: str) -> Iterator[Web]:
    app = make_web(sqlite_url, rate_limit_burst=1000)
    yield app
    app.close()


@pytest.fixture
def record(web: Web) -> BriefingRecord:
    """A briefing with two signed interviews that disagree on the rollback time."""
    saved = save(web.store)
    interview(web.context.interviewer, saved, "Ann", [ANN])
    interview(web.context.interviewer, saved, "Bob", [BOB])
    return saved


def schema() -> dict[str, object]:
    text = (resources.files("elicitor") / "schemas" / "synthesis.v1.json").read_text("utf-8")
    return json.loads(text)


def test_api_needs_key(web: Web, record: BriefingRecord) -> None:
    response = web.client.get(f"/api/v1/briefings/{record.slug}/synthesis")
    assert response.status_code == 401


def test_api_matches_schema(web: Web, record: BriefingRecord) -> None:
    response = web.client.get(f"/api/v1/briefings/{record.slug}/synthesis", headers=web.headers)
    assert response.status_code == 200
    body = response.json()
    jsonschema.validate(body, schema())
    assert body["schema_version"] == 1
    assert [d["kind"] for d in body["disagreements"]] == ["time"]


def test_api_by_pk_with_names(web: Web, record: BriefingRecord) -> None:
    response = web.client.get(
        f"/api/v1/briefings/{record.pk}/synthesis",
        params={"names": "true", "timeline": "false"},
        headers=web.headers,
    )
    body = response.json()
    assert [p["label"] for p in body["participants"]] == ["Ann", "Bob"]
    assert body["timeline"] is None


def test_api_unknown_briefing(web: Web) -> None:
    response = web.client.get("/api/v1/briefings/nope/synthesis", headers=web.headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_api_round2_links(web: Web, record: BriefingRecord) -> None:
    response = web.client.post(
        f"/api/v1/briefings/{record.slug}/synthesis/round2",
        json={"expires_in_days": 3},
        headers=web.headers,
    )
    assert response.status_code == 201
    items = response.json()["items"]
    assert [item["label"] for item in items] == ["Ann", "Bob"]
    assert all(item["url"] == f"http://testserver/p/{item['token']}" for item in items)
    link = web.context.web_store.get_link(items[0]["link_id"])
    assert link.expires_at is not None


def test_api_round2_rejects_unknown_field(web: Web, record: BriefingRecord) -> None:
    response = web.client.post(
        f"/api/v1/briefings/{record.slug}/synthesis/round2",
        json={"name": True},
        headers=web.headers,
    )
    assert response.status_code == 422


def test_page_needs_login(web: Web, record: BriefingRecord) -> None:
    response = web.client.get(f"/briefings/{record.pk}/synthesis")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_page_shows_matrix(web: Web, record: BriefingRecord) -> None:
    log_in(web)
    response = web.client.get(f"/briefings/{record.pk}/synthesis")
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert "Who says what" in page
    assert 'class="heatmap"' in page
    assert ANN in page
    assert BOB in page
    assert "Ann" not in page.replace(ANN, "")


def test_page_names_on_request(web: Web, record: BriefingRecord) -> None:
    log_in(web)
    response = web.client.get(f"/briefings/{record.pk}/synthesis", params={"names": "1"})
    assert 'Bob <span class="muted">(P2)</span>' in response.text


def test_page_without_sessions(web: Web) -> None:
    record = save(web.store)
    log_in(web)
    response = web.client.get(f"/briefings/{record.pk}/synthesis")
    assert response.status_code == 200
    assert "No signed-off interviews yet." in response.text
    assert 'class="heatmap"' not in response.text
    assert "nothing to follow up" in response.text


def test_round2_form_needs_csrf(web: Web, record: BriefingRecord) -> None:
    log_in(web)
    response = web.client.post(
        f"/briefings/{record.pk}/synthesis/round2", data={"csrf_token": "wrong"}
    )
    assert response.status_code == 403


def test_round2_link_opens_question(web: Web, record: BriefingRecord) -> None:
    csrf = log_in(web)
    created = web.client.post(f"/briefings/{record.pk}/synthesis/round2", data={"csrf_token": csrf})
    assert created.status_code == 200
    url = hidden_value_url(created.text)
    token = url.rsplit("/p/", 1)[1]
    welcome = web.client.get(f"/p/{token}")
    begun = web.client.post(
        f"/p/{token}/begin", data={"csrf_token": hidden_value(welcome.text, "csrf_token")}
    )
    page = html.unescape(web.client.get(begun.headers["location"]).text)
    assert "Another participant recalls 23:10" in page
    assert "You said 23:40" in page


def hidden_value_url(page: str) -> str:
    """Return the first round-2 address shown on the links page."""
    marker = 'id="round2-url-1" class="code" readonly value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]
