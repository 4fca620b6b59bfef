"""Load test: answer submission with many simulated participants at once.

Starts ``elicitor serve`` on 127.0.0.1 (a spare port) against the given database, creates
one briefing and one personal link per participant, then lets every participant answer
in turn: each waits for the reply to its answer (the next question) before sending the
next one, as a person would. The timed phase covers only ``POST .../answers`` with the
turn included (``run_turn`` true), so a latency is the time from sending an answer to
having the next question.

Usage:
    .venv/bin/python benchmarks/web_load.py --database-url sqlite:////tmp/load.db
    .venv/bin/python benchmarks/web_load.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/load

Requests go to 127.0.0.1 only, and the run is bounded: at most 200 participants,
50 answers each and a per-request timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from elicitor.store.store import Store
from elicitor.store.web_store import WebStore

MAX_PARTICIPANTS = 200
MAX_ANSWERS = 50
SERVER_START_SECONDS = 30
REVIEW_REPLY = "back"
ANSWERS = [
    "When I click Sync the status icon spins and no files appear in the shared folder.",
    "I expected the upload to finish within a minute, like it did last month.",
    "It happens on Windows 11 23H2 with version 4.2.1 of the app.",
    "It fails about 3 out of 10 times, mostly with files over 2 GB.",
    "I don't know",
    "It started after the update last Tuesday; before that it was fine.",
    "Restarting the app makes it work again for about an hour.",
    "The log says 'upload timed out after 60 s' near the failure.",
    "skip",
    "I think the VPN might matter, but I am not sure.",
]


@dataclass
class Results:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def record(self, status: int, elapsed_ms: float) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status == 200:
            self.latencies_ms.append(elapsed_ms)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_server(database_url: str, port: int, log_path: str) -> subprocess.Popen[bytes]:
    env = os.environ | {
        # Every simulated participant has its own link, so the per-link limit is not what
        # is measured here. It is raised to keep it out of the way.
        "ELICITOR_RATE_LIMIT_BURST": "1000",
        "ELICITOR_RATE_LIMIT_PER_MINUTE": "6000",
    }
    command = [
        sys.executable,
        "-m",
        "elicitor",
        "--db",
        database_url,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with open(log_path, "wb") as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)


async def _wait_until_up(client: httpx.AsyncClient, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode}; see its log")
        try:
            response = await client.get("/login")
            if response.status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError(f"the server did not respond within {SERVER_START_SECONDS} s")


async def _prepare(client: httpx.AsyncClient, key: str, participants: int) -> list[tuple[str, str]]:
    """Create the briefing, one link and one session per participant (not timed)."""
    headers = {"Authorization": f"Bearer {key}"}
    briefing = await client.post(
        "/api/v1/briefings", json={"template": "bug-triage"}, headers=headers
    )
    briefing.raise_for_status()
    sessions = []
    for number in range(participants):
        link = await client.post(
            "/api/v1/links",
            json={"briefing_pk": briefing.json()["pk"], "label": f"participant {number}"},
            headers=headers,
        )
        link.raise_for_status()
        token = link.json()["token"]
        started = await client.post(f"/api/v1/p/{token}/sessions", json={})
        started.raise_for_status()
        sessions.append((token, started.json()["session_id"]))
    return sessions


async def _participant(
    client: httpx.AsyncClient,
    token: str,
    session_id: str,
    number: int,
    answers: int,
    results: Results,
) -> None:
    url = f"/api/v1/p/{token}/sessions/{session_id}/answers"
    for turn in range(answers):
        text = ANSWERS[(number + turn) % len(ANSWERS)]
        body = {"text": text, "message_id": f"p{number}-t{turn}"}
        started = time.perf_counter()
        try:
            response = await client.post(url, json=body)
        except httpx.TransportError as exc:
            results.failures.append(f"participant {number} turn {turn}: {type(exc).__name__}")
            return
        elapsed_ms = (time.perf_counter() - started) * 1000
        results.record(response.status_code, elapsed_ms)
        prompt = response.json().get("prompt") if response.status_code == 200 else None
        if prompt is None or prompt["kind"] == "done":
            return
        if prompt["kind"] == "review":
            # Reopen the review (not timed) so every participant sends the same number of
            # answers.
            await client.post(url, json={"text": REVIEW_REPLY})


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


async def _run(args: argparse.Namespace, key: str, port: int) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=args.participants + 10)
    timeout = httpx.Timeout(args.timeout)
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout) as client:
        sessions = await _prepare(client, key, args.participants)
        results = Results()
        started = time.perf_counter()
        await asyncio.gather(
            *(
                _participant(client, token, session_id, number, args.answers, results)
                for number, (token, session_id) in enumerate(sessions)
            )
        )
        wall = time.perf_counter() - started
    latencies = results.latencies_ms
    total = sum(results.statuses.values())
    return {
        "database": args.database_url.split("://", 1)[0],
        "participants": args.participants,
        "answers_per_participant": args.answers,
        "requests": total,
        "statuses": results.statuses,
        "failures": results.failures,
        "wall_seconds": round(wall, 3),
        "requests_per_second": round(total / wall, 1) if wall else None,
        "latency_ms": {
            "p50": round(statistics.median(latencies), 1) if latencies else None,
            "p95": round(_percentile(latencies, 0.95), 1) if latencies else None,
            "p99": round(_percentile(latencies, 0.99), 1) if latencies else None,
            "max": round(max(latencies), 1) if latencies else None,
        },
    }


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url", required=True, help="SQLAlchemy URL of the database.")
    parser.add_argument("--participants", type=int, default=50, help="Concurrent participants.")
    parser.add_argument("--answers", type=int, default=10, help="Answers per participant.")
    parser.add_argument("--timeout", type=float, default=30.0, help="Seconds per request.")
    parser.add_argument("--server-log", default="web_load_server.log", help="Server log file.")
    args = parser.parse_args()
    if not 1 <= args.participants <= MAX_PARTICIPANTS:
        parser.error(f"--participants must be between 1 and {MAX_PARTICIPANTS}")
    if not 1 <= args.answers <= MAX_ANSWERS:
        parser.error(f"--answers must be between 1 and {MAX_ANSWERS}")

    store = Store(args.database_url)
    _key, token = WebStore(store).create_api_key("web load benchmark")
    store.close()
    port = _free_port()
    process = _start_server(args.database_url, port, args.server_log)
    try:
        asyncio.run(_wait_for(port, process))
        report = asyncio.run(_run(args, token, port))
    finally:
        _stop(process)
    print(json.dumps(report, indent=2))


async def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=2.0) as client:
        await _wait_until_up(client, process)


if __name__ == "__main__":
    main()
