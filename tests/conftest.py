"""Shared fixtures: a loopback-only network guard and handles to real test services.

Each service fixture reads its address from an environment variable that `.ci/run` sets.
When the variable is missing, tests that need the service are skipped, unless
ELICITOR_TEST_REQUIRE_SERVICES=1, in which case they fail so that CI cannot pass by skipping.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple, NoReturn

import pytest
from sqlalchemy.engine import make_url

POSTGRES_URL_ENV = "ELICITOR_TEST_POSTGRES_URL"
LLM_BASE_URL_ENV = "ELICITOR_TEST_LLM_BASE_URL"
LLM_MODEL_ENV = "ELICITOR_TEST_LLM_MODEL"
REQUIRE_SERVICES_ENV = "ELICITOR_TEST_REQUIRE_SERVICES"
CHROMIUM_PATH = Path("/usr/bin/chromium")

# Without the background-networking flags, Chromium connects to outside hosts at start-up,
# which fails on an offline CI machine. --no-sandbox is needed because CI runs as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


# --- Network guard -------------------------------------------------------------------


class NetworkAccessBlockedError(RuntimeError):
    """Raised when a test connects to anything other than a loopback address or a unix socket."""


def _is_loopback_host(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        # Any other host name is rejected, so the guard never needs a DNS lookup.
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _check_address(family: int, address: object) -> None:
    if family == getattr(socket, "AF_UNIX", None):
        return
    is_ip_family = family in (socket.AF_INET, socket.AF_INET6)
    if is_ip_family and isinstance(address, tuple) and _is_loopback_host(address[0]):
        return
    raise NetworkAccessBlockedError(
        f"Tests may connect only to loopback addresses and unix sockets, "
        f"but a connection to {address!r} was requested. "
        f"Start the service on 127.0.0.1 or replace it with a local fake."
    )


@pytest.fixture(autouse=True, scope="session")
def _loopback_only_network() -> Iterator[None]:
    """Reject every outgoing connection that is not to loopback or a unix socket.

    The check runs before the real connect, so a rejected address is never contacted.
    Connections made by C code (libpq, Chromium) are not covered.
    """
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_create_connection = socket.create_connection

    def guarded_connect(self: socket.socket, address: object) -> None:
        _check_address(self.family, address)
        return original_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: object) -> int:
        _check_address(self.family, address)
        return original_connect_ex(self, address)

    def guarded_create_connection(address: tuple, *args: object, **kwargs: object):
        # Checked before create_connection resolves the host name.
        _check_address(socket.AF_INET, address)
        return original_create_connection(address, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patcher:
        patcher.setattr(socket.socket, "connect", guarded_connect)
        patcher.setattr(socket.socket, "connect_ex", guarded_connect_ex)
        patcher.setattr(socket, "create_connection", guarded_create_connection)
        yield


# --- Service availability -------------------------------------------------------------


def require_services() -> bool:
    """Return True when missing test services must fail tests instead of skipping them."""
    return os.environ.get(REQUIRE_SERVICES_ENV) == "1"


def _service_unavailable(reason: str) -> NoReturn:
    if require_services():
        pytest.fail(f"{reason} ({REQUIRE_SERVICES_ENV}=1 forbids skipping)", pytrace=False)
    pytest.skip(reason)


def _required_env(name: str, service: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        _service_unavailable(f"{service} is not configured: set {name}")
    return value


# --- Databases ------------------------------------------------------------------------


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """SQLAlchemy URL of a SQLite database file in the test's temporary directory."""
    return f"sqlite:///{tmp_path}/elicitor.db"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL of a new, empty PostgreSQL database that is dropped after the test."""
    server_url = make_url(_required_env(POSTGRES_URL_ENV, "PostgreSQL"))
    if importlib.util.find_spec("psycopg") is None:
        _service_unavailable("PostgreSQL tests need psycopg: pip install 'psycopg[binary]'")

    import psycopg
    from psycopg import sql

    # psycopg takes a libpq URL, which has no "+driver" part.
    admin_conninfo = server_url.set(drivername="postgresql").render_as_string(hide_password=False)
    database = f"elicitor_test_{uuid.uuid4().hex[:16]}"

    with psycopg.connect(admin_conninfo, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    try:
        yield server_url.set(drivername="postgresql+psycopg", database=database).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(admin_conninfo, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def db_url(request: pytest.FixtureRequest) -> str:
    """SQLAlchemy URL of a fresh database. Each test using it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


# --- LLM server -----------------------------------------------------------------------


class LLMServer(NamedTuple):
    """Address of an OpenAI-compatible chat server and the model id to send in requests."""

    base_url: str
    model: str


@pytest.fixture(scope="session")
def llm_server() -> LLMServer:
    base_url = _required_env(LLM_BASE_URL_ENV, "The LLM test server")
    model = _required_env(LLM_MODEL_ENV, "The LLM test server")
    return LLMServer(base_url=base_url.rstrip("/"), model=model)


# --- Browser --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of Debian's Chromium, for Playwright's executable_path launch option."""
    if not CHROMIUM_PATH.exists():
        _service_unavailable(f"Chromium not found at {CHROMIUM_PATH}: apt-get install chromium")
    if importlib.util.find_spec("playwright") is None:
        _service_unavailable("Browser tests need Playwright: pip install playwright")
    return str(CHROMIUM_PATH)


@pytest.fixture(scope="session")
def chromium_launch_options(chromium_path: str) -> dict[str, object]:
    """Keyword arguments for Playwright's chromium.launch() that work as root and offline."""
    return {"executable_path": chromium_path, "headless": True, "args": list(CHROMIUM_ARGS)}
