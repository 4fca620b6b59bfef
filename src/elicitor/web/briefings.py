"""Briefing sources (template, YAML, object) and versioned edits, for the API and pages."""

from __future__ import annotations

from typing import Any

import yaml

from elicitor.briefing.loader import (
    MAX_BRIEFING_BYTES,
    load_template,
    parse_briefing,
    validate_briefing,
)
from elicitor.briefing.model import Briefing
from elicitor.errors import BriefingInvalid, TooLarge
from elicitor.store.store import BriefingRecord, Store
from elicitor.web.schemas import BriefingPublic, BriefingSummary


def check_briefing_size(text: str) -> None:
    size = len(text.encode("utf-8"))
    if size > MAX_BRIEFING_BYTES:
        raise TooLarge(
            f"the briefing has {size} bytes; the limit is {MAX_BRIEFING_BYTES} bytes "
            f"({MAX_BRIEFING_BYTES // 1024} KB). Shorten descriptions or split the briefing."
        )


def briefing_from(
    *, template: str | None = None, yaml_text: str | None = None, data: Any = None
) -> Briefing:
    """Build a briefing from exactly one source; invalid input raises BriefingInvalid."""
    if template:
        return load_template(template)
    if yaml_text is not None:
        check_briefing_size(yaml_text)
        return parse_briefing(yaml_text, source="the uploaded briefing")
    return validate_briefing(data, source="the briefing")


def save_version(store: Store, current: BriefingRecord, edited: Briefing) -> BriefingRecord:
    """Store an edit of ``current``; changed content becomes a new version.

    Links and sessions point at the version they were made for, so they keep it.
    """
    if edited.id != current.slug:
        raise BriefingInvalid(
            f"the id changed from {current.slug!r} to {edited.id!r}; an edit must keep the id "
            "(create a new briefing to use another id)",
            errors=[{"field": "id", "problem": f"must stay {current.slug!r}"}],
        )
    return store.save_briefing(edited)


def briefing_yaml(briefing: Briefing) -> str:
    data = briefing.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def briefing_summary(record: BriefingRecord) -> BriefingSummary:
    return BriefingSummary(
        pk=record.pk,
        id=record.slug,
        version=record.version,
        title=record.briefing.title,
        content_hash=record.content_hash,
        created_at=record.created_at,
    )


def briefing_public(store: Store, record: BriefingRecord) -> BriefingPublic:
    versions = [
        briefing_summary(other) for other in store.list_briefings() if other.slug == record.slug
    ]
    return BriefingPublic(
        **briefing_summary(record).model_dump(),
        briefing=record.briefing.model_dump(mode="json"),
        versions=versions,
    )


def latest_versions(store: Store) -> list[BriefingRecord]:
    """Return the newest version of each briefing, newest first."""
    newest: dict[str, BriefingRecord] = {}
    for record in store.list_briefings():
        if record.slug not in newest or record.version > newest[record.slug].version:
            newest[record.slug] = record
    return sorted(newest.values(), key=lambda record: record.created_at, reverse=True)
