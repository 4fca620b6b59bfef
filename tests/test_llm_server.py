"""The OpenAI-compatible backend against a real server (CI runs llama.cpp with SmolLM2-135M).

The model is far too small to interview well, so these tests judge the plumbing. A whole
interview completes and every model turn records tokens and latency. The question streams
in pieces, structured output comes back as JSON, and a timeout falls back to offline.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from elicitor.engine.llm import build_engine
from elicitor.engine.llm._http import reset_breakers
from elicitor.engine.llm.base import ChatRequest
from elicitor.engine.llm.openai import OpenAIChatClient
from elicitor.engine.llm.roles import ModelVoice
from elicitor.engine.policy import Move, Policy, PolicyLimits
from elicitor.engine.voice import count_questions
from elicitor.session.service import Interviewer
from elicitor.session.state import SessionState
from elicitor.settings import LLMSettings
from elicitor.store import Store
from llm_support import small_briefing

pytestmark = pytest.mark.llm

# A 135M model on two shared cores can take a minute for one grammar-constrained reply.
SETTINGS = LLMSettings(timeout=180.0, max_retries=1, breaker_failures=50)
ANSWERS = [
    "The export shows a spinner for a while and then nothing happens.",
    "It happens every time I export the March report on Windows 11.",
]
EXTRA_ANSWERS = ["No, that is all I know.", "Nothing else.", "That is everything."]
ANALYST_EVENTS = ("claims_extracted", "unknown_recorded")


@pytest.fixture
def client(llm_server) -> Iterator[OpenAIChatClient]:
    reset_breakers()
    opened = OpenAIChatClient(llm_server.model, settings=SETTINGS, base_url=llm_server.base_url)
    yield opened
    opened.close()


def test_server_interview_completes(tmp_path: Path, client: OpenAIChatClient) -> None:
    store = Store(f"sqlite:///{tmp_path}/elicitor.db")
    engine = build_engine(client, SETTINGS)
    policy = Policy(PolicyLimits(max_questions=2, summaries=False))
    interviewer = Interviewer(store, engine=engine, policy=policy)
    briefing = store.save_briefing(small_briefing())
    session_id, prompt = interviewer.start(briefing, engine=engine.spec)

    # Two answers reach the question limit. A contradiction found by the model is raised
    # before the limit applies, so a few more answers are allowed.
    sent = []
    for text in [*ANSWERS, *EXTRA_ANSWERS]:
        if prompt.kind == "review":
            break
        sent.append(text)
        prompt = interviewer.answer(session_id, text)
    assert prompt.kind == "review"
    done = interviewer.answer(session_id, "sign")

    assert done.kind == "done"
    events = store.load_events(session_id)
    analyst = [e.payload for e in events if e.type.value in ANALYST_EVENTS]
    voice = [e.payload for e in events if e.type.value == "question_asked"][1:]
    assert len(analyst) == len(sent)
    assert len(voice) == len(sent) - 1
    for payload in analyst + voice:
        meta = payload["meta"]
        assert meta["backend"] == "openai"
        assert meta["input_tokens"] > 0, meta
        assert meta["latency_ms"] > 0, meta
        assert len(meta["prompt_version"]) == 64
    for payload in voice:
        assert count_questions(payload["text"]) == 1, payload["text"]
    answers = [e.payload["text"] for e in events if e.type.value == "answer_received"]
    assert answers[: len(sent)] == sent


def test_server_streams_pieces(client: OpenAIChatClient) -> None:
    request = ChatRequest(
        "voice",
        [
            {"role": "system", "content": "You ask short questions."},
            {"role": "user", "content": "Ask me one question about my morning."},
        ],
        max_tokens=40,
    )
    pieces: list[str] = []

    result = client.stream_text(request, pieces.append)

    assert len(pieces) > 1
    assert "".join(pieces) == result.text
    assert result.output_tokens > 0


def test_server_returns_schema_json(client: OpenAIChatClient) -> None:
    # An enum-only schema leaves the tiny model no room to ramble past max_tokens.
    schema = {
        "type": "object",
        "properties": {"kind": {"type": "string", "enum": ["fact", "judgment", "assumption"]}},
        "required": ["kind"],
        "additionalProperties": False,
    }
    request = ChatRequest(
        "analyst",
        [
            {"role": "system", "content": "Label the statement as fact, judgment or assumption."},
            {"role": "user", "content": "Statement: The export fails every Monday."},
        ],
        max_tokens=40,
        schema=schema,
    )

    result = client.complete_json(request)

    assert json.loads(result.text)["kind"] in ("fact", "judgment", "assumption")
    assert result.tokens_estimated is False
    assert result.input_tokens > 0
    # llama-cpp-python rejects json_schema, so the client switched formats.
    assert client.response_format == "json_object"


def test_server_timeout_falls_back(llm_server) -> None:
    reset_breakers()
    settings = dataclasses.replace(SETTINGS, timeout=0.01, max_retries=0)
    hurried = OpenAIChatClient(llm_server.model, settings=settings, base_url=llm_server.base_url)
    move = Move("open_topic", "the topic is not asked yet", topic_id="symptom")
    briefing = small_briefing()

    text = ModelVoice(hurried).phrase(move, briefing=briefing, state=SessionState("s-1"))
    hurried.close()

    assert text == briefing.topic("symptom").question
    assert text.meta["fallback"] is True
    assert "timed out" in text.meta["error"]
