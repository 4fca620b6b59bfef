"""Engine backends, chosen by a 'provider:model' string such as 'offline'.

A backend supplies an analyst and a voice; the policy is shared. Built-in backends
register here the same way a third-party package would, through the ``elicitor.backends``
entry-point group whose objects are factories taking the model name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Protocol

from elicitor.briefing.model import Briefing
from elicitor.engine.policy import Move
from elicitor.errors import ConfigurationError
from elicitor.session.state import SessionState


class Analyst(Protocol):
    name: str

    def analyze(
        self,
        text: str,
        *,
        briefing: Briefing,
        state: SessionState,
        answer_seq: int,
        question: dict[str, Any] | None,
    ) -> Any: ...


class Voice(Protocol):
    name: str

    def phrase(
        self,
        move: Move,
        *,
        briefing: Briefing,
        state: SessionState,
        on_text: Callable[[str], None] | None = None,
    ) -> str: ...


@dataclass
class Engine:
    """A configured backend: who reads answers, who asks questions."""

    spec: str
    provider: str
    model: str
    analyst: Analyst
    voice: Voice

    def describe(self) -> dict[str, str]:
        return {"backend": self.provider, "model": self.model}


EngineFactory = Callable[[str], Engine]
_FACTORIES: dict[str, EngineFactory] = {}


def register(provider: str, factory: EngineFactory) -> None:
    """Register a backend factory under ``provider`` (the part before the colon)."""
    _FACTORIES[provider] = factory


def _offline(model: str) -> Engine:
    from elicitor.engine.analyst import OfflineAnalyst
    from elicitor.engine.voice import OfflineVoice

    return Engine(
        "offline", "offline", model or "rules-static-minilm", OfflineAnalyst(), OfflineVoice()
    )


register("offline", _offline)


def _entry_point_factory(spec: str, provider: str) -> EngineFactory | None:
    """Load only the named backend, so one backend's missing packages break no other."""
    for entry in entry_points(group="elicitor.backends", name=provider):
        try:
            factory: EngineFactory = entry.load()
        except ImportError as exc:
            missing = exc.name or str(exc)
            raise ConfigurationError(
                f"engine {spec!r} needs the package {missing!r}, which is not installed; "
                "install the model backends with: pip install 'elicitor[llm]'"
            ) from exc
        _FACTORIES[provider] = factory
        return factory
    return None


def load_engine(spec: str | None) -> Engine:
    """Build the engine for ``spec``; raise ConfigurationError naming the fix when unknown."""
    spec = (spec or "offline").strip()
    provider, _, model = spec.partition(":")
    factory = _FACTORIES.get(provider) or _entry_point_factory(spec, provider)
    if factory is None:
        names = set(_FACTORIES) | {e.name for e in entry_points(group="elicitor.backends")}
        raise ConfigurationError(
            f"unknown engine {spec!r}; use 'provider:model' with a provider from: "
            f"{', '.join(sorted(names))} (the default 'offline' needs no key and no network)"
        )
    engine = factory(model)
    engine.spec = spec
    return engine
