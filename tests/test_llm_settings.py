"""Model backend settings: keys from the environment or a secrets file, the default engine,
and the ``elicitor sessions cost`` command."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from elicitor.cli.main import cli
from elicitor.engine.llm._http import CircuitBreaker
from elicitor.engine.llm.anthropic import create_engine as create_anthropic
from elicitor.engine.llm.openai import create_engine as create_openai
from elicitor.errors import ConfigurationError
from elicitor.session.service import Interviewer
from elicitor.settings import LLMSettings, read_secret, read_secrets_file
from elicitor.store import Store
from llm_support import small_briefing

KEY_NAMES = (
    "ELICITOR_OPENAI_API_KEY",
    "OPENAI_API_KEY",
    "ELICITOR_ANTHROPIC_API_KEY",
    "ANTHROPIC_API_KEY",
    "ELICITOR_SECRETS_FILE",
    "ELICITOR_OPENAI_BASE_URL",
    "ELICITOR_ANTHROPIC_BASE_URL",
    "ELICITOR_ENGINE",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in KEY_NAMES:
        monkeypatch.delenv(name, raising=False)


def test_secrets_file_parsed(tmp_path: Path) -> None:
    path = tmp_path / "secrets.env"
    path.write_text("# keys\nexport OPENAI_API_KEY='sk-one'\nOTHER = \"two\"\n\n")

    assert read_secrets_file(path) == {"OPENAI_API_KEY": "sk-one", "OTHER": "two"}


def test_secrets_file_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "secrets.env"
    path.write_text("OPENAI_API_KEY=sk-one\nsk-two-without-a-name\n")

    with pytest.raises(ConfigurationError, match="line 2") as caught:
        read_secrets_file(path)
    assert "sk-two" not in str(caught.value)


def test_environment_wins_over_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secrets.env"
    path.write_text("ELICITOR_OPENAI_API_KEY=from-file\n")
    monkeypatch.setenv("ELICITOR_SECRETS_FILE", str(path))
    monkeypatch.setenv("OPENAI_API_KEY", "from-env")

    assert read_secret("ELICITOR_OPENAI_API_KEY", "OPENAI_API_KEY") == "from-env"


def test_file_used_without_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secrets.env"
    path.write_text("ANTHROPIC_API_KEY=from-file\n")
    monkeypatch.setenv("ELICITOR_SECRETS_FILE", str(path))

    assert read_secret("ELICITOR_ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY") == "from-file"


def test_missing_file_names_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ELICITOR_SECRETS_FILE", str(tmp_path / "absent.env"))

    with pytest.raises(ConfigurationError, match="ELICITOR_SECRETS_FILE"):
        read_secret("OPENAI_API_KEY")


def test_openai_key_missing_message() -> None:
    with pytest.raises(ConfigurationError) as caught:
        create_openai("gpt-4.1-mini")

    message = str(caught.value)
    assert "ELICITOR_OPENAI_API_KEY" in message
    assert "offline" in message


def test_anthropic_key_missing_message() -> None:
    with pytest.raises(ConfigurationError) as caught:
        create_anthropic("claude-sonnet-4-5")

    message = str(caught.value)
    assert "ELICITOR_ANTHROPIC_API_KEY" in message
    assert "offline" in message


def test_local_base_url_needs_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELICITOR_OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")

    engine = create_openai("llama3.1")

    assert engine.analyst.client.endpoint == "http://127.0.0.1:11434/v1"


def test_empty_model_rejected() -> None:
    with pytest.raises(ConfigurationError, match="names no model"):
        create_openai("")


def test_key_never_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-very-secret")

    engine = create_openai("gpt-4.1-mini")

    assert "sk-very-secret" not in repr(engine.analyst.client)
    assert "sk-very-secret" not in repr(engine)


def test_bad_number_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELICITOR_LLM_TIMEOUT", "soon")

    with pytest.raises(ConfigurationError, match="ELICITOR_LLM_TIMEOUT='soon'"):
        LLMSettings.from_env()


def test_bad_response_format(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELICITOR_OPENAI_RESPONSE_FORMAT", "xml")

    with pytest.raises(ConfigurationError, match="json_schema"):
        LLMSettings.from_env()


def test_server_default_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELICITOR_ENGINE", "fake:scripted")
    store = Store(f"sqlite:///{tmp_path}/elicitor.db")
    record = store.save_briefing(small_briefing())

    session_id, _ = Interviewer(store).start(record)

    assert store.get_session(session_id).engine == "fake:scripted"


def test_briefing_engine_beats_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELICITOR_ENGINE", "fake:scripted")
    store = Store(f"sqlite:///{tmp_path}/elicitor.db")
    record = store.save_briefing(small_briefing(engine="offline"))

    session_id, _ = Interviewer(store).start(record)

    assert store.get_session(session_id).engine == "offline"


# --- circuit breaker ------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_and_recovers(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    breaker = CircuitBreaker("openai:http://127.0.0.1:1", threshold=2, cooldown=30, clock=clock)

    breaker.record_failure()
    assert breaker.allow()
    with caplog.at_level(logging.WARNING):
        breaker.record_failure()
    assert breaker.state == "open"
    assert not breaker.allow()
    assert "opened after 2 consecutive failures" in caplog.text

    clock.now += 31
    assert breaker.allow()
    assert not breaker.allow(), "only one trial call while half-open"
    breaker.record_success()
    assert breaker.state == "closed"


def test_breaker_trial_failure_reopens() -> None:
    clock = Clock()
    breaker = CircuitBreaker("k", threshold=1, cooldown=10, clock=clock)
    breaker.record_failure()
    clock.now += 11

    assert breaker.allow()
    breaker.record_failure()

    assert breaker.state == "open"
    assert breaker.seconds_left() == 10


# --- elicitor sessions cost -----------------------------------------------------------


def _session_on_fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    database = tmp_path / "elicitor.db"
    monkeypatch.setenv("ELICITOR_ENGINE", "fake:scripted")
    store = Store(f"sqlite:///{database}")
    interviewer = Interviewer(store)
    session_id, _ = interviewer.start(store.save_briefing(small_briefing()))
    interviewer.answer(session_id, "The export shows a spinner for a while.")
    interviewer.answer(session_id, "It spins for about 40 seconds.")
    return str(database), session_id


def test_cost_sums_tokens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database, session_id = _session_on_fake(tmp_path, monkeypatch)
    store = Store(f"sqlite:///{database}")
    metas = [e.payload["meta"] for e in store.load_events(session_id) if "meta" in e.payload]

    result = CliRunner().invoke(cli, ["--db", database, "sessions", "cost", session_id, "--json"])

    assert result.exit_code == 0, result.output
    usage = json.loads(result.output)["usage"]
    assert {u["stage"] for u in usage} == {"analyst", "voice"}
    assert sum(u["input_tokens"] for u in usage) == sum(m["input_tokens"] for m in metas)
    assert sum(u["turns"] for u in usage) == len(metas)


def test_cost_table_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database, session_id = _session_on_fake(tmp_path, monkeypatch)

    result = CliRunner().invoke(cli, ["--db", database, "sessions", "cost", session_id])

    assert result.exit_code == 0, result.output
    assert "fake:scripted" in result.output
    assert "estimated at four characters per token" in result.output


def test_cost_unknown_session(tmp_path: Path) -> None:
    database = str(tmp_path / "elicitor.db")

    result = CliRunner().invoke(cli, ["--db", database, "sessions", "cost", "s-missing"])

    assert result.exit_code == 1
    assert "s-missing" in result.output
