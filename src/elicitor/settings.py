"""Settings read from the environment. Every setting has one ``ELICITOR_`` variable."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path


def default_data_dir() -> Path:
    """Return the per-user data directory (XDG on Linux, the usual places elsewhere)."""
    override = os.environ.get("ELICITOR_DATA_DIR")
    if override:
        return Path(override).expanduser()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "elicitor"
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "elicitor"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "elicitor"


def database_url_from_path(path: str | os.PathLike[str]) -> str:
    """Turn a file path into a SQLite URL; a value that already looks like a URL is kept."""
    text = str(path)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


@dataclass(frozen=True)
class Settings:
    database_url: str
    engine: str
    max_answer_chars: int

    @classmethod
    def from_env(cls, *, db: str | None = None) -> Settings:
        if db:
            url = database_url_from_path(db)
        else:
            url = os.environ.get("ELICITOR_DATABASE_URL") or database_url_from_path(
                default_data_dir() / "elicitor.db"
            )
        return cls(
            database_url=url,
            engine=os.environ.get("ELICITOR_ENGINE", "offline"),
            max_answer_chars=int(os.environ.get("ELICITOR_MAX_ANSWER_CHARS", "8000")),
        )
