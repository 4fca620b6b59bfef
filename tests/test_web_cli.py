"""``elicitor keys`` and ``elicitor serve`` as a user runs them."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from click.testing import CliRunner

from elicitor.cli.main import cli

SERVER_START_SECONDS = 30
KEY_PATTERN = re.compile(r"^\s+(elk_[A-Za-z0-9_-]{43})$")


def test_keys_create_list_revoke(sqlite_url: str) -> None:
    runner = CliRunner()
    created = runner.invoke(cli, ["--db", sqlite_url, "keys", "create", "--label", "ci"])
    assert created.exit_code == 0, created.output
    key_id = re.search(r"Created key (k-[0-9a-f]+)", created.output).group(1)
    token = created.output.strip().splitlines()[-1]
    assert token.startswith("elk_")
    listed = runner.invoke(cli, ["--db", sqlite_url, "keys", "list"])
    assert key_id in listed.output
    assert token not in listed.output
    revoked = runner.invoke(cli, ["--db", sqlite_url, "keys", "revoke", key_id])
    assert revoked.exit_code == 0
    assert "revoked" in runner.invoke(cli, ["--db", sqlite_url, "keys", "list"]).output


def test_revoke_unknown_key(sqlite_url: str) -> None:
    result = CliRunner().invoke(cli, ["--db", sqlite_url, "keys", "revoke", "k-none"])
    assert result.exit_code == 1
    assert "not found" in result.output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Server:
    """``elicitor serve`` in a child process, with its output collected line by line."""

    def __init__(self, database: Path, port: int) -> None:
        env = os.environ | {"PYTHONUNBUFFERED": "1"}
        command = [
            sys.executable,
            "-m",
            "elicitor",
            "--db",
            str(database),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def output_until(self, marker: str) -> list[str]:
        seen: list[str] = []
        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            seen.append(line)
            if marker in line:
                return seen
        raise AssertionError(f"{marker!r} not printed; output so far: {seen}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def _wait_for_http(url: str) -> httpx.Response:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_prints_first_key(tmp_path: Path) -> None:
    database = tmp_path / "serve.db"
    port = _free_port()
    server = _Server(database, port)
    try:
        output = server.output_until("is listening on")
        keys = [match.group(1) for line in output if (match := KEY_PATTERN.match(line))]
        assert len(keys) == 1
        assert f"http://127.0.0.1:{port}/login" in "\n".join(output)
        base = f"http://127.0.0.1:{port}"
        assert _wait_for_http(f"{base}/login").status_code == 200
        listed = httpx.get(
            f"{base}/api/v1/briefings", headers={"Authorization": f"Bearer {keys[0]}"}
        )
        assert listed.status_code == 200
    finally:
        server.stop()
    again = _Server(database, _free_port())
    try:
        output = again.output_until("is listening on")
        assert not [line for line in output if KEY_PATTERN.match(line)]
    finally:
        again.stop()
