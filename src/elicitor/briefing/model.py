"""Briefing data model: what a requester wants to learn, and from whom."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

BRIEFING_SCHEMA_VERSION = 1
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class Topic(BaseModel):
    """One subject the interview must or may cover."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Short slug, unique within the briefing, e.g. 'environment'.")
    title: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=2000)
    required: bool = True
    question: str = Field(
        min_length=3,
        max_length=400,
        description="The one question that opens this topic.",
    )
    covered_when: str = Field(
        default="",
        max_length=1000,
        description="What counts as covered, in plain words.",
    )
    probes: list[str] = Field(
        default_factory=list,
        description="Follow-up questions for details this topic usually needs, one per line.",
    )
    keywords: list[str] = Field(
        default_factory=list,
        description="Words that mark an answer as belonging to this topic.",
    )
    needs_quantity: bool = Field(
        default=False,
        description="True when a covered answer must contain a number (a time, a size, a rate).",
    )

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(
                f"topic id {value!r} must be lower-case letters, digits, '-' or '_' "
                "(at most 64 characters)"
            )
        return value

    @field_validator("probes")
    @classmethod
    def _check_probes(cls, value: list[str]) -> list[str]:
        for probe in value:
            if not probe.strip():
                raise ValueError("probe questions must not be empty")
        return value


class Briefing(BaseModel):
    """A requester's briefing. Immutable once a session pins it."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = Field(default=BRIEFING_SCHEMA_VERSION, ge=1, le=BRIEFING_SCHEMA_VERSION)
    id: str = Field(description="Slug naming the briefing, e.g. 'bug-triage'.")
    title: str = Field(min_length=1, max_length=200)
    goal: str = Field(min_length=1, max_length=2000)
    audience: str = Field(default="", max_length=1000)
    requester: str = Field(
        default="", max_length=200, description="Who is asking, shown to participants."
    )
    opening_question: str = Field(min_length=3, max_length=500)
    topics: list[Topic] = Field(min_length=1, max_length=40)
    time_budget_minutes: int = Field(default=20, ge=1, le=600)
    tone: Literal["neutral", "warm", "brief"] = "neutral"
    language: str = Field(default="en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    artifact_sections: list[str] = Field(default_factory=list)
    private_notes: str = Field(
        default="",
        max_length=5000,
        description="Requester-only notes. Never shown to participants or sent to the voice.",
    )
    engine: str | None = Field(
        default=None,
        description="Backend as 'provider:model', e.g. 'offline'. Empty means the server default.",
    )
    follow_ups: bool = Field(
        default=True,
        description="Ask follow-up questions on the participant's own statements (vague words, "
        "missing numbers, assumptions, reasons). False asks only the topic questions, each "
        "followed by its probes when it got an answer, as the second round of a synthesis "
        "does.",
    )

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(
                f"briefing id {value!r} must be lower-case letters, digits, '-' or '_' "
                "(at most 64 characters)"
            )
        return value

    @model_validator(mode="after")
    def _check_topics(self) -> Briefing:
        seen: set[str] = set()
        for topic in self.topics:
            if topic.id in seen:
                raise ValueError(f"topic id {topic.id!r} is used twice; topic ids must be unique")
            seen.add(topic.id)
        if not any(topic.required for topic in self.topics):
            raise ValueError("at least one topic must have required: true")
        return self

    def topic(self, topic_id: str) -> Topic:
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise KeyError(topic_id)

    def content_hash(self) -> str:
        """Return the SHA-256 of the canonical JSON form; equal briefings hash equally."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def public_view(self) -> dict[str, object]:
        """Return the fields a participant may see (no private notes, no engine)."""
        return self.model_dump(mode="json", exclude={"private_notes", "engine"})
