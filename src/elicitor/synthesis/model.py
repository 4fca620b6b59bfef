"""Synthesis schema (versioned). ``schemas/synthesis.v1.json`` is generated from these models.

A synthesis covers every session of one briefing id, across all of its versions. It
aligns the claims of each participant into points and records who stated each point in
their own words. It lists the points only one person made and the disagreements between
participants, and for incident briefings it adds a merged timeline.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SYNTHESIS_SCHEMA_VERSION = 1
SCHEMA_ID = "https://elicitor.dev/schemas/synthesis.v1.json"

DisagreementKind = Literal["time", "number", "polarity", "sequence", "account"]
DisagreementStatus = Literal["open", "confirmed", "resolved"]
FollowUpOutcome = Literal["maintains", "concedes", "different_events", "revised", "unclear"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QuantityValue(_Strict):
    """A number from a claim with its normalised value."""

    text: str = Field(description="The words the participant used, e.g. 'ten past eleven'.")
    dimension: str = Field(description="duration, time_of_day, data_size, percent or count:NOUN.")
    base_value: float = Field(
        description="Seconds, minutes after midnight, bytes, or the plain number."
    )
    normalised: str = Field(description="The value in one notation, e.g. '23:10' or '90 s'.")
    approximate: bool
    ambiguous_clock: bool = Field(
        description="A clock time without am/pm that may be either half of the day."
    )


class Statement(_Strict):
    """One participant's claim, in their own words, with a link to the turn it came from."""

    participant: str = Field(description="Participant key, e.g. 'P1'.")
    session_id: str
    claim_id: str
    answer_seq: int = Field(description="Event number of the answer the claim came from.")
    question: str | None = Field(description="The question that answer replied to.")
    text: str
    kind: Literal["fact", "judgment", "assumption"]
    status: Literal["proposed", "confirmed", "corrected"]
    topic_id: str | None
    earlier_wordings: list[str] = Field(description="Wordings the participant corrected.")
    quantities: list[QuantityValue]


class Point(_Strict):
    """Claims of one or more participants that say the same thing, aligned by meaning."""

    id: str
    topic_id: str | None
    text: str = Field(description="The statement that best represents the point.")
    participants: list[str]
    coverage: Literal["all", "some", "one"] = Field(
        description="all: every participant stated it (two or more); some: more than one but "
        "not all; one: a single participant."
    )
    disputed: bool
    statements: list[Statement]


class StatementRef(_Strict):
    participant: str
    session_id: str
    claim_id: str
    answer_seq: int
    text: str


class Position(_Strict):
    """One side of a disagreement: the value or reading some participants gave."""

    value: str = Field(description="e.g. '23:10', 'affirms', 'denies', or an order.")
    participants: list[str]
    statements: list[StatementRef]


class FollowUp(_Strict):
    """A participant's second-round answer about one disagreement."""

    participant: str
    session_id: str
    answer_seq: int
    answer: str
    outcome: FollowUpOutcome
    signed: bool


class Disagreement(_Strict):
    id: str
    kind: DisagreementKind = Field(
        description="time: different clock times; number: different values for one quantity; "
        "polarity: one affirms what another denies; sequence: events in opposite order; "
        "account: different remedies named as the one that ended the impact."
    )
    topic_id: str | None
    points: list[str]
    detail: str
    participants: list[str]
    positions: list[Position]
    status: DisagreementStatus = Field(
        description="open: not followed up; confirmed: participants stood by their accounts; "
        "resolved: a participant agreed with the other account or they were different events."
    )
    resolution: str | None
    followups: list[FollowUp]


class TimelineReport(_Strict):
    participant: str
    at: str
    session_id: str
    claim_id: str
    answer_seq: int
    text: str


class TimelineEntry(_Strict):
    """One time-stamped point of the merged timeline."""

    at: str = Field(description="The time most reporters gave, as HH:MM.")
    point_id: str
    text: str
    approximate: bool
    ambiguous_clock: bool = Field(
        description="No reporter gave am or pm, and no other time settled it."
    )
    reported_by: list[TimelineReport]
    disagreements: list[str] = Field(description="Ids of time or order disagreements.")


class Participant(_Strict):
    key: str = Field(description="P1, P2, … in the order the sessions started.")
    label: str = Field(description="The participant's name when names are allowed.")
    session_id: str
    briefing_pk: int
    briefing_version: int
    status: str
    signed: bool
    signed_at: str | None
    statements: int
    withdrawn: int = Field(description="Claims the participant rejected; they are left out.")
    followup_session_id: str | None = Field(description="The second-round session, if any.")


class TopicRef(_Strict):
    id: str
    title: str


class BriefingScope(_Strict):
    id: str = Field(description="The briefing id (slug); every version of it is included.")
    title: str
    versions: list[int]
    pks: list[int]


class Synthesis(_Strict):
    """Who says what across the sessions of one briefing."""

    schema_version: Literal[1] = SYNTHESIS_SCHEMA_VERSION
    generated_at: str
    aligner: str = Field(description="Which aligner grouped the claims, e.g. 'offline'.")
    briefing: BriefingScope
    include_unsigned: bool
    names: bool
    participants: list[Participant]
    topics: list[TopicRef]
    points: list[Point]
    agreements: list[str] = Field(
        description="Ids of points two or more participants stated with no disagreement."
    )
    single: list[str] = Field(description="Ids of points only one participant made.")
    disagreements: list[Disagreement]
    timeline: list[TimelineEntry] | None = Field(
        description="The merged timeline; null when it was not requested."
    )
    notes: list[str] = Field(description="What was left out and why.")


def synthesis_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of :class:`Synthesis` as published in ``schemas/``."""
    schema = Synthesis.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    return schema


def schema_text() -> str:
    """Return the schema file's exact text."""
    return json.dumps(synthesis_json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    # Regenerate the published file: python -m elicitor.synthesis.model > FILE
    print(schema_text(), end="")
