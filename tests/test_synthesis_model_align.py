"""Alignment with a model: the fake backend for the rules, the real server for the path."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from elicitor.engine.llm._http import reset_breakers
from elicitor.engine.llm.fake import FakeChatClient
from elicitor.engine.llm.openai import OpenAIChatClient
from elicitor.errors import ConfigurationError, ModelUnavailable
from elicitor.session.service import Interviewer
from elicitor.settings import LLMSettings
from elicitor.store.store import Store
from elicitor.synthesis.align import OfflineAligner
from elicitor.synthesis.build import SynthesisOptions
from elicitor.synthesis.model import Synthesis
from elicitor.synthesis.model_align import ModelAligner, aligner_for, parse_same
from elicitor.synthesis.service import synthesize_briefing
from test_synthesis_support import interview, save

# The offline rules keep these apart (no shared subject word); a model sees one event.
ANN = "We lost the primary database around ten past eleven."
BOB = "db1 went down at 23:20."
# Unrelated claims: the least related pair is the control the model is asked first.
ANN_OTHER = "The status page was updated by the support team."
BOB_OTHER = "Customers complained on social media."
NOT_SAME = '{"same": false}'
SAME = '{"same": true}'


@pytest.fixture
def store(sqlite_url: str) -> Iterator[Store]:
    opened = Store(sqlite_url)
    interviewer = Interviewer(opened)
    record = save(opened)
    interview(interviewer, record, "Ann", [f"{ANN} {ANN_OTHER}"])
    interview(interviewer, record, "Bob", [f"{BOB} {BOB_OTHER}"])
    yield opened
    opened.close()


def run(store: Store, aligner: object) -> Synthesis:
    options = SynthesisOptions(names=True)
    return synthesize_briefing(store, "incident-review", options=options, aligner=aligner)  # type: ignore[arg-type]


def point_count(synthesis: Synthesis) -> int:
    return len(synthesis.points)


def test_offline_keeps_them_apart(store: Store) -> None:
    synthesis = run(store, OfflineAligner())
    assert point_count(synthesis) == 4
    assert synthesis.disagreements == []


def test_model_same_merges_and_finds_time(store: Store) -> None:
    client = FakeChatClient(aligner=[NOT_SAME, SAME])
    synthesis = run(store, ModelAligner(client))
    assert point_count(synthesis) == 3
    merged = next(p for p in synthesis.points if len(p.participants) == 2)
    assert {s.text for s in merged.statements} >= {ANN}
    assert [d.kind for d in synthesis.disagreements] == ["time"]
    assert synthesis.aligner == "fake:scripted"
    assert any("judged 2 pairs of claims" in note for note in synthesis.notes)
    control, candidate = client.prompts("aligner")[:2]
    assert ANN in candidate
    assert "went down at 23:20" in candidate
    assert "went down at 23:20" not in control


def test_model_not_same_keeps_points(store: Store) -> None:
    client = FakeChatClient(aligner=[NOT_SAME, NOT_SAME])
    synthesis = run(store, ModelAligner(client))
    assert point_count(synthesis) == 4


def test_model_failing_control_not_used(store: Store) -> None:
    client = FakeChatClient(aligner=[SAME, SAME])
    synthesis = run(store, ModelAligner(client))
    assert point_count(synthesis) == 4
    assert len(client.prompts("aligner")) == 1
    assert any("least related pair" in note for note in synthesis.notes)


def test_model_failure_keeps_offline_grouping(store: Store) -> None:
    client = FakeChatClient(aligner=[NOT_SAME, ModelUnavailable("connection refused")])
    synthesis = run(store, ModelAligner(client))
    assert point_count(synthesis) == 4
    assert any("The model failed (connection refused)" in note for note in synthesis.notes)


def test_invalid_reply_retried_once(store: Store) -> None:
    client = FakeChatClient(aligner=[NOT_SAME, "yes they are", SAME])
    synthesis = run(store, ModelAligner(client))
    assert point_count(synthesis) == 3
    assert len(client.prompts("aligner")) == 3


def test_pair_limit_respected(store: Store) -> None:
    client = FakeChatClient(aligner=[NOT_SAME, SAME])
    synthesis = run(store, ModelAligner(client, max_pairs=0))
    assert point_count(synthesis) == 4
    assert client.prompts("aligner") == []
    assert any("not sent to the model" in note for note in synthesis.notes)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ('{"same": true}', True),
        ('Sure: {"same": false}', False),
        ('{"same": "yes"}', None),
        ("[true]", None),
        ("no json", None),
    ],
)
def test_parse_same(reply: str, expected: bool | None) -> None:
    assert parse_same(reply) is expected


def test_aligner_for_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ELICITOR_ENGINE", raising=False)
    assert isinstance(aligner_for(None), OfflineAligner)
    assert isinstance(aligner_for("offline"), OfflineAligner)
    assert aligner_for("fake:scripted").name == "fake:scripted"
    monkeypatch.setenv("ELICITOR_ALIGN_MAX_PAIRS", "0")
    assert isinstance(aligner_for("fake:scripted"), OfflineAligner)
    for bad in ("-3", "1.5", "many"):
        monkeypatch.setenv("ELICITOR_ALIGN_MAX_PAIRS", bad)
        with pytest.raises(ConfigurationError, match="ELICITOR_ALIGN_MAX_PAIRS"):
            aligner_for("fake:scripted")


@pytest.mark.llm
def test_real_server_judges_pairs(store: Store, llm_server) -> None:
    reset_breakers()
    settings = LLMSettings(timeout=180.0, max_retries=1, breaker_failures=50)
    client = OpenAIChatClient(llm_server.model, settings=settings, base_url=llm_server.base_url)
    try:
        aligner = ModelAligner(client)
        synthesis = run(store, aligner)
    finally:
        client.close()
    # The tiny model's judgement is not scored; the call must complete with a valid reply.
    assert aligner.report.error is None, aligner.report.error
    assert aligner.report.judged >= 1
    assert synthesis.aligner == f"openai:{llm_server.model}"
    assert 3 <= len(synthesis.points) <= 4
    assert json.loads(synthesis.model_dump_json())["notes"]
