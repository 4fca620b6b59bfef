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

# --- web service (migration 0002_web) ----------------------------------------------------
# Secrets (API keys, link tokens, login cookies) are stored only as SHA-256 hex digests.

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("label", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("last_used_at", String(40), nullable=True),
    Column("revoked_at", String(40), nullable=True),
)

links = Table(
    "links",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("label", String(200), nullable=False),
    Column("briefing_pk", Integer, ForeignKey("briefings.pk"), nullable=False),
    Column("session_id", String(40), ForeignKey("sessions.id"), nullable=True),
    Column("parent_id", String(40), nullable=True),
    Column("form_token", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=True),
    Column("revoked_at", String(40), nullable=True),
    Index("ix_links_briefing_pk", "briefing_pk"),
    Index("ix_links_session_id", "session_id"),
)

web_logins = Table(
    "web_logins",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("key_id", String(40), ForeignKey("api_keys.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
)
