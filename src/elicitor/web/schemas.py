"""Request and response bodies of the JSON API, one group per resource."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from elicitor.session.state import Prompt

MESSAGE_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,100}$"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- errors --------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. 'not_found'.")
    message: str = Field(description="What failed, on which value, and what to do next.")
    details: Any = Field(default=None, description="Field errors as [{field, problem}].")


class ErrorResponse(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in (
        (401, "Missing or invalid credentials"),
        (403, "Not allowed"),
        (404, "Not found"),
        (409, "Conflict with the current state"),
        (413, "Too large"),
        (422, "Invalid input"),
        (429, "Rate limited; see Retry-After"),
    )
}


# -- briefings -----------------------------------------------------------------------------


class BriefingCreate(_Body):
    """Exactly one source: a built-in template name, YAML text, or a briefing object."""

    template: str | None = Field(default=None, description="Built-in template, e.g. bug-triage.")
    yaml: str | None = Field(default=None, description="A briefing as YAML (or JSON) text.")
    briefing: dict[str, Any] | None = Field(
        default=None, description="A briefing object (see /api/v1/briefings/schema)."
    )

    @model_validator(mode="after")
    def _one_source(self) -> BriefingCreate:
        sources = [name for name in ("template", "yaml", "briefing") if getattr(self, name)]
        if len(sources) != 1:
            raise ValueError(
                "give exactly one of template, yaml or briefing "
                f"(got {', '.join(sources) if sources else 'none'})"
            )
        return self


class BriefingUpdate(_Body):
    """The edited briefing; its id must stay the same. Stored as a new version."""

    yaml: str | None = None
    briefing: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> BriefingUpdate:
        if (self.yaml is None) == (self.briefing is None):
            raise ValueError("give exactly one of yaml or briefing")
        return self


class BriefingSummary(BaseModel):
    pk: int = Field(description="Identifies this version; links and sessions point to it.")
    id: str = Field(description="The briefing's slug, shared by all its versions.")
    version: int
    title: str
    content_hash: str
    created_at: str


class BriefingPublic(BriefingSummary):
    briefing: dict[str, Any] = Field(description="The full briefing, private notes included.")
    versions: list[BriefingSummary] = Field(description="Every version with this id, oldest first.")


class BriefingList(BaseModel):
    items: list[BriefingSummary]


# -- links ---------------------------------------------------------------------------------


class LinkCreate(_Body):
    briefing_pk: int = Field(description="The briefing version the link invites to.")
    kind: Literal["personal", "intake"] = Field(
        default="personal",
        description="personal: one participant, one session. intake: a new session per visitor.",
    )
    label: str = Field(default="", max_length=200, description="Who the link is for.")
    expires_in_days: int | None = Field(
        default=None,
        ge=0,
        le=3650,
        description="Days until the link stops working; 0 never expires; empty uses the "
        "server default (ELICITOR_LINK_DAYS).",
    )


class LinkReissue(_Body):
    expires_in_days: int | None = Field(default=None, ge=0, le=3650)


class LinkPublic(BaseModel):
    id: str
    kind: str
    label: str
    briefing_pk: int
    session_id: str | None
    parent_id: str | None = Field(description="The intake link a visitor's link came from.")
    status: Literal["active", "revoked", "expired"]
    created_at: str
    expires_at: str | None
    revoked_at: str | None


class LinkCreated(LinkPublic):
    token: str = Field(description="The link's secret. It is shown only in this response.")
    url: str = Field(description="The address to send to the participant.")


class LinkList(BaseModel):
    items: list[LinkPublic]


# -- sessions, prompts and claims ----------------------------------------------------------


class PointPublic(BaseModel):
    n: int
    claim_id: str
    text: str
    kind: str
    topic_id: str | None
    topic: str


class PromptPublic(BaseModel):
    kind: Literal["question", "summary", "review", "done"]
    text: str
    seq: int = Field(description="Event number of the prompt.")
    move: str = Field(description="The interviewer's move, e.g. probe or open_topic.")
    reason: str = Field(description="Why the interviewer asked this.")
    topic_id: str | None
    points: list[PointPublic]
    greeting: str
    notice: str

    @classmethod
    def of(cls, prompt: Prompt) -> PromptPublic:
        return cls.model_validate(prompt.to_dict())


class ClaimPublic(BaseModel):
    id: str
    text: str
    kind: str
    kind_source: str
    status: str
    topic_id: str | None
    answer_seq: int


class UnknownPublic(BaseModel):
    topic_id: str | None
    question: str
    reason: str


class TopicProgress(BaseModel):
    id: str
    title: str
    required: bool
    status: Literal["covered", "started", "not_started"]
    claims: int
    unknowns: int


class SessionPublic(BaseModel):
    id: str
    briefing_pk: int
    briefing_id: str
    briefing_version: int
    participant: str
    status: str
    link_id: str | None
    created_at: str
    updated_at: str
    last_seq: int


class SessionList(BaseModel):
    items: list[SessionPublic]


class SessionDetail(SessionPublic):
    prompt: PromptPublic | None = Field(description="The prompt waiting for an answer, if any.")
    claims: list[ClaimPublic]
    unknowns: list[UnknownPublic]
    topics: list[TopicProgress]


class ClaimEdit(_Body):
    action: Literal["confirm", "correct", "relabel", "reject"]
    value: str = Field(
        default="",
        max_length=2000,
        description="correct: the new text. relabel: fact, judgment or assumption. "
        "reject: an optional reason.",
    )


class ClaimList(BaseModel):
    items: list[ClaimPublic]


# -- participant side ----------------------------------------------------------------------


class ParticipantLink(BaseModel):
    kind: str
    briefing: dict[str, Any] = Field(description="What the participant may see of the briefing.")
    session_id: str | None
    status: str | None


class StartRequest(_Body):
    participant: str = Field(
        default="", max_length=200, description="Name recorded with the session (intake links)."
    )


class SessionStarted(BaseModel):
    session_id: str
    token: str | None = Field(
        description="For intake links: the visitor's own link token, to come back later."
    )
    url: str | None
    prompt: PromptPublic


class ParticipantSession(BaseModel):
    session_id: str
    status: str
    prompt: PromptPublic | None
    claims: list[ClaimPublic]
    unknowns: list[UnknownPublic]
    topics: list[TopicProgress]


class AnswerCreate(_Body):
    text: str = Field(description="The answer, or 'skip' / 'I don't know'.")
    message_id: str | None = Field(
        default=None,
        pattern=MESSAGE_ID_PATTERN,
        description="Client-chosen id; a retry with the same id stores nothing new.",
    )
    expected_seq: int | None = Field(
        default=None,
        ge=0,
        description="The session's last event number as the client saw it; a stale value gets 409.",
    )
    run_turn: bool = Field(
        default=True,
        description="false: only store the answer; fetch the next question with GET "
        ".../question or the stream.",
    )


class AnswerResult(BaseModel):
    answer_seq: int
    duplicate: bool = Field(description="True when this message id was already stored.")
    prompt: PromptPublic | None = Field(
        description="The next prompt; null when run_turn was false or the turn failed "
        "(the answer is stored either way)."
    )


class SignOffRequest(_Body):
    signer: str = Field(min_length=1, max_length=200, description="Name recorded as signer.")


# -- traces --------------------------------------------------------------------------------


class TraceEvent(BaseModel):
    seq: int
    type: str
    created_at: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


class ChainProblemPublic(BaseModel):
    seq: int
    reason: str


class TracePublic(BaseModel):
    session_id: str
    intact: bool = Field(description="True when every event matches the hash chain.")
    problems: list[ChainProblemPublic]
    lines: list[str] = Field(description="The trace as readable lines.")
    events: list[TraceEvent]
