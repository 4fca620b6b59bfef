"""Artifact schema (versioned). ``schemas/artifact.v1.json`` is generated from these models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ARTIFACT_SCHEMA_VERSION = 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QuantityOut(_Strict):
    text: str
    value: float
    unit: str
    dimension: str
    base_value: float
    approximate: bool
    expected: bool = Field(
        default=False, description="A projected value, e.g. after 'expected to grow five-fold'."
    )


class ClaimSource(_Strict):
    answer_seq: int
    question_seq: int | None
    question: str | None


class ClaimOut(_Strict):
    id: str
    text: str
    kind: Literal["fact", "judgment", "assumption"]
    kind_source: Literal["analyst", "participant"]
    status: Literal["proposed", "confirmed", "corrected"]
    is_example: bool
    quantities: list[QuantityOut]
    source: ClaimSource
    corrections: list[str] = Field(description="Earlier wordings, oldest first.")


class UnknownOut(_Strict):
    question: str
    reason: Literal["dont_know", "skip", "refused", "unclear", "nothing_more"]
    question_seq: int


class TopicOut(_Strict):
    id: str
    title: str
    required: bool
    covered: bool
    claims: list[ClaimOut]
    unknowns: list[UnknownOut]


class ContradictionOut(_Strict):
    id: str
    claim_a: str
    claim_b: str
    kind: str
    detail: str
    status: Literal["open", "raised", "resolved"]
    resolution: str | None


class SignOff(_Strict):
    signer: str
    at: str
    content_hash: str


class BriefingRef(_Strict):
    id: str
    version: int
    title: str
    content_hash: str


class Artifact(_Strict):
    """The result of one session, as the participant reviewed it."""

    schema_version: Literal[1] = ARTIFACT_SCHEMA_VERSION
    session_id: str
    participant: str
    briefing: BriefingRef
    topics: list[TopicOut]
    other_claims: list[ClaimOut] = Field(description="Claims that fit no briefing topic.")
    other_unknowns: list[UnknownOut] = Field(
        default_factory=list, description="Unanswered questions that belong to no topic."
    )
    rejected_claims: list[str] = Field(description="Ids of claims the participant rejected.")
    contradictions: list[ContradictionOut]
    questions_asked: int
    sign_off: SignOff | None
