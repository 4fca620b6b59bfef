"""Persistence: SQLAlchemy 2 tables, Alembic migrations and the event store."""

from elicitor.store.store import BriefingRecord, SessionRecord, Store

__all__ = ["BriefingRecord", "SessionRecord", "Store"]
