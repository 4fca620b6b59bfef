"""Requester API: the synthesis of a briefing's sessions and its second round.

``{identifier}`` is a briefing id (slug) or a briefing pk; either way every version of
that briefing id is synthesised.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from elicitor.synthesis.build import SynthesisOptions
from elicitor.synthesis.model import Synthesis
from elicitor.synthesis.service import Invite, create_round2, synthesize_briefing
from elicitor.web.auth import require_api_key
from elicitor.web.context import Context, WebContext
from elicitor.web.participation import expiry_from_days
from elicitor.web.schemas import ERROR_RESPONSES

router = APIRouter(
    prefix="/briefings",
    tags=["synthesis"],
    dependencies=[Depends(require_api_key)],
    responses=ERROR_RESPONSES,
)


class Round2Create(BaseModel):
    model_config = ConfigDict(extra="forbid")

    names: bool = Field(
        default=False,
        description="Name the other participants in the questions instead of 'another "
        "participant'.",
    )
    include_unsigned: bool = Field(default=False, description="Also use unsigned sessions.")
    expires_in_days: int | None = Field(
        default=None,
        ge=0,
        le=3650,
        description="Days until the links stop working; 0 never; empty uses the server default.",
    )


class Round2Link(BaseModel):
    participant: str = Field(description="Participant key in the synthesis, e.g. 'P2'.")
    label: str
    source_session_id: str
    questions: int
    status: str = Field(description="created, or existing when a usable link was kept.")
    briefing_pk: int
    briefing_version: int
    link_id: str
    token: str | None = Field(description="Shown only when the link was just created.")
    url: str | None
    replaced_links: int = Field(
        default=0,
        description="Earlier second-round links of this participant revoked because their "
        "questions no longer match the open disagreements.",
    )


class Round2Result(BaseModel):
    items: list[Round2Link]


@router.get("/{identifier}/synthesis", response_model=Synthesis)
def get_synthesis(
    identifier: str,
    context: Context,
    include_unsigned: Annotated[
        bool, Query(description="Also read unsigned sessions; they are marked.")
    ] = False,
    names: Annotated[bool, Query(description="Show participants' names.")] = False,
    timeline: Annotated[
        bool | None, Query(description="Add the merged timeline; default: incident briefings.")
    ] = None,
) -> Synthesis:
    """Align the claims of the briefing's sessions: who says what, and where they disagree."""
    options = SynthesisOptions(include_unsigned=include_unsigned, names=names, timeline=timeline)
    return synthesize_briefing(context.store, identifier, options=options)


@router.post("/{identifier}/synthesis/round2", response_model=Round2Result, status_code=201)
def start_round2(
    identifier: str, body: Round2Create, request: Request, context: Context
) -> Round2Result:
    """Create a second-round link for each participant with open disagreements.

    The tokens and addresses appear only in this response.
    """
    invites = create_round2(
        context.store,
        identifier,
        names=body.names,
        include_unsigned=body.include_unsigned,
        expires_at=expiry_from_days(context, body.expires_in_days),
        web_store=context.web_store,
    )
    return Round2Result(items=[round2_link(context, request, invite) for invite in invites])


def round2_link(context: WebContext, request: Request, invite: Invite) -> Round2Link:
    url = f"{context.base_url(request)}/p/{invite.token}" if invite.token else None
    return Round2Link(
        participant=invite.participant,
        label=invite.label,
        source_session_id=invite.source_session_id,
        questions=invite.questions,
        status=invite.status,
        briefing_pk=invite.briefing_pk,
        briefing_version=invite.briefing_version,
        link_id=invite.link_id,
        token=invite.token,
        url=url,
        replaced_links=invite.replaced_links,
    )
