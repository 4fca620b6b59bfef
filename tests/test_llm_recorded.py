"""OpenAI and Anthropic backends against recorded exchanges served by httpx.MockTransport.

Each file in tests/data/recorded holds requests and responses written to match the
providers' documented wire formats, with auth headers left out. The replay checks that
the request the client sends has the recorded shape (model, roles, options, headers),
that it carries an auth header, and serves the recorded response.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from elicitor.engine.llm._http import reset_breakers
from elicitor.engine.llm.anthropic import AnthropicClient
from elicitor.engine.llm.openai import OpenAIChatClient
from elicitor.engine.llm.roles import ModelAnalyst, ModelVoice
from elicitor.engine.policy import Move
from elicitor.session.state import Claim, SessionState
from elicitor.settings import LLMSettings
from llm_support import small_briefing

RECORDED = Path(__file__).parent / "data" / "recorded"
ANSWER = (
    "The export of the March report takes 45 seconds. That is too slow for the month-end close."
)
QUESTION = {"seq": 2, "text": "What went wrong with the export?", "topic_id": "symptom"}
ELIDED = "<elided>"
AUTH_HEADERS = ("authorization", "x-api-key")
SETTINGS = LLMSettings(max_retries=2, breaker_failures=50)


@pytest.fixture(autouse=True)
def fresh_breakers() -> None:
    reset_breakers()


def _mismatches(expected: Any, actual: Any, where: str = "body") -> list[str]:
    """Compare a recorded request part with the sent one; ELIDED only needs presence."""
    if expected == ELIDED:
        return []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object"]
        found = []
        for key, value in expected.items():
            if key not in actual:
                found.append(f"{where}.{key}: missing")
                continue
            found += _mismatches(value, actual[key], f"{where}.{key}")
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: expected {len(expected)} items"]
        found = []
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            found += _mismatches(want, got, f"{where}[{index}]")
        return found
    return [] if expected == actual else [f"{where}: expected {expected!r}, sent {actual!r}"]


class Replay:
    """Serves one recording's responses in order and records what the client sent."""

    def __init__(self, name: str) -> None:
        self.exchanges = json.loads((RECORDED / name).read_text())["exchanges"]
        self.sent: list[httpx.Request] = []
        self.problems: list[str] = []
        self.sleeps: list[float] = []

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        number = len(self.sent)
        self.sent.append(request)
        if number >= len(self.exchanges):
            self.problems.append(f"request {number} was not recorded")
            return httpx.Response(500, json={"error": {"message": "not recorded"}})
        recorded = self.exchanges[number]
        self._check(number, recorded["request"], request)
        return _response(recorded["response"])

    def _check(self, number: int, expected: dict[str, Any], request: httpx.Request) -> None:
        if request.method != expected["method"] or str(request.url) != expected["url"]:
            self.problems.append(f"request {number}: sent {request.method} {request.url}")
        for name, value in expected["headers"].items():
            if request.headers.get(name) != value:
                self.problems.append(
                    f"request {number}: header {name} is {request.headers.get(name)!r}"
                )
        body = json.loads(request.content)
        self.problems += [f"request {number}: {m}" for m in _mismatches(expected["body"], body)]


def _response(recorded: dict[str, Any]) -> httpx.Response:
    headers = recorded["headers"]
    if "stream" in recorded:
        content = ("\n".join(recorded["stream"]) + "\n").encode()
        return httpx.Response(recorded["status"], headers=headers, content=content)
    return httpx.Response(recorded["status"], headers=headers, json=recorded["body"])


def _openai(replay: Replay) -> OpenAIChatClient:
    return OpenAIChatClient(
        "gpt-4.1-mini",
        settings=SETTINGS,
        api_key="sk-test-key",
        transport=replay.transport(),
        sleep=replay.sleeps.append,
    )


def _anthropic(replay: Replay) -> AnthropicClient:
    return AnthropicClient(
        "claude-sonnet-4-5",
        settings=SETTINGS,
        api_key="sk-ant-test-key",
        transport=replay.transport(),
        sleep=replay.sleeps.append,
    )


def _analyze(client: Any) -> Any:
    return ModelAnalyst(client).analyze(
        ANSWER,
        briefing=small_briefing(),
        state=SessionState("s-1"),
        answer_seq=3,
        question=QUESTION,
    )


def _voice_state() -> SessionState:
    state = SessionState("s-1")
    state.claims["c2"] = Claim(
        "c2",
        "That is too slow for the month-end close",
        "judgment",
        "symptom",
        3,
        vague_terms=["speed:too slow"],
    )
    return state


def _phrase(client: Any, pieces: list[str]) -> Any:
    move = Move(
        "pin_down",
        '"too slow" in c2 is vague (speed)',
        topic_id="symptom",
        claim_ids=("c2",),
        term="speed:too slow",
    )
    return ModelVoice(client).phrase(
        move, briefing=small_briefing(), state=_voice_state(), on_text=pieces.append
    )


# --- OpenAI -----------------------------------------------------------------------------


def test_openai_analyst_request_shape() -> None:
    replay = Replay("openai_analyst.json")

    analysis = _analyze(_openai(replay))

    assert replay.problems == []
    assert replay.sent[0].headers["authorization"] == "Bearer sk-test-key"
    assert [(c.text, c.kind) for c in analysis.claims] == [
        ("The export of the March report takes 45 seconds", "fact"),
        ("That is too slow for the month-end close", "judgment"),
    ]
    assert analysis.claims[1].vague_terms == ["speed:too slow"]
    assert analysis.meta["input_tokens"] == 1432
    assert analysis.meta["output_tokens"] == 118
    assert analysis.meta["tokens_estimated"] is False


def test_openai_schema_is_strict() -> None:
    replay = Replay("openai_analyst.json")

    _analyze(_openai(replay))

    schema = json.loads(replay.sent[0].content)["response_format"]["json_schema"]["schema"]
    claim = schema["properties"]["claims"]["items"]
    assert schema["additionalProperties"] is False
    assert sorted(claim["required"]) == sorted(claim["properties"])
    assert "contradictions" not in schema["properties"]


def test_openai_voice_stream_parsed() -> None:
    replay = Replay("openai_voice_stream.json")
    pieces: list[str] = []

    text = _phrase(_openai(replay), pieces)

    assert replay.problems == []
    assert pieces == [
        "You said the export",
        " is too slow:",
        " how many seconds would be fast enough?",
    ]
    assert text == "You said the export is too slow: how many seconds would be fast enough?"
    assert text.meta["input_tokens"] == 611
    assert text.meta["output_tokens"] == 14


def test_openai_rate_limit_retried() -> None:
    replay = Replay("openai_rate_limited.json")

    analysis = _analyze(_openai(replay))

    assert len(replay.sent) == 2
    assert replay.sleeps == [2.0]
    assert analysis.meta["retries"] == 1
    assert analysis.meta["fallback"] is False


def test_openai_bad_key_not_retried() -> None:
    replay = Replay("openai_unauthorized.json")

    analysis = _analyze(_openai(replay))

    assert len(replay.sent) == 1
    assert analysis.meta["fallback"] is True
    assert "HTTP 401" in analysis.meta["error"]
    assert "OPENAI_API_KEY" in analysis.meta["error"]
    assert analysis.claims, "the offline analyst recorded the claims"


# --- Anthropic --------------------------------------------------------------------------


def test_anthropic_analyst_tool_use() -> None:
    replay = Replay("anthropic_analyst.json")

    analysis = _analyze(_anthropic(replay))

    assert replay.problems == []
    assert replay.sent[0].headers["x-api-key"] == "sk-ant-test-key"
    assert [c.kind for c in analysis.claims] == ["fact", "judgment"]
    assert analysis.meta["input_tokens"] == 1510
    assert analysis.meta["output_tokens"] == 164


def test_anthropic_voice_stream_parsed() -> None:
    replay = Replay("anthropic_voice_stream.json")
    pieces: list[str] = []

    text = _phrase(_anthropic(replay), pieces)

    assert replay.problems == []
    assert pieces == [
        "You said the export is too slow:",
        " how many seconds",
        " would be fast enough?",
    ]
    assert text.meta["input_tokens"] == 642
    assert text.meta["output_tokens"] == 15
    assert text.meta["tokens_estimated"] is False


def test_anthropic_overloaded_retried() -> None:
    replay = Replay("anthropic_overloaded.json")

    text = _phrase(_anthropic(replay), [])

    assert replay.problems == []
    assert text == "Which version of the app do you use?"
    assert len(replay.sleeps) == 1
    assert text.meta["retries"] == 1


def test_anthropic_stream_error_falls_back() -> None:
    replay = Replay("anthropic_stream_error.json")
    pieces: list[str] = []

    text = _phrase(_anthropic(replay), pieces)

    assert text.meta["fallback"] is True
    assert "overloaded_error" in text.meta["error"]
    assert pieces == [str(text)], "the participant saw only the fallback question"


# --- the recordings themselves ----------------------------------------------------------


def test_recordings_hold_no_auth() -> None:
    for path in RECORDED.glob("*.json"):
        for exchange in json.loads(path.read_text())["exchanges"]:
            names = {name.lower() for name in exchange["request"]["headers"]}
            assert not names & set(AUTH_HEADERS), path.name
