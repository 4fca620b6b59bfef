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
    # --- web service settings (elicitor serve) ---
    # Base address put in front of participant links, e.g. https://elicitor.example.org;
    # empty means the address the requester's browser used.
    public_url: str = ""
    login_hours: float = 12.0
    # Default lifetime of a new participant link in days; 0 means links do not expire.
    link_days: int = 30
    rate_limit_per_minute: int = 60
    rate_limit_burst: int = 30
    max_request_bytes: int = 1024 * 1024
    # --- end of web service settings ---

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
            **_web_settings_from_env(),
        )


def env_number(name: str, default: float, *, minimum: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        from elicitor.errors import ConfigurationError

        raise ConfigurationError(
            f"{name}={raw!r} is not valid; set a number of at least {minimum:g} or unset it"
        )
    return value


# --- web service settings (elicitor serve) ------------------------------------------------


def _web_settings_from_env() -> dict[str, object]:
    return {
        "public_url": os.environ.get("ELICITOR_PUBLIC_URL", "").strip().rstrip("/"),
        "login_hours": env_number("ELICITOR_LOGIN_HOURS", 12.0, minimum=0.1),
        "link_days": int(env_number("ELICITOR_LINK_DAYS", 30, minimum=0)),
        "rate_limit_per_minute": int(env_number("ELICITOR_RATE_LIMIT_PER_MINUTE", 60, minimum=1)),
        "rate_limit_burst": int(env_number("ELICITOR_RATE_LIMIT_BURST", 30, minimum=1)),
        "max_request_bytes": int(
            env_number("ELICITOR_MAX_REQUEST_BYTES", 1024 * 1024, minimum=1024)
        ),
    }


# --- end of web service settings ------------------------------------------------------------


# --- model backend settings (LLM engines) -----------------------------------------------

DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1"
DEFAULT_ANTHROPIC_BASE_URL = "https://api.anthropic.com"
RESPONSE_FORMAT_MODES = ("auto", "json_schema", "json_object", "none")


def default_engine_spec() -> str:
    """Return the server's default engine (ELICITOR_ENGINE), 'offline' when unset."""
    return os.environ.get("ELICITOR_ENGINE", "").strip() or "offline"


@dataclass(frozen=True)
class LLMSettings:
    """Settings shared by the model backends. API keys are deliberately not fields here:
    they are read by ``read_secret`` when an engine is built and kept only by its client."""

    openai_base_url: str = DEFAULT_OPENAI_BASE_URL
    anthropic_base_url: str = DEFAULT_ANTHROPIC_BASE_URL
    # Seconds for each HTTP attempt (connect, write, and each read while streaming).
    timeout: float = 30.0
    # Extra attempts after a 429, a 5xx, a timeout or a refused connection.
    max_retries: int = 2
    # Maximum wait in seconds before one retry, whatever Retry-After requests.
    max_retry_wait: float = 10.0
    # Consecutive failed calls that open an endpoint's circuit, and seconds it stays open.
    breaker_failures: int = 3
    breaker_cooldown: float = 60.0
    # How the OpenAI-compatible backend requests JSON: see RESPONSE_FORMAT_MODES.
    response_format: str = "auto"
    # ELICITOR_LOG_MODEL_EXCHANGES=1 logs prompts and replies (participant text) at INFO.
    log_exchanges: bool = False

    @classmethod
    def from_env(cls) -> LLMSettings:
        mode = os.environ.get("ELICITOR_OPENAI_RESPONSE_FORMAT", "auto").strip() or "auto"
        if mode not in RESPONSE_FORMAT_MODES:
            from elicitor.errors import ConfigurationError

            raise ConfigurationError(
                f"ELICITOR_OPENAI_RESPONSE_FORMAT={mode!r} is not valid; use one of "
                f"{', '.join(RESPONSE_FORMAT_MODES)}"
            )
        return cls(
            openai_base_url=(
                os.environ.get("ELICITOR_OPENAI_BASE_URL", "").strip().rstrip("/")
                or DEFAULT_OPENAI_BASE_URL
            ),
            anthropic_base_url=(
                os.environ.get("ELICITOR_ANTHROPIC_BASE_URL", "").strip().rstrip("/")
                or DEFAULT_ANTHROPIC_BASE_URL
            ),
            timeout=env_number("ELICITOR_LLM_TIMEOUT", 30.0, minimum=0.001),
            max_retries=int(env_number("ELICITOR_LLM_MAX_RETRIES", 2, minimum=0)),
            max_retry_wait=env_number("ELICITOR_LLM_MAX_RETRY_WAIT", 10.0, minimum=0),
            breaker_failures=int(env_number("ELICITOR_LLM_BREAKER_FAILURES", 3, minimum=1)),
            breaker_cooldown=env_number("ELICITOR_LLM_BREAKER_COOLDOWN", 60.0, minimum=0),
            response_format=mode,
            log_exchanges=os.environ.get("ELICITOR_LOG_MODEL_EXCHANGES", "") == "1",
        )


def read_secrets_file(path: str | os.PathLike[str]) -> dict[str, str]:
    """Parse a dotenv-style file: ``KEY=value`` lines, ``#`` comments, optional quotes.

    Raises ConfigurationError naming the file when it cannot be read or a line is malformed
    (the message gives the line number, never the line, because lines hold secrets).
    """
    from elicitor.errors import ConfigurationError

    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(
            f"ELICITOR_SECRETS_FILE={str(path)!r} cannot be read ({exc.strerror}); "
            "fix the path or unset the variable"
        ) from None
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        stripped = stripped.removeprefix("export ").strip()
        name, sep, value = stripped.partition("=")
        name = name.strip()
        if not sep or not name.replace("_", "").isalnum():
            raise ConfigurationError(
                f"line {number} of the secrets file {str(path)!r} is not KEY=value; fix it"
            )
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[name] = value
    return values


def read_secret(*names: str) -> str | None:
    """Return the first non-empty value of ``names`` from the environment, else from the
    file named by ELICITOR_SECRETS_FILE; None when neither has one."""
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    secrets_file = os.environ.get("ELICITOR_SECRETS_FILE", "").strip()
    if not secrets_file:
        return None
    stored = read_secrets_file(secrets_file)
    for name in names:
        value = stored.get(name, "").strip()
        if value:
            return value
    return None


# --- end of model backend settings ------------------------------------------------------
