"""The event store: briefings, sessions and their append-only event logs."""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, insert, select, update
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
)

from elicitor.briefing.model import Briefing
from elicitor.errors import ConfigurationError, Conflict, NotFound
from elicitor.session.events import GENESIS_HASH, Event, EventType, PendingEvent, seal, utc_now
from elicitor.store import tables

log = logging.getLogger(__name__)

_migrated: set[str] = set()
_migrate_lock = threading.Lock()


@dataclass(frozen=True)
class BriefingRecord:
    pk: int
    slug: str
    version: int
    briefing: Briefing
    content_hash: str
    created_at: str


@dataclass(frozen=True)
class SessionRecord:
    id: str
    briefing_pk: int
    participant: str
    status: str
    engine: str
    link_id: str | None
    created_at: str
    updated_at: str
    last_seq: int


def _new_session_id() -> str:
    return "s-" + secrets.token_hex(6)


class Store:
    """Thread-safe access to one database. SQLite writes go through one process-wide lock."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        try:
            self.engine: Engine = self._create_engine(url)
        except (ArgumentError, NoSuchModuleError, ImportError) as error:
            raise ConfigurationError(
                f"database URL {_redacted(url)!r} is not usable ({error}); give a SQLite file "
                "path, or a URL such as postgresql+psycopg://user@host/db (PostgreSQL needs "
                "`pip install 'elicitor[postgres]'`)"
            ) from error
        # SQLite allows one writer at a time, and waiting on its busy handler costs far more
        # than a process-wide lock. PostgreSQL needs no lock: the (session, seq) primary key
        # and the last_seq check turn a lost race into Conflict.
        self._write_lock: AbstractContextManager[Any] = (
            threading.Lock() if self.is_sqlite else nullcontext()
        )
        if migrate:
            try:
                self.migrate()
            except (OperationalError, DatabaseError) as error:
                raise ConfigurationError(
                    f"cannot open the database {_redacted(url)!r}: {error.orig or error}. Check "
                    "that the path is a SQLite file in a writable folder, or that the server is "
                    "running (--db or ELICITOR_DATABASE_URL)"
                ) from error

    def _create_engine(self, url: str) -> Engine:
        if not self.is_sqlite:
            return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)
        self._prepare_sqlite_path(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine

    @staticmethod
    def _prepare_sqlite_path(url: str) -> None:
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)

    def migrate(self) -> None:
        """Upgrade the schema to the newest Alembic revision (once per process and URL)."""
        with _migrate_lock:
            if self.url in _migrated:
                return
            from alembic import command
            from alembic.config import Config

            config = Config()
            location = resources.files("elicitor.store") / "migrations"
            config.set_main_option("script_location", str(location))
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
            _migrated.add(self.url)
            log.info("database schema is up to date")

    def close(self) -> None:
        self.engine.dispose()

    # -- briefings -------------------------------------------------------------------------

    def save_briefing(self, briefing: Briefing) -> BriefingRecord:
        """Store a briefing; identical content reuses its version, changed content adds one."""
        digest = briefing.content_hash()
        with self._write_lock, self.engine.begin() as conn:
            rows = conn.execute(
                select(tables.briefings)
                .where(tables.briefings.c.slug == briefing.id)
                .order_by(tables.briefings.c.version.desc())
            ).all()
            for row in rows:
                if row.content_hash == digest:
                    return _briefing_record(row)
            version = (rows[0].version + 1) if rows else 1
            now = utc_now()
            result = conn.execute(
                insert(tables.briefings).values(
                    slug=briefing.id,
                    version=version,
                    title=briefing.title,
                    content=briefing.model_dump_json(),
                    content_hash=digest,
                    created_at=now,
                )
            )
            pk = int(result.inserted_primary_key[0])
        return BriefingRecord(pk, briefing.id, version, briefing, digest, now)

    def get_briefing(self, pk: int) -> BriefingRecord:
        with self.engine.connect() as conn:
            row = conn.execute(select(tables.briefings).where(tables.briefings.c.pk == pk)).first()
        if row is None:
            raise NotFound(
                f"briefing {pk} not found; list briefings with `elicitor briefings list`"
            )
        return _briefing_record(row)

    def list_briefings(self) -> list[BriefingRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(tables.briefings).order_by(
                    tables.briefings.c.slug, tables.briefings.c.version
                )
            ).all()
        return [_briefing_record(row) for row in rows]

    # -- sessions --------------------------------------------------------------------------

    def create_session(
        self,
        briefing: BriefingRecord,
        *,
        participant: str = "",
        engine: str = "offline",
        link_id: str | None = None,
        first_events: list[PendingEvent] | None = None,
    ) -> tuple[SessionRecord, list[Event]]:
        """Create a session whose log starts with ``session_started`` and ``first_events``."""
        session_id = _new_session_id()
        now = utc_now()
        started = PendingEvent(
            EventType.SESSION_STARTED,
            {
                "briefing_id": briefing.slug,
                "briefing_pk": briefing.pk,
                "briefing_version": briefing.version,
                "briefing_hash": briefing.content_hash,
                "participant": participant,
                "engine": engine,
            },
        )
        pending = [started, *(first_events or [])]
        with self._write_lock, self.engine.begin() as conn:
            conn.execute(
                insert(tables.sessions).values(
                    id=session_id,
                    briefing_pk=briefing.pk,
                    participant=participant,
                    status="in_progress",
                    engine=engine,
                    link_id=link_id,
                    created_at=now,
                    updated_at=now,
                    last_seq=0,
                )
            )
            stored = self._insert_events(conn, session_id, 0, GENESIS_HASH, pending, "in_progress")
        record = SessionRecord(
            session_id,
            briefing.pk,
            participant,
            "in_progress",
            engine,
            link_id,
            now,
            now,
            len(stored),
        )
        return record, stored

    def get_session(self, session_id: str) -> SessionRecord:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(tables.sessions).where(tables.sessions.c.id == session_id)
            ).first()
        if row is None:
            raise NotFound(
                f"session {session_id!r} not found; list sessions with `elicitor sessions list`"
            )
        return _session_record(row)

    def list_sessions(self, *, briefing_pk: int | None = None) -> list[SessionRecord]:
        query = select(tables.sessions).order_by(tables.sessions.c.created_at)
        if briefing_pk is not None:
            query = query.where(tables.sessions.c.briefing_pk == briefing_pk)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [_session_record(row) for row in rows]

    # -- events ----------------------------------------------------------------------------

    def load_events(self, session_id: str) -> list[Event]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(tables.events)
                .where(tables.events.c.session_id == session_id)
                .order_by(tables.events.c.seq)
            ).all()
        if not rows:
            self.get_session(session_id)
        return [
            Event(
                seq=row.seq,
                type=EventType(row.type),
                payload=json.loads(row.payload),
                created_at=row.created_at,
                prev_hash=row.prev_hash,
                hash=row.hash,
            )
            for row in rows
        ]

    def append(
        self,
        session_id: str,
        pending: list[PendingEvent],
        *,
        expected_seq: int,
        prev_hash: str,
        status: str | None = None,
    ) -> list[Event]:
        """Append events after ``expected_seq`` in one transaction.

        Raises ``Conflict`` when another writer appended first: the (session, seq) primary
        key makes the loser's insert fail, so two tabs can never interleave a turn.
        """
        if not pending:
            return []
        try:
            with self._write_lock, self.engine.begin() as conn:
                current = conn.execute(
                    select(tables.sessions.c.last_seq).where(tables.sessions.c.id == session_id)
                ).scalar_one_or_none()
                if current is None:
                    raise NotFound(f"session {session_id!r} not found")
                if current != expected_seq:
                    raise Conflict(
                        f"session {session_id} changed since it was read (event {current}, "
                        f"expected {expected_seq}); reload it and try again"
                    )
                return self._insert_events(
                    conn, session_id, expected_seq, prev_hash, pending, status
                )
        except IntegrityError as exc:
            raise Conflict(
                f"session {session_id} was written by someone else at the same time; reload it"
            ) from exc

    def _insert_events(
        self,
        conn: Any,
        session_id: str,
        last_seq: int,
        prev_hash: str,
        pending: list[PendingEvent],
        status: str | None,
    ) -> list[Event]:
        stored: list[Event] = []
        for offset, item in enumerate(pending, start=1):
            sealed = seal(item, seq=last_seq + offset, prev_hash=prev_hash)
            stored.append(sealed)
            prev_hash = sealed.hash
        conn.execute(
            insert(tables.events),
            [
                {
                    "session_id": session_id,
                    "seq": e.seq,
                    "type": e.type.value,
                    "payload": json.dumps(e.payload, ensure_ascii=False, sort_keys=True),
                    "created_at": e.created_at,
                    "prev_hash": e.prev_hash,
                    "hash": e.hash,
                }
                for e in stored
            ],
        )
        values: dict[str, Any] = {"last_seq": stored[-1].seq, "updated_at": stored[-1].created_at}
        if status:
            values["status"] = status
        result = conn.execute(
            update(tables.sessions)
            .where(tables.sessions.c.id == session_id)
            .where(tables.sessions.c.last_seq == last_seq)
            .values(**values)
        )
        if result.rowcount != 1:
            raise Conflict(f"session {session_id} changed while writing; reload it and try again")
        return stored

    def count_events(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(tables.events)).scalar_one())


def _redacted(url: str) -> str:
    """Hide a password in a database URL before it goes into a message."""
    return re.sub(r"(://[^:/@]+):[^@]+@", r"\1:***@", url)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _briefing_record(row: Any) -> BriefingRecord:
    return BriefingRecord(
        pk=row.pk,
        slug=row.slug,
        version=row.version,
        briefing=Briefing.model_validate_json(row.content),
        content_hash=row.content_hash,
        created_at=row.created_at,
    )


def _session_record(row: Any) -> SessionRecord:
    return SessionRecord(
        id=row.id,
        briefing_pk=row.briefing_pk,
        participant=row.participant,
        status=row.status,
        engine=row.engine,
        link_id=row.link_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        last_seq=row.last_seq,
    )
