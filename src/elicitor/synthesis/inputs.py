"""Load what a synthesis reads: the versions of one briefing and the artifacts of its sessions.

A synthesis spans every version of a briefing id (slug). Sessions pin the version they
started on, and a requester who edits a briefing mid-round still wants one picture, so
topics are matched by their id across versions. A numeric argument is taken as a
briefing pk when one exists, otherwise as a slug.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from elicitor.artifact.build import build_artifact
from elicitor.artifact.model import Artifact
from elicitor.errors import NotFound
from elicitor.session.state import SessionState
from elicitor.store.store import BriefingRecord, SessionRecord, Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionInput:
    """One session to synthesise: its record, the version it pinned, and its artifact."""

    record: SessionRecord
    briefing: BriefingRecord
    artifact: Artifact
    state: SessionState

    @property
    def session_id(self) -> str:
        return self.record.id

    @property
    def signed(self) -> bool:
        return self.artifact.sign_off is not None


@dataclass(frozen=True)
class BriefingVersions:
    """Every stored version of one briefing id, oldest first."""

    slug: str
    records: list[BriefingRecord]

    @property
    def latest(self) -> BriefingRecord:
        return self.records[-1]

    @property
    def pks(self) -> list[int]:
        return [record.pk for record in self.records]


def resolve_briefing(store: Store, identifier: str | int) -> BriefingVersions:
    """Return the versions of the briefing named by a pk or a slug.

    Raises NotFound naming the value and how to list briefings.
    """
    text = str(identifier).strip()
    records = store.list_briefings()
    slug: str | None = None
    if text.isdigit():
        slug = next((r.slug for r in records if r.pk == int(text)), None)
    if slug is None and any(r.slug == text for r in records):
        slug = text
    if slug is None:
        raise NotFound(
            f"briefing {text!r} not found as an id or pk; list briefings with "
            "`elicitor briefings list` or GET /api/v1/briefings"
        )
    versions = sorted((r for r in records if r.slug == slug), key=lambda r: r.version)
    return BriefingVersions(slug, versions)


def versions_by_slug(store: Store, slug: str) -> BriefingVersions | None:
    """Return the versions of ``slug``, or None when no briefing has that id."""
    records = sorted((r for r in store.list_briefings() if r.slug == slug), key=lambda r: r.version)
    return BriefingVersions(slug, records) if records else None


def load_session(store: Store, record: SessionRecord, briefing: BriefingRecord) -> SessionInput:
    """Replay one session's log and build its artifact in its current state."""
    events = store.load_events(record.id)
    state = SessionState.from_events(record.id, events)
    artifact = build_artifact(state, briefing.briefing, version=briefing.version)
    return SessionInput(record=record, briefing=briefing, artifact=artifact, state=state)


def load_sessions(
    store: Store, versions: BriefingVersions, *, include_unsigned: bool
) -> tuple[list[SessionInput], int]:
    """Return the sessions to synthesise, oldest first, and how many unsigned were skipped."""
    by_pk = {record.pk: record for record in versions.records}
    records = [session for pk in versions.pks for session in store.list_sessions(briefing_pk=pk)]
    records.sort(key=lambda session: (session.created_at, session.id))
    loaded: list[SessionInput] = []
    skipped = 0
    for record in records:
        if record.status != "signed_off" and not include_unsigned:
            skipped += 1
            continue
        loaded.append(load_session(store, record, by_pk[record.briefing_pk]))
    log.info(
        "synthesis of %s: %d sessions loaded, %d unsigned left out",
        versions.slug,
        len(loaded),
        skipped,
    )
    return loaded, skipped
