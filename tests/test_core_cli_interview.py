"""The terminal interview run as a user runs it: a real process on a real SQLite file.

PipedInterview sends each answer through a pipe only after the previous prompt has been
printed. The acceptance scenario needs that because the number of "I don't know" answers
before the review depends on the engine, so a fixed answers file cannot know where "sign"
goes. The `--answers FILE` option is tested separately with a pause and a resume.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result

from elicitor.artifact.build import content_hash
from elicitor.artifact.model import Artifact
from elicitor.cli.main import cli
from elicitor.session.events import EventType, verify_chain
from elicitor.session.service import REVIEW_HELP, SUMMARY_HELP
from elicitor.store import Store

# These timeouts only stop a hung child process. No test asserts on how fast anything is.
READ_TIMEOUT_SECONDS = 120
MAX_PROMPTS = 60
QUESTION_LINE = re.compile(r"^Q\d+\. (?P<text>.+)$")
SESSION_ID = re.compile(r"\bsession (s-[0-9a-f]+)")
ACCEPTANCE_ANSWERS = [
    "The export button doesn't work on my computer.",
    "It spins for a bit then nothing.",
    "About 30 seconds, then nothing, no error.",
    "Only the quarterly report fails. The monthly one works.",
    "I think the server times out.",
]


@dataclass
class PrintedPrompt:
    """One prompt as printed: its kind, its question text, and every line since the last."""

    kind: str
    text: str = ""
    lines: list[str] = field(default_factory=list)


def cli_command(db_path: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "elicitor", "--db", str(db_path), *args]


def cli_env() -> dict[str, str]:
    return os.environ | {"PYTHONUNBUFFERED": "1"}


def invoke_cli(db_path: Path, *args: str) -> Result:
    """Run a non-interactive command in this process, which is faster than a new one."""
    return CliRunner().invoke(cli, ["--db", str(db_path), *args])


def run_cli(db_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_command(db_path, *args),
        input=stdin,
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=READ_TIMEOUT_SECONDS,
        check=False,
    )


class PipedInterview:
    """A running `elicitor interview` process whose standard input is a pipe."""

    def __init__(self, db_path: Path, *args: str) -> None:
        self.process = subprocess.Popen(
            cli_command(db_path, "interview", *args),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=cli_env(),
        )
        self.output: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def next_prompt(self) -> PrintedPrompt:
        """Read output until the process waits for the next answer or exits."""
        lines: list[str] = []
        while True:
            line = self._lines.get(timeout=READ_TIMEOUT_SECONDS)
            if line is None:
                return PrintedPrompt("exit", lines=lines)
            self.output.append(line)
            lines.append(line)
            question = QUESTION_LINE.match(line)
            if question:
                return PrintedPrompt("question", question.group("text"), lines)
            if line == REVIEW_HELP:
                return PrintedPrompt("review", lines=lines)
            if line == SUMMARY_HELP:
                return PrintedPrompt("summary", lines=lines)
            if line.startswith("Signed off"):
                return PrintedPrompt("done", lines=lines)

    def send(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def session_id(self) -> str:
        for line in self.output:
            match = SESSION_ID.search(line)
            if match:
                return match.group(1)
        raise AssertionError(f"no session id in the output: {self.output}")

    def stop(self) -> None:
        """Close standard input and wait for the process to exit, killing it if it hangs."""
        try:
            if self.process.stdin is not None and not self.process.stdin.closed:
                self.process.stdin.close()
            self.process.wait(timeout=READ_TIMEOUT_SECONDS)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


# -- the acceptance scenario ----------------------------------------------------------------


@dataclass
class Transcript:
    db_path: Path
    session_id: str
    turns: list[tuple[str, PrintedPrompt]]
    export_json: str

    def question_after(self, answer: str) -> PrintedPrompt:
        for sent, printed in self.turns:
            if sent == answer:
                return printed
        raise AssertionError(f"{answer!r} was never sent")

    def questions(self) -> list[str]:
        return [printed.text for _, printed in self.turns if printed.kind == "question"]

    def artifact(self) -> Artifact:
        return Artifact.model_validate_json(self.export_json)

    def claims(self):
        artifact = self.artifact()
        return [c for t in artifact.topics for c in t.claims] + artifact.other_claims


@pytest.fixture(scope="module")
def acceptance(tmp_path_factory) -> Transcript:
    """Run the bug-triage scenario: scripted answers, "I don't know" until the review, sign."""
    db_path = tmp_path_factory.mktemp("acceptance") / "elicitor.db"
    interview = PipedInterview(db_path, "--template", "bug-triage")
    script = iter(ACCEPTANCE_ANSWERS)
    turns: list[tuple[str, PrintedPrompt]] = []
    try:
        printed = interview.next_prompt()
        for _ in range(MAX_PROMPTS):
            if printed.kind in ("done", "exit"):
                break
            if printed.kind == "review":
                answer = "sign"
            elif printed.kind == "summary":
                answer = "ok"
            else:
                answer = next(script, "I don't know")
            interview.send(answer)
            printed = interview.next_prompt()
            turns.append((answer, printed))
    finally:
        interview.stop()
    assert printed.kind == "done", interview.output
    session_id = interview.session_id()
    exported = invoke_cli(db_path, "sessions", "export", session_id, "--format", "json")
    assert exported.exit_code == 0, exported.output
    return Transcript(db_path, session_id, turns, exported.stdout)


def test_failure_asks_what_happens(acceptance):
    question = acceptance.question_after(ACCEPTANCE_ANSWERS[0]).text.lower()

    assert "button" in question
    assert any(word in question for word in ("spinner", "error", "freeze", "nothing"))


def test_spinner_answer_asks_how_long(acceptance):
    question = acceptance.question_after(ACCEPTANCE_ANSWERS[1]).text.lower()

    assert "how long" in question


def test_asks_every_time_or_only(acceptance):
    questions = [q.lower() for q in acceptance.questions()]

    assert any("every time" in q and "only" in q for q in questions), questions


def test_every_scripted_answer_stored(acceptance):
    store = Store(f"sqlite:///{acceptance.db_path}")
    stored = [
        e.payload["text"]
        for e in store.load_events(acceptance.session_id)
        if e.type == EventType.ANSWER_RECEIVED
    ]

    assert stored[: len(ACCEPTANCE_ANSWERS)] == ACCEPTANCE_ANSWERS


def test_export_matches_artifact_schema(acceptance):
    jsonschema.validate(json.loads(acceptance.export_json), Artifact.model_json_schema())


@pytest.mark.parametrize(
    "text",
    [
        "About 30 seconds, then nothing, no error.",
        "Only the quarterly report fails.",
        "The monthly one works.",
    ],
)
def test_facts_in_artifact(acceptance, text):
    kinds = {claim.text: claim.kind for claim in acceptance.claims()}

    assert kinds.get(text) == "fact", kinds


def test_server_timeout_is_assumption(acceptance):
    kinds = {claim.text: claim.kind for claim in acceptance.claims()}

    assert kinds.get("I think the server times out.") == "assumption", kinds


def test_thirty_seconds_is_quantity(acceptance):
    claim = next(c for c in acceptance.claims() if c.text.startswith("About 30 seconds"))

    assert [(q.dimension, q.base_value) for q in claim.quantities] == [("duration", 30)]


def test_artifact_signed_with_its_hash(acceptance):
    artifact = acceptance.artifact()

    assert artifact.sign_off is not None
    assert content_hash(artifact) == artifact.sign_off.content_hash


def test_signed_trace_verifies(acceptance):
    result = invoke_cli(acceptance.db_path, "trace", "verify", acceptance.session_id)

    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_other_exports_hold_claims(acceptance, fmt):
    result = invoke_cli(
        acceptance.db_path, "sessions", "export", acceptance.session_id, "--format", fmt
    )

    assert result.exit_code == 0, result.output
    assert "I think the server times out." in result.stdout
    assert acceptance.artifact().sign_off.content_hash in result.stdout


# -- kill -9 in the middle of an interview --------------------------------------------------

ACKNOWLEDGED = ACCEPTANCE_ANSWERS[:3]
IN_FLIGHT = ACCEPTANCE_ANSWERS[3]
AFTER_RESUME = "I use Windows 11 on a laptop."


def stored_answers(db_path: Path, session_id: str) -> list[str]:
    store = Store(f"sqlite:///{db_path}")
    try:
        return [
            e.payload["text"]
            for e in store.load_events(session_id)
            if e.type == EventType.ANSWER_RECEIVED
        ]
    finally:
        store.close()


@dataclass
class KilledRun:
    db_path: Path
    session_id: str
    answers_after_kill: list[str]
    problems_after_kill: list
    resumed: subprocess.CompletedProcess[str]
    answers_after_resume: list[str]
    problems_after_resume: list


def chain_problems(db_path: Path, session_id: str) -> list:
    store = Store(f"sqlite:///{db_path}")
    try:
        return verify_chain(store.load_events(session_id))
    finally:
        store.close()


@pytest.fixture(scope="module")
def killed(tmp_path_factory) -> KilledRun:
    """Get three answers acknowledged, kill -9 the process with a fourth in flight, resume."""
    db_path = tmp_path_factory.mktemp("killed") / "elicitor.db"
    interview = PipedInterview(db_path, "--template", "bug-triage")
    try:
        assert interview.next_prompt().kind == "question"
        for answer in ACKNOWLEDGED:
            interview.send(answer)
            assert interview.next_prompt().kind in ("question", "summary")
        interview.send(IN_FLIGHT)
        interview.process.send_signal(signal.SIGKILL)
        interview.process.wait(timeout=READ_TIMEOUT_SECONDS)
    finally:
        if interview.process.poll() is None:
            interview.process.kill()
            interview.process.wait()
    session_id = interview.session_id()
    answers_after_kill = stored_answers(db_path, session_id)
    problems_after_kill = chain_problems(db_path, session_id)
    resumed = run_cli(db_path, "interview", "--resume", session_id, stdin=AFTER_RESUME + "\n")
    return KilledRun(
        db_path,
        session_id,
        answers_after_kill,
        problems_after_kill,
        resumed,
        stored_answers(db_path, session_id),
        chain_problems(db_path, session_id),
    )


def test_killed_process_kept_answers(killed):
    assert killed.answers_after_kill[: len(ACKNOWLEDGED)] == ACKNOWLEDGED


def test_killed_process_stored_nothing_else(killed):
    assert set(killed.answers_after_kill) <= set(ACKNOWLEDGED) | {IN_FLIGHT}


def test_killed_process_chain_intact(killed):
    assert killed.problems_after_kill == []


def test_resume_after_kill_greets(killed):
    output = killed.resumed.stdout

    assert killed.resumed.returncode == 0, killed.resumed.stderr
    assert "welcome back" in output.lower()
    assert any(QUESTION_LINE.match(line) for line in output.splitlines())


def test_resume_after_kill_continues(killed):
    assert killed.answers_after_resume == killed.answers_after_kill + [AFTER_RESUME]
    assert killed.problems_after_resume == []


# -- an answers file, a pause at its end, and a resume --------------------------------------


def test_answers_file_pause_resume(tmp_path):
    db_path = tmp_path / "elicitor.db"
    first = tmp_path / "first.txt"
    first.write_text("\n".join(ACKNOWLEDGED) + "\n", encoding="utf-8")
    second = tmp_path / "second.txt"
    second.write_text(IN_FLIGHT + "\n", encoding="utf-8")

    started = run_cli(db_path, "interview", "--template", "bug-triage", "--answers", str(first))
    session_id = SESSION_ID.search(started.stdout).group(1)
    resumed = run_cli(db_path, "interview", "--resume", session_id, "--answers", str(second))

    assert started.returncode == 0, started.stderr
    assert resumed.returncode == 0, resumed.stderr
    assert "welcome back" in resumed.stdout.lower()
    assert stored_answers(db_path, session_id) == ACKNOWLEDGED + [IN_FLIGHT]
