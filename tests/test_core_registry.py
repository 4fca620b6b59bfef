"""Engine registry: the offline default, and a clear error for an unknown backend."""

from __future__ import annotations

import pytest

from elicitor.briefing.loader import load_template
from elicitor.engine.registry import load_engine
from elicitor.errors import ConfigurationError
from elicitor.session.service import Interviewer
from elicitor.store import Store


@pytest.mark.parametrize("spec", [None, "", "offline", " offline "])
def test_default_engine_is_offline(spec):
    engine = load_engine(spec)

    assert engine.provider == "offline"
    assert engine.analyst.name == "offline"
    assert engine.voice.name == "offline"


def test_offline_model_name_kept():
    assert load_engine("offline:my-rules").model == "my-rules"


def test_unknown_engine_names_spec():
    with pytest.raises(ConfigurationError) as raised:
        load_engine("no-such-backend:big-model")

    assert "no-such-backend:big-model" in str(raised.value)
    assert "offline" in str(raised.value)


def test_unknown_engine_creates_no_session(sqlite_url):
    store = Store(sqlite_url)
    record = store.save_briefing(load_template("bug-triage"))

    with pytest.raises(ConfigurationError):
        Interviewer(store).start(record, engine="no-such-backend:big-model")

    assert store.list_sessions() == []


def test_backend_missing_package_names_fix(monkeypatch):
    from importlib.metadata import EntryPoint

    from elicitor.engine import registry

    broken = EntryPoint(
        name="broken", value="elicitor_no_such_module:create_engine", group="elicitor.backends"
    )

    def fake_entry_points(*, group, name=None):
        return [broken] if name in (None, "broken") else []

    monkeypatch.setattr(registry, "entry_points", fake_entry_points)
    with pytest.raises(ConfigurationError) as raised:
        load_engine("broken:model")

    message = str(raised.value)
    assert "elicitor_no_such_module" in message
    assert "pip install 'elicitor[llm]'" in message
    assert load_engine("offline").provider == "offline"
