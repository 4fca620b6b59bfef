"""Model-backed engines: an LLM does the analyst's and the voice's work.

Backends register through the ``elicitor.backends`` entry-point group like any third-party
backend: ``openai:MODEL`` (any OpenAI-compatible endpoint), ``anthropic:MODEL`` and
``fake:scripted`` (deterministic, for tests). The shared policy still picks every move,
and each turn falls back to the offline engine when the model fails.
"""

from __future__ import annotations

from elicitor.engine.llm.base import ChatClient
from elicitor.engine.llm.roles import ModelAnalyst, ModelVoice
from elicitor.engine.registry import Engine
from elicitor.settings import LLMSettings


def build_engine(client: ChatClient, settings: LLMSettings | None = None) -> Engine:
    """Wrap ``client`` in an engine whose analyst and voice fall back to offline."""
    settings = settings or LLMSettings()
    spec = f"{client.provider}:{client.model}"
    return Engine(
        spec,
        client.provider,
        client.model,
        ModelAnalyst(client, log_exchanges=settings.log_exchanges),
        ModelVoice(client, log_exchanges=settings.log_exchanges),
    )


__all__ = ["ModelAnalyst", "ModelVoice", "build_engine"]
