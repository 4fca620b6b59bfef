"""Table definitions. Migrations under ``migrations/versions`` create the same schema."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

briefings = Table(
    "briefings",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("slug", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("content", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    UniqueConstraint("slug", "version", name="uq_briefings_slug_version"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("briefing_pk", Integer, ForeignKey("briefings.pk"), nullable=False),
    Column("participant", String(200), nullable=False, default=""),
    Column("status", String(32), nullable=False),
    Column("engine", String(200), nullable=False, default="offline"),
    Column("link_id", String(40), nullable=True),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("last_seq", Integer, nullable=False, default=0),
    Index("ix_sessions_briefing_pk", "briefing_pk"),
)

events = Table(
    "events",
    metadata,
    Column("session_id", String(40), ForeignKey("sessions.id"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("type", String(40), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
