"""Checks that the shared fixtures in conftest.py reach real, working services."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# A private-range address that no test service uses. The guard must reject it before
# any packet is sent.
BLOCKED_ADDRESS = ("10.255.255.1", 9)


def _round_trip(url: str) -> list[tuple[int, str]]:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)"))
            connection.execute(
                text("INSERT INTO note (id, body) VALUES (:id, :body)"),
                [{"id": 1, "body": "first"}, {"id": 2, "body": "second"}],
            )
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, body FROM note ORDER BY id")).all()
    finally:
        engine.dispose()
    return [tuple(row) for row in rows]


# --- Databases ------------------------------------------------------------------------


def test_sqlite_url_creates_file(sqlite_url: str, tmp_path: Path) -> None:
    database_path = Path(make_url(sqlite_url).database)
    assert database_path.parent == tmp_path
    assert not database_path.exists()

    assert _round_trip(sqlite_url) == [(1, "first"), (2, "second")]
    assert database_path.is_file()


@pytest.mark.postgres
def test_postgres_url_is_fresh_database(postgres_url: str) -> None:
    url = make_url(postgres_url)
    assert url.drivername == "postgresql+psycopg"

    engine = create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            current = connection.execute(text("SELECT current_database()")).scalar_one()
            tables = connection.execute(
                text("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
            ).scalar_one()
    finally:
        engine.dispose()
    assert current == url.database
    assert tables == 0

    assert _round_trip(postgres_url) == [(1, "first"), (2, "second")]


def test_db_url_round_trip(db_url: str) -> None:
    assert _round_trip(db_url) == [(1, "first"), (2, "second")]


# --- LLM server -----------------------------------------------------------------------


def _chat_request(model: str, **extra: object) -> dict[str, object]:
    return {
        "model": model,
        "messages": [{"role": "user", "content": "Name three colors."}],
        "max_tokens": 24,
        "temperature": 0,
        **extra,
    }


@pytest.mark.llm
def test_llm_chat_completion(llm_server) -> None:
    import httpx

    with httpx.Client(base_url=llm_server.base_url, timeout=120, trust_env=False) as client:
        response = client.post("/chat/completions", json=_chat_request(llm_server.model))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "chat.completion"
    content = body["choices"][0]["message"]["content"]
    assert isinstance(content, str)
    assert content.strip()


@pytest.mark.llm
def test_llm_chat_completion_streams(llm_server) -> None:
    import httpx

    payload = _chat_request(llm_server.model, stream=True)
    pieces: list[str] = []
    saw_done = False
    client = httpx.Client(base_url=llm_server.base_url, timeout=120, trust_env=False)
    with client, client.stream("POST", "/chat/completions", json=payload) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if not line.startswith("data:"):
                continue
            data = line.removeprefix("data:").strip()
            if data == "[DONE]":
                saw_done = True
                break
            chunk = json.loads(data)
            delta = chunk["choices"][0]["delta"]
            if delta.get("content"):
                pieces.append(delta["content"])

    assert saw_done
    assert len(pieces) > 1, pieces
    assert "".join(pieces).strip()


@pytest.mark.llm
def test_llm_json_schema_output(llm_server) -> None:
    # llama-cpp-python 0.3.36 constrains output with {"type": "json_object", "schema": ...}.
    # It rejects the OpenAI form {"type": "json_schema", ...} with HTTP 500.
    import httpx

    schema = {
        "type": "object",
        "properties": {"color": {"type": "string"}, "count": {"type": "integer"}},
        "required": ["color", "count"],
    }
    payload = _chat_request(
        llm_server.model,
        messages=[
            {"role": "system", "content": "Reply with JSON only."},
            {"role": "user", "content": "Pick one color and a number from 1 to 5."},
        ],
        max_tokens=64,
        response_format={"type": "json_object", "schema": schema},
    )
    with httpx.Client(base_url=llm_server.base_url, timeout=120, trust_env=False) as client:
        response = client.post("/chat/completions", json=payload)

    assert response.status_code == 200, response.text
    parsed = json.loads(response.json()["choices"][0]["message"]["content"])
    assert isinstance(parsed["color"], str)
    assert isinstance(parsed["count"], int)


# --- Browser --------------------------------------------------------------------------


@pytest.mark.browser
def test_chromium_renders_data_url(chromium_launch_options: dict[str, object]) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_launch_options)
        try:
            page = browser.new_page()
            page.goto("data:text/html,<title>probe</title><h1 id='greeting'>Hello, Elicitor</h1>")
            title = page.title()
            heading = page.inner_text("#greeting")
        finally:
            browser.close()

    assert title == "probe"
    assert heading == "Hello, Elicitor"


# --- Network guard --------------------------------------------------------------------


def test_network_guard_blocks_connect() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        with pytest.raises(RuntimeError, match="only to loopback"):
            sock.connect(BLOCKED_ADDRESS)
        with pytest.raises(RuntimeError, match="only to loopback"):
            sock.connect_ex(BLOCKED_ADDRESS)
        # The guard raised before the real connect, so the socket never got a peer.
        with pytest.raises(OSError):
            sock.getpeername()


def test_network_guard_blocks_create_connection() -> None:
    with pytest.raises(RuntimeError, match="only to loopback"):
        socket.create_connection(BLOCKED_ADDRESS, timeout=0.5)
    with pytest.raises(RuntimeError, match="only to loopback"):
        socket.create_connection(("example.com", 80), timeout=0.5)


def test_network_guard_allows_loopback() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            assert client.getpeername() == ("127.0.0.1", port)
        with socket.create_connection(("localhost", port), timeout=5) as client:
            assert client.getpeername()[1] == port
