"""Fault handling of the OpenAI-compatible backend against a scripted server on 127.0.0.1.

Every case checks the same promises: the turn still asks exactly one question (from the
model after a retry, or from the offline engine), the trace says what happened, and the
participant's answer is stored.
"""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from elicitor.engine.llm import build_engine
from elicitor.engine.llm._http import reset_breakers
from elicitor.engine.llm.openai import OpenAIChatClient
from elicitor.engine.voice import count_questions
from elicitor.session.service import Interviewer
from elicitor.settings import LLMSettings
from elicitor.store import Store
from llm_support import (
    MisbehavingServer,
    Reply,
    analysis_json,
    chat_json,
    chat_stream,
    claim,
    small_briefing,
)

ANSWER = "The export shows a spinner for a while and then nothing happens."
GOOD_ANALYSIS = analysis_json(claim("The export shows a spinner for a while", topic_id="symptom"))
GOOD_QUESTION = "How long did the spinner keep turning before you gave up?"
TEST_SETTINGS = LLMSettings(
    timeout=5.0, max_retries=2, max_retry_wait=10.0, breaker_failures=50, breaker_cooldown=60.0
)


@pytest.fixture(autouse=True)
def fresh_breakers() -> Iterator[None]:
    reset_breakers()
    yield
    reset_breakers()


@pytest.fixture
def server() -> Iterator[MisbehavingServer]:
    running = MisbehavingServer().start()
    yield running
    running.stop()


class Session:
    """One interview on a model backend, with the waits its retries asked for."""

    def __init__(self, tmp_path: Path, base_url: str, **changes: Any) -> None:
        self.sleeps: list[float] = []
        settings = dataclasses.replace(TEST_SETTINGS, **changes)
        client = OpenAIChatClient(
            "test-model", settings=settings, base_url=base_url, sleep=self.sleeps.append
        )
        engine = build_engine(client, settings)
        self.store = Store(f"sqlite:///{tmp_path}/elicitor.db")
        self.interviewer = Interviewer(self.store, engine=engine)
        record = self.store.save_briefing(small_briefing())
        self.id, _ = self.interviewer.start(record, engine=engine.spec)

    def answer(self, text: str = ANSWER) -> Any:
        return self.interviewer.answer(self.id, text)

    def events(self, kind: str) -> list[dict[str, Any]]:
        return [e.payload for e in self.store.load_events(self.id) if e.type.value == kind]

    def last_meta(self, kind: str) -> dict[str, Any]:
        return self.events(kind)[-1]["meta"]


def _closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def test_refused_connection_falls_back(tmp_path: Path) -> None:
    session = Session(tmp_path, f"http://127.0.0.1:{_closed_port()}/v1")

    prompt = session.answer()

    assert count_questions(prompt.text) == 1
    fallbacks = session.events("engine_fallback")
    assert [f["stage"] for f in fallbacks] == ["analyst", "voice"]
    assert "could not be reached" in fallbacks[0]["error"]
    assert session.last_meta("claims_extracted")["retries"] == 2
    assert session.events("answer_received")[-1]["text"] == ANSWER


def test_server_error_retries_then_falls_back(tmp_path: Path, server: MisbehavingServer) -> None:
    server.queue(*[Reply(500, {"error": {"message": "boom"}})] * 3, chat_stream(GOOD_QUESTION))
    session = Session(tmp_path, server.base_url)

    prompt = session.answer()

    assert prompt.text == GOOD_QUESTION
    fallbacks = session.events("engine_fallback")
    assert [f["stage"] for f in fallbacks] == ["analyst"]
    assert "HTTP 500" in fallbacks[0]["error"]
    assert len(session.sleeps) == 2
    assert session.events("claims_extracted")[-1]["claims"], "offline claims were recorded"
    assert session.events("answer_received")[-1]["text"] == ANSWER


def test_rate_limit_honours_retry_after(tmp_path: Path, server: MisbehavingServer) -> None:
    limited = Reply(429, {"error": {"message": "slow down"}}, headers={"retry-after": "7"})
    server.queue(limited, chat_json(GOOD_ANALYSIS), chat_stream(GOOD_QUESTION))
    session = Session(tmp_path, server.base_url)

    prompt = session.answer()

    assert prompt.text == GOOD_QUESTION
    assert session.sleeps == [7.0]
    meta = session.last_meta("claims_extracted")
    assert meta["retries"] == 1
    assert meta["fallback"] is False
    assert session.events("engine_fallback") == []


def test_retry_after_is_capped(tmp_path: Path, server: MisbehavingServer) -> None:
    limited = Reply(429, {"error": {"message": "slow down"}}, headers={"retry-after": "3600"})
    server.queue(limited, chat_json(GOOD_ANALYSIS), chat_stream(GOOD_QUESTION))
    session = Session(tmp_path, server.base_url, max_retry_wait=2.5)

    session.answer()

    assert session.sleeps == [2.5]


def test_cut_stream_is_retried(tmp_path: Path, server: MisbehavingServer) -> None:
    server.queue(
        chat_json(GOOD_ANALYSIS),
        chat_stream("Which version of the app were you using at the time?", cut_after=3),
        chat_stream(GOOD_QUESTION),
    )
    session = Session(tmp_path, server.base_url)
    pieces: list[str] = []

    prompt = session.interviewer.answer(session.id, ANSWER, on_text=pieces.append)

    assert prompt.text == GOOD_QUESTION
    assert "".join(pieces) == GOOD_QUESTION
    meta = session.last_meta("question_asked")
    assert meta["retries"] == 1
    assert meta["attempts"] == 1
    assert session.events("engine_fallback") == []


def test_cut_stream_twice_falls_back(tmp_path: Path, server: MisbehavingServer) -> None:
    cut = chat_stream("Which version of the app were you using at the time?", cut_after=2)
    server.queue(chat_json(GOOD_ANALYSIS), cut, cut)
    session = Session(tmp_path, server.base_url)

    prompt = session.answer()

    assert count_questions(prompt.text) == 1
    fallback = session.events("engine_fallback")[-1]
    assert fallback["stage"] == "voice"
    assert "broke off" in fallback["error"]


def test_invalid_json_retried_with_error(tmp_path: Path, server: MisbehavingServer) -> None:
    server.queue(
        chat_json('{"claims": [{"text": "The export'),
        chat_json(GOOD_ANALYSIS),
        chat_stream(GOOD_QUESTION),
    )
    session = Session(tmp_path, server.base_url)

    session.answer()

    retry = server.requests[1].body["messages"]
    assert retry[-2]["role"] == "assistant"
    assert "not valid JSON" in retry[-1]["content"]
    claims = session.events("claims_extracted")[-1]["claims"]
    assert [c["text"] for c in claims] == ["The export shows a spinner for a while"]
    assert session.last_meta("claims_extracted")["retries"] == 1


def test_invalid_json_twice_falls_back(tmp_path: Path, server: MisbehavingServer) -> None:
    server.queue(chat_json("not json"), chat_json("{still: not json}"), chat_stream(GOOD_QUESTION))
    session = Session(tmp_path, server.base_url)

    prompt = session.answer()

    assert prompt.text == GOOD_QUESTION
    fallback = session.events("engine_fallback")[-1]
    assert fallback["stage"] == "analyst"
    assert "JSON" in fallback["error"]
    assert session.events("claims_extracted")[-1]["claims"], "offline claims were recorded"


def test_three_questions_fall_back(tmp_path: Path, server: MisbehavingServer) -> None:
    stacked = "What did you click? When did it start? Which version do you use?"
    server.queue(chat_json(GOOD_ANALYSIS), chat_stream(stacked), chat_stream(stacked))
    session = Session(tmp_path, server.base_url)

    prompt = session.answer()

    assert prompt.text != stacked
    assert count_questions(prompt.text) == 1
    fallback = session.events("engine_fallback")[-1]
    assert fallback == {
        "stage": "voice",
        "error": "the reply asks 3 questions instead of one",
        "backend": "openai",
        "model": "test-model",
    }
    retry = server.requests[2].body["messages"]
    assert "exactly one question" in retry[-1]["content"]


def test_three_questions_then_one(tmp_path: Path, server: MisbehavingServer) -> None:
    stacked = "What did you click? When did it start? Which version do you use?"
    server.queue(chat_json(GOOD_ANALYSIS), chat_stream(stacked), chat_stream(GOOD_QUESTION))
    session = Session(tmp_path, server.base_url)

    prompt = session.answer()

    assert prompt.text == GOOD_QUESTION
    assert session.events("engine_fallback") == []


def test_breaker_skips_dead_endpoint(tmp_path: Path, server: MisbehavingServer) -> None:
    server.queue(*[Reply(503, {"error": {"message": "down"}})] * 20)
    session = Session(tmp_path, server.base_url, max_retries=0, breaker_failures=2)

    session.answer()
    sent_after_first_turn = len(server.requests)
    prompt = session.answer("It happens every time I export the March report.")

    assert sent_after_first_turn == 2
    assert len(server.requests) == 2
    assert count_questions(prompt.text) == 1
    last = session.events("engine_fallback")[-1]
    assert "circuit" in last["error"]


def test_unknown_route_is_rejected(tmp_path: Path, server: MisbehavingServer) -> None:
    server.queue(Reply(404, {"error": {"message": "no such model"}}), chat_stream(GOOD_QUESTION))
    session = Session(tmp_path, server.base_url)

    session.answer()

    fallback = session.events("engine_fallback")[-1]
    assert "HTTP 404" in fallback["error"]
    assert "model name" in fallback["error"]
    assert session.sleeps == []
