"""Event log: the hash chain, tamper detection through the CLI, and the sequence guard."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner, Result

from elicitor.briefing.loader import load_template
from elicitor.cli.main import cli
from elicitor.errors import Conflict
from elicitor.session.events import EventType, PendingEvent, verify_chain
from elicitor.session.service import Interviewer
from elicitor.store import Store

ANSWERS = [
    "The export button doesn't work on my computer.",
    "It spins for a bit then nothing.",
    "About 30 seconds, then nothing, no error.",
]
CLI_TIMEOUT_SECONDS = 120


@dataclasses.dataclass
class Session:
    db_path: str
    session_id: str
    store: Store


@pytest.fixture
def session(sqlite_url) -> Session:
    store = Store(sqlite_url)
    interviewer = Interviewer(store)
    session_id, _ = interviewer.start(store.save_briefing(load_template("bug-triage")))
    for answer in ANSWERS:
        interviewer.answer(session_id, answer)
    return Session(sqlite_url.split(":///", 1)[1], session_id, store)


def verify(session: Session) -> Result:
    """Run `elicitor trace verify` in this process, which is faster than a new one."""
    return CliRunner().invoke(cli, ["--db", session.db_path, "trace", "verify", session.session_id])


def seq_of_answer(session: Session, text: str) -> int:
    for event in session.store.load_events(session.session_id):
        if event.type == EventType.ANSWER_RECEIVED and event.payload["text"] == text:
            return event.seq
    raise AssertionError(f"no stored answer {text!r}")


def execute_sql(session: Session, sql: str, *params: object) -> int:
    connection = sqlite3.connect(session.db_path)
    try:
        with connection:
            return connection.execute(sql, params).rowcount
    finally:
        connection.close()


def alter_answer(session: Session, seq: int, new_text: str) -> None:
    connection = sqlite3.connect(session.db_path)
    try:
        with connection:
            (stored,) = connection.execute(
                "SELECT payload FROM events WHERE session_id = ? AND seq = ?",
                (session.session_id, seq),
            ).fetchone()
            payload = json.loads(stored)
            payload["text"] = new_text
            connection.execute(
                "UPDATE events SET payload = ? WHERE session_id = ? AND seq = ?",
                (json.dumps(payload, sort_keys=True), session.session_id, seq),
            )
    finally:
        connection.close()


# -- an untouched log -----------------------------------------------------------------------


def test_untouched_chain_verifies(session):
    events = session.store.load_events(session.session_id)

    assert len(events) > len(ANSWERS)
    assert verify_chain(events) == []


def test_verify_cli_accepts_untouched(session):
    result = verify(session)

    assert result.exit_code == 0, result.output
    assert session.session_id in result.stdout


def test_chain_links_each_event(session):
    events = session.store.load_events(session.session_id)

    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
        assert after.seq == before.seq + 1


# -- tampering ------------------------------------------------------------------------------


def test_altered_payload_fails_verify(session):
    seq = seq_of_answer(session, ANSWERS[1])
    alter_answer(session, seq, "It shows an error at once.")

    result = verify(session)

    assert result.exit_code == 1
    assert f"event {seq}" in result.stderr


def test_verify_process_exits_one(session):
    seq = seq_of_answer(session, ANSWERS[1])
    alter_answer(session, seq, "It shows an error at once.")

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "elicitor",
            "--db",
            session.db_path,
            "trace",
            "verify",
            session.session_id,
        ],
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_SECONDS,
        check=False,
    )

    assert result.returncode == 1
    assert f"event {seq}" in result.stderr


def test_altered_payload_names_its_event(session):
    seq = seq_of_answer(session, ANSWERS[1])
    alter_answer(session, seq, "It shows an error at once.")

    problems = verify_chain(session.store.load_events(session.session_id))

    assert [problem.seq for problem in problems] == [seq]


def test_reformatted_payload_still_verifies(session):
    seq = seq_of_answer(session, ANSWERS[1])
    alter_answer(session, seq, ANSWERS[1])

    result = verify(session)

    assert result.exit_code == 0, result.output


def test_deleted_event_fails_verify(session):
    seq = seq_of_answer(session, ANSWERS[1])
    deleted = execute_sql(
        session, "DELETE FROM events WHERE session_id = ? AND seq = ?", session.session_id, seq
    )

    result = verify(session)

    assert deleted == 1
    assert result.exit_code == 1
    assert f"event {seq + 1}" in result.stderr


def test_deleted_last_event_fails_verify(session):
    last = session.store.load_events(session.session_id)[-1].seq
    deleted = execute_sql(
        session, "DELETE FROM events WHERE session_id = ? AND seq = ?", session.session_id, last
    )

    result = verify(session)

    assert deleted == 1
    assert result.exit_code == 1, result.stdout


def test_in_memory_edit_detected(session):
    events = session.store.load_events(session.session_id)
    index = len(events) // 2
    events[index] = dataclasses.replace(events[index], payload={"text": "edited"})

    problems = verify_chain(events)

    assert [problem.seq for problem in problems] == [events[index].seq]


# -- the sequence guard ---------------------------------------------------------------------


def test_stale_sequence_raises_conflict(session):
    store = session.store
    events = store.load_events(session.session_id)
    stale = events[-2]

    with pytest.raises(Conflict):
        store.append(
            session.session_id,
            [PendingEvent(EventType.PAUSED, {})],
            expected_seq=stale.seq,
            prev_hash=stale.hash,
        )

    assert len(store.load_events(session.session_id)) == len(events)


def test_second_writer_gets_conflict(session):
    store = session.store
    first = Interviewer(store).load(session.session_id).state
    second = Interviewer(store).load(session.session_id).state
    store.append(
        session.session_id,
        [PendingEvent(EventType.PAUSED, {})],
        expected_seq=first.last_seq,
        prev_hash=first.last_hash,
    )

    with pytest.raises(Conflict):
        store.append(
            session.session_id,
            [PendingEvent(EventType.PAUSED, {})],
            expected_seq=second.last_seq,
            prev_hash=second.last_hash,
        )


def test_stale_answer_raises_conflict(session):
    interviewer = Interviewer(session.store)
    state = interviewer.load(session.session_id).state

    with pytest.raises(Conflict):
        interviewer.submit_answer(
            session.session_id, "Only the quarterly report.", expected_seq=state.last_seq - 1
        )
