"""The published synthesis schema file matches the models."""

from __future__ import annotations

from importlib import resources

from elicitor.synthesis.model import SYNTHESIS_SCHEMA_VERSION, schema_text


def test_schema_file_current() -> None:
    path = resources.files("elicitor") / "schemas" / f"synthesis.v{SYNTHESIS_SCHEMA_VERSION}.json"
    assert path.read_text(encoding="utf-8") == schema_text(), (
        "schemas/synthesis.v1.json is out of date; regenerate it with "
        "`python -m elicitor.synthesis.model > src/elicitor/schemas/synthesis.v1.json`"
    )
