"""The JSON API under /api/v1, on a real database (SQLite and PostgreSQL), in-process."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from elicitor.briefing.loader import load_template
from elicitor.engine.registry import Engine, load_engine
from elicitor.session.events import EventType, verify_chain
from elicitor.store import tables
from web_support import DONT_KNOW, FIRST_ANSWER, Web, make_web


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


def _answer_events(web: Web, session_id: str) -> int:
    return web.event_types(session_id).count(EventType.ANSWER_RECEIVED)


# -- OpenAPI and requester authentication ----------------------------------------------------


def test_openapi_lists_resources(sqlite_web: Web) -> None:
    spec = sqlite_web.client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/briefings",
        "/api/v1/links",
        "/api/v1/sessions/{session_id}/trace",
        "/api/v1/sessions/{session_id}/artifact",
        "/api/v1/p/{token}/sessions/{session_id}/answers",
        "/api/v1/p/{token}/sessions/{session_id}/claims/{claim_id}",
    ):
        assert path in spec["paths"], path
    for schema in ("BriefingCreate", "BriefingPublic", "LinkCreate", "LinkPublic", "AnswerCreate"):
        assert schema in spec["components"]["schemas"], schema


def test_openapi_hides_pages(sqlite_web: Web) -> None:
    spec = sqlite_web.client.get("/api/v1/openapi.json").json()
    assert not [path for path in spec["paths"] if not path.startswith("/api/v1/")]


REQUESTER_CALLS = [
    ("get", "/api/v1/briefings", None),
    ("post", "/api/v1/briefings", {"template": "bug-triage"}),
    ("get", "/api/v1/briefings/1", None),
    ("put", "/api/v1/briefings/1", {"yaml": "id: x"}),
    ("get", "/api/v1/links", None),
    ("post", "/api/v1/links", {"briefing_pk": 1}),
    ("post", "/api/v1/links/l-1/revoke", None),
    ("get", "/api/v1/sessions", None),
    ("get", "/api/v1/sessions/s-1", None),
    ("get", "/api/v1/sessions/s-1/artifact", None),
    ("get", "/api/v1/sessions/s-1/trace", None),
]


@pytest.mark.parametrize(("method", "path", "body"), REQUESTER_CALLS)
def test_requester_call_without_key(
    sqlite_web: Web, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = sqlite_web.client.request(method, path, json=body)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_wrong_key_is_401(sqlite_web: Web) -> None:
    headers = {"Authorization": "Bearer elk_not-a-real-key"}
    response = sqlite_web.client.get("/api/v1/briefings", headers=headers)
    assert response.status_code == 401
    assert "not valid" in response.json()["error"]["message"]


def test_revoked_key_is_401(sqlite_web: Web) -> None:
    key, token = sqlite_web.context.web_store.create_api_key("short-lived")
    headers = {"Authorization": f"Bearer {token}"}
    assert sqlite_web.client.get("/api/v1/briefings", headers=headers).status_code == 200
    sqlite_web.context.web_store.revoke_api_key(key.id)
    assert sqlite_web.client.get("/api/v1/briefings", headers=headers).status_code == 401


def test_api_key_stored_hashed(sqlite_web: Web) -> None:
    with sqlite_web.store.engine.connect() as conn:
        hashes = conn.execute(select(tables.api_keys.c.token_hash)).scalars().all()
    assert hashlib.sha256(sqlite_web.key.encode()).hexdigest() in hashes
    assert sqlite_web.key not in hashes


# -- briefings -----------------------------------------------------------------------------


def test_briefing_from_template(web: Web) -> None:
    created = web.create_briefing("bug-triage")
    assert created["id"] == "bug-triage"
    assert created["version"] == 1
    assert created["briefing"]["private_notes"]


def test_briefing_from_yaml(web: Web) -> None:
    text = yaml.safe_dump(load_template("incident").model_dump(mode="json"))
    response = web.client.post("/api/v1/briefings", json={"yaml": text}, headers=web.headers)
    assert response.status_code == 201
    assert response.json()["id"] == "incident"


def test_briefing_from_object(web: Web) -> None:
    data = load_template("onboarding").model_dump(mode="json") | {"id": "onboarding-2"}
    response = web.client.post("/api/v1/briefings", json={"briefing": data}, headers=web.headers)
    assert response.status_code == 201
    assert response.json()["id"] == "onboarding-2"


def test_invalid_briefing_names_fields(web: Web) -> None:
    text = "id: broken\ntitle: Broken\nopening_question: What happened?\ntopics: []\n"
    response = web.client.post("/api/v1/briefings", json={"yaml": text}, headers=web.headers)
    assert response.status_code == 422
    fields = {item["field"] for item in response.json()["error"]["details"]}
    assert "goal" in fields
    assert "topics" in fields


def test_briefing_needs_one_source(web: Web) -> None:
    body = {"template": "bug-triage", "yaml": "id: x"}
    response = web.client.post("/api/v1/briefings", json=body, headers=web.headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


def test_unknown_template_is_404(web: Web) -> None:
    response = web.client.post(
        "/api/v1/briefings", json={"template": "no-such"}, headers=web.headers
    )
    assert response.status_code == 404
    assert "bug-triage" in response.json()["error"]["message"]


def test_briefing_too_large_is_413(sqlite_web: Web) -> None:
    text = "id: big\ngoal: " + "x" * (300 * 1024)
    response = sqlite_web.client.post(
        "/api/v1/briefings", json={"yaml": text}, headers=sqlite_web.headers
    )
    assert response.status_code == 413
    assert "262144" in response.json()["error"]["message"]


def test_edit_keeps_session_version(web: Web) -> None:
    briefing = web.create_briefing()
    link = web.create_link(briefing["pk"])
    started = web.start(link["token"])
    edited = briefing["briefing"] | {"goal": "A different goal for the second version."}
    response = web.client.put(
        f"/api/v1/briefings/{briefing['pk']}", json={"briefing": edited}, headers=web.headers
    )
    assert response.status_code == 200
    second = response.json()
    assert second["version"] == 2
    assert [v["version"] for v in second["versions"]] == [1, 2]
    session = web.client.get(f"/api/v1/sessions/{started['session_id']}", headers=web.headers)
    assert session.json()["briefing_pk"] == briefing["pk"]
    assert session.json()["briefing_version"] == 1


def test_edit_cannot_change_id(web: Web) -> None:
    briefing = web.create_briefing()
    edited = briefing["briefing"] | {"id": "renamed"}
    response = web.client.put(
        f"/api/v1/briefings/{briefing['pk']}", json={"briefing": edited}, headers=web.headers
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "id"


# -- links ---------------------------------------------------------------------------------


def test_link_token_stored_hashed(web: Web) -> None:
    link = web.create_link(web.create_briefing()["pk"])
    token = link["token"]
    assert len(token) >= 43
    with web.store.engine.connect() as conn:
        stored = conn.execute(select(tables.links.c.token_hash)).scalars().all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert link["url"].endswith(f"/p/{token}")


def test_link_default_expiry(web: Web) -> None:
    link = web.create_link(web.create_briefing()["pk"])
    expires = datetime.fromisoformat(link["expires_at"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)


def test_link_without_expiry(web: Web) -> None:
    link = web.create_link(web.create_briefing()["pk"], expires_in_days=0)
    assert link["expires_at"] is None


def test_reissue_keeps_no_expiry(web: Web) -> None:
    link = web.create_link(web.create_briefing()["pk"], expires_in_days=0)
    response = web.client.post(f"/api/v1/links/{link['id']}/reissue", headers=web.headers)
    assert response.status_code == 201
    assert response.json()["expires_at"] is None


def test_reissue_takes_new_expiry(web: Web) -> None:
    link = web.create_link(web.create_briefing()["pk"], expires_in_days=0)
    response = web.client.post(
        f"/api/v1/links/{link['id']}/reissue", json={"expires_in_days": 3}, headers=web.headers
    )
    expires = datetime.fromisoformat(response.json()["expires_at"])
    assert timedelta(days=2) < expires - datetime.now(UTC) <= timedelta(days=3)


def test_reissue_of_unknown_link_404(web: Web) -> None:
    response = web.client.post("/api/v1/links/nosuch/reissue", headers=web.headers)
    assert response.status_code == 404


def test_link_for_unknown_briefing(web: Web) -> None:
    response = web.client.post("/api/v1/links", json={"briefing_pk": 999}, headers=web.headers)
    assert response.status_code == 404


def _dead_tokens(web: Web) -> dict[str, str]:
    pk = web.create_briefing()["pk"]
    revoked = web.create_link(pk)
    web.client.post(f"/api/v1/links/{revoked['id']}/revoke", headers=web.headers)
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    _link, expired = web.context.web_store.create_link(pk, label="old", expires_at=past)
    return {"unknown": "x" * 43, "revoked": revoked["token"], "expired": expired}


def test_dead_links_api_alike(web: Web) -> None:
    tokens = _dead_tokens(web)
    responses = {name: web.client.get(f"/api/v1/p/{token}") for name, token in tokens.items()}
    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(tokens, 404)
    assert responses["unknown"].content == responses["revoked"].content
    assert responses["unknown"].content == responses["expired"].content


def test_dead_links_start_alike(web: Web) -> None:
    tokens = _dead_tokens(web)
    bodies = {
        name: web.client.post(f"/api/v1/p/{token}/sessions", json={}).content
        for name, token in tokens.items()
    }
    assert bodies["unknown"] == bodies["revoked"] == bodies["expired"]


def test_dead_links_pages_alike(web: Web) -> None:
    tokens = _dead_tokens(web)
    responses = {name: web.client.get(f"/p/{token}") for name, token in tokens.items()}
    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(tokens, 404)
    assert responses["unknown"].text == responses["revoked"].text
    assert responses["unknown"].text == responses["expired"].text


def test_revoke_stops_started_link(web: Web) -> None:
    token, session_id = web.new_session()
    link_id = web.store.get_session(session_id).link_id
    web.client.post(f"/api/v1/links/{link_id}/revoke", headers=web.headers)
    response = web.answer(token, session_id, FIRST_ANSWER)
    assert response.status_code == 404


def test_reissue_continues_session(web: Web) -> None:
    token, session_id = web.new_session()
    link_id = web.store.get_session(session_id).link_id
    response = web.client.post(f"/api/v1/links/{link_id}/reissue", json={}, headers=web.headers)
    assert response.status_code == 201
    new_token = response.json()["token"]
    assert web.client.get(f"/api/v1/p/{token}").status_code == 404
    assert web.client.get(f"/api/v1/p/{new_token}").json()["session_id"] == session_id
    assert web.answer(new_token, session_id, FIRST_ANSWER).status_code == 200


# -- participant access ----------------------------------------------------------------------


def test_participant_sees_no_private_notes(web: Web) -> None:
    link = web.create_link(web.create_briefing()["pk"])
    body = web.client.get(f"/api/v1/p/{link['token']}").json()
    assert "private_notes" not in body["briefing"]
    assert body["briefing"]["requester"] == "The maintainers"


def test_other_session_is_403(web: Web) -> None:
    token_a, _session_a = web.new_session()
    _token_b, session_b = web.new_session()
    base = f"/api/v1/p/{token_a}/sessions/{session_b}"
    assert web.client.get(base).status_code == 403
    assert web.client.get(f"{base}/question").status_code == 403
    assert web.client.get(f"{base}/artifact").status_code == 403
    assert web.answer(token_a, session_b, FIRST_ANSWER).status_code == 403
    assert _answer_events(web, session_b) == 0


def test_intake_starts_one_session_per_visitor(web: Web) -> None:
    link = web.create_link(web.create_briefing()["pk"], kind="intake", label="public form")
    first = web.start(link["token"])
    second = web.start(link["token"])
    assert first["session_id"] != second["session_id"]
    assert first["token"] != second["token"]
    assert first["url"].endswith(f"/p/{first['token']}")
    own = web.answer(first["token"], first["session_id"], FIRST_ANSWER)
    assert own.status_code == 200


def test_intake_token_cannot_answer(web: Web) -> None:
    link = web.create_link(web.create_briefing()["pk"], kind="intake")
    started = web.start(link["token"])
    response = web.answer(link["token"], started["session_id"], FIRST_ANSWER)
    assert response.status_code == 403


def test_personal_link_starts_once(web: Web) -> None:
    link = web.create_link(web.create_briefing()["pk"])
    first = web.start(link["token"])
    second = web.start(link["token"])
    assert first["session_id"] == second["session_id"]
    assert len(web.store.list_sessions()) == 1


# -- answers -------------------------------------------------------------------------------


def test_answer_returns_next_question(web: Web) -> None:
    token, session_id = web.new_session()
    response = web.answer(token, session_id, FIRST_ANSWER, message_id="m-1")
    assert response.status_code == 200
    body = response.json()
    assert body["duplicate"] is False
    assert body["prompt"]["kind"] == "question"
    assert body["prompt"]["reason"]


def test_answer_retry_is_idempotent(web: Web) -> None:
    token, session_id = web.new_session()
    first = web.answer(token, session_id, FIRST_ANSWER, message_id="m-1", expected_seq=2)
    retry = web.answer(token, session_id, FIRST_ANSWER, message_id="m-1", expected_seq=2)
    assert retry.status_code == 200
    assert retry.json()["duplicate"] is True
    assert retry.json()["answer_seq"] == first.json()["answer_seq"]
    assert retry.json()["prompt"] == first.json()["prompt"]
    assert _answer_events(web, session_id) == 1


def test_concurrent_answers_one_conflict(web: Web) -> None:
    token, session_id = web.new_session()
    expected = web.store.get_session(session_id).last_seq
    barrier = threading.Barrier(2)

    def send(message_id: str) -> int:
        barrier.wait()
        response = web.answer(
            token, session_id, FIRST_ANSWER, message_id=message_id, expected_seq=expected
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(send, ["tab-1", "tab-2"]))
    assert statuses == [200, 409]
    assert _answer_events(web, session_id) == 1
    assert verify_chain(web.store.load_events(session_id)) == []


def test_stale_expected_seq_is_409(web: Web) -> None:
    token, session_id = web.new_session()
    web.answer(token, session_id, FIRST_ANSWER)
    response = web.answer(token, session_id, DONT_KNOW, expected_seq=2)
    assert response.status_code == 409
    assert "reload" in response.json()["error"]["message"]


def test_empty_answer_is_422(web: Web) -> None:
    token, session_id = web.new_session()
    response = web.answer(token, session_id, "   ")
    assert response.status_code == 422
    assert "empty" in response.json()["error"]["message"]


def test_bad_message_id_is_422(web: Web) -> None:
    token, session_id = web.new_session()
    response = web.answer(token, session_id, FIRST_ANSWER, message_id="has spaces")
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "body.message_id"


def test_missing_text_is_422(web: Web) -> None:
    token, session_id = web.new_session()
    response = web.client.post(f"/api/v1/p/{token}/sessions/{session_id}/answers", json={})
    assert response.status_code == 422


def test_long_answer_is_413(sqlite_url: str) -> None:
    web = make_web(sqlite_url, max_answer_chars=100)
    try:
        token, session_id = web.new_session()
        response = web.answer(token, session_id, "a" * 101)
        assert response.status_code == 413
        assert "limit is 100" in response.json()["error"]["message"]
        assert _answer_events(web, session_id) == 0
    finally:
        web.close()


def test_large_body_is_413(sqlite_url: str) -> None:
    web = make_web(sqlite_url, max_request_bytes=2048)
    try:
        token, session_id = web.new_session()
        response = web.answer(token, session_id, "a" * 4000)
        assert response.status_code == 413
        assert "2048" in response.json()["error"]["message"]
    finally:
        web.close()


def test_chunked_body_is_413(sqlite_url: str) -> None:
    web = make_web(sqlite_url, max_request_bytes=2048)
    try:
        token, session_id = web.new_session()
        chunks = (b'{"text": "' + b"a" * 1000 for _ in range(4))
        response = web.client.post(
            f"/api/v1/p/{token}/sessions/{session_id}/answers",
            content=chunks,
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 413
        assert "2048" in response.json()["error"]["message"]
        assert _answer_events(web, session_id) == 0
    finally:
        web.close()


def test_rate_limit_429(sqlite_url: str) -> None:
    web = make_web(sqlite_url, rate_limit_burst=3, rate_limit_per_minute=1)
    try:
        link = web.create_link(web.create_briefing()["pk"])
        statuses = [web.client.get(f"/api/v1/p/{link['token']}").status_code for _ in range(4)]
        limited = web.client.get(f"/api/v1/p/{link['token']}")
        assert statuses == [200, 200, 200, 429]
        assert limited.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
    finally:
        web.close()


def test_rate_limit_is_per_link(sqlite_url: str) -> None:
    web = make_web(sqlite_url, rate_limit_burst=2, rate_limit_per_minute=1)
    try:
        pk = web.create_briefing()["pk"]
        first = web.create_link(pk)["token"]
        second = web.create_link(pk)["token"]
        for _ in range(3):
            web.client.get(f"/api/v1/p/{first}")
        assert web.client.get(f"/api/v1/p/{second}").status_code == 200
    finally:
        web.close()


class _BreakableAnalyst:
    """The offline analyst, made to fail on demand."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.broken = True

    def analyze(self, text: str, **kwargs: Any) -> Any:
        if self.broken:
            raise RuntimeError("analyst failed on purpose")
        return self.inner.analyze(text, **kwargs)


def test_answer_kept_when_turn_fails(db_url: str) -> None:
    offline = load_engine("offline")
    analyst = _BreakableAnalyst(offline.analyst)
    engine = Engine("offline", "offline", offline.model, analyst, offline.voice)
    web = make_web(db_url, engine=engine, rate_limit_burst=1000)
    try:
        token, session_id = web.new_session()
        response = web.answer(token, session_id, FIRST_ANSWER, message_id="m-1")
        assert response.status_code == 202
        assert response.json()["prompt"] is None
        assert _answer_events(web, session_id) == 1
        analyst.broken = False
        question = web.client.get(f"/api/v1/p/{token}/sessions/{session_id}/question")
        assert question.status_code == 200
        assert question.json()["kind"] == "question"
        assert question.json()["seq"] > response.json()["answer_seq"]
    finally:
        web.close()


def test_deferred_turn_runs_on_read(web: Web) -> None:
    token, session_id = web.new_session()
    stored = web.answer(token, session_id, FIRST_ANSWER, run_turn=False)
    assert stored.status_code == 202
    question = web.client.get(f"/api/v1/p/{token}/sessions/{session_id}/question")
    assert question.json()["seq"] > stored.json()["answer_seq"]


def test_stream_sends_text_then_prompt(web: Web) -> None:
    token, session_id = web.new_session()
    web.answer(token, session_id, FIRST_ANSWER, run_turn=False)
    response = web.client.get(f"/api/v1/p/{token}/sessions/{session_id}/stream")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [line for line in response.text.splitlines() if line.startswith("event:")]
    assert events == ["event: text", "event: prompt"]


# -- claims, pause, sign-off -----------------------------------------------------------------


def _first_claim(web: Web, token: str, session_id: str) -> dict[str, Any]:
    body = web.client.get(f"/api/v1/p/{token}/sessions/{session_id}").json()
    assert body["claims"], "the first answer produced no claims"
    return body["claims"][0]


def test_claim_correction(web: Web) -> None:
    token, session_id = web.new_session()
    web.answer(token, session_id, FIRST_ANSWER)
    claim = _first_claim(web, token, session_id)
    response = web.client.post(
        f"/api/v1/p/{token}/sessions/{session_id}/claims/{claim['id']}",
        json={"action": "correct", "value": "The icon spins for 12 minutes."},
    )
    assert response.status_code == 200
    assert response.json()["text"] == "The icon spins for 12 minutes."
    assert response.json()["status"] == "corrected"


def test_claim_relabel_bad_kind(web: Web) -> None:
    token, session_id = web.new_session()
    web.answer(token, session_id, FIRST_ANSWER)
    claim = _first_claim(web, token, session_id)
    response = web.client.post(
        f"/api/v1/p/{token}/sessions/{session_id}/claims/{claim['id']}",
        json={"action": "relabel", "value": "rumour"},
    )
    assert response.status_code == 422
    assert "fact, judgment or assumption" in response.json()["error"]["message"]


def test_unknown_claim_is_422(web: Web) -> None:
    token, session_id = web.new_session()
    response = web.client.post(
        f"/api/v1/p/{token}/sessions/{session_id}/claims/c99", json={"action": "confirm"}
    )
    assert response.status_code == 422


def test_pause_and_resume_greets(web: Web) -> None:
    token, session_id = web.new_session()
    web.answer(token, session_id, FIRST_ANSWER)
    paused = web.client.post(f"/api/v1/p/{token}/sessions/{session_id}/pause")
    assert paused.json()["status"] == "paused"
    resumed = web.client.post(f"/api/v1/p/{token}/sessions/{session_id}/resume")
    assert resumed.json()["greeting"].startswith("Welcome back")
    assert web.store.get_session(session_id).status == "in_progress"


def test_sign_off_before_review_is_409(web: Web) -> None:
    token, session_id = web.new_session()
    response = web.client.post(
        f"/api/v1/p/{token}/sessions/{session_id}/sign-off", json={"signer": "Pat"}
    )
    assert response.status_code == 409


def test_blank_signer_is_422(web: Web) -> None:
    token, session_id = web.new_session()
    web.answer_until_review(token, session_id)
    response = web.client.post(
        f"/api/v1/p/{token}/sessions/{session_id}/sign-off", json={"signer": "   "}
    )
    assert response.status_code == 422
    assert web.store.get_session(session_id).status == "awaiting_signoff"


def test_full_interview_signed(web: Web) -> None:
    token, session_id = web.new_session()
    review = web.answer_until_review(token, session_id)
    assert review["points"]
    signed = web.client.post(
        f"/api/v1/p/{token}/sessions/{session_id}/sign-off", json={"signer": "Pat Doe"}
    )
    assert signed.status_code == 200
    assert signed.json()["sign_off"]["signer"] == "Pat Doe"
    detail = web.client.get(f"/api/v1/sessions/{session_id}", headers=web.headers).json()
    assert detail["status"] == "signed_off"
    trace = web.client.get(f"/api/v1/sessions/{session_id}/trace", headers=web.headers).json()
    assert trace["intact"] is True
    assert any("SIGNED OFF by Pat Doe" in line for line in trace["lines"])


def test_artifact_exports(web: Web) -> None:
    token, session_id = web.new_session()
    web.answer(token, session_id, FIRST_ANSWER)
    base = f"/api/v1/sessions/{session_id}/artifact"
    as_json = web.client.get(base, headers=web.headers)
    as_md = web.client.get(f"{base}?format=md", headers=web.headers)
    assert as_json.json()["session_id"] == session_id
    assert as_md.headers["content-type"].startswith("text/markdown")
    assert as_md.text.startswith("# Bug report triage")


def test_sessions_filter_by_status(web: Web) -> None:
    token, session_id = web.new_session()
    web.client.post(f"/api/v1/p/{token}/sessions/{session_id}/pause")
    web.new_session()
    response = web.client.get("/api/v1/sessions?status=paused", headers=web.headers)
    assert [item["id"] for item in response.json()["items"]] == [session_id]


def test_unknown_session_is_404(web: Web) -> None:
    response = web.client.get("/api/v1/sessions/s-000000000000", headers=web.headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_unknown_route_uses_error_shape(sqlite_web: Web) -> None:
    response = sqlite_web.client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert set(response.json()["error"]) == {"code", "message", "details"}
