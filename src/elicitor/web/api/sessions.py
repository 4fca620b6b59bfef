"""Requester API: sessions, their claims, artifacts and traces."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from elicitor.artifact.model import Artifact
from elicitor.artifact.render import render
from elicitor.session.events import verify_chain
from elicitor.session.trace import describe_events
from elicitor.web.auth import require_api_key
from elicitor.web.context import Context
from elicitor.web.schemas import (
    ERROR_RESPONSES,
    ChainProblemPublic,
    ClaimList,
    PromptPublic,
    SessionDetail,
    SessionList,
    TraceEvent,
    TracePublic,
)
from elicitor.web.views import (
    claim_public,
    session_public,
    topic_progress,
    unknowns_public,
)

router = APIRouter(
    prefix="/sessions",
    tags=["sessions"],
    dependencies=[Depends(require_api_key)],
    responses=ERROR_RESPONSES,
)


@router.get("", response_model=SessionList)
def list_sessions(
    context: Context,
    briefing_pk: int | None = None,
    briefing_id: Annotated[str | None, Query(description="All versions of this briefing.")] = None,
    status: str | None = None,
) -> SessionList:
    briefings = {record.pk: record for record in context.store.list_briefings()}
    items = []
    for record in context.store.list_sessions(briefing_pk=briefing_pk):
        briefing = briefings[record.briefing_pk]
        if briefing_id is not None and briefing.slug != briefing_id:
            continue
        if status is not None and record.status != status:
            continue
        items.append(session_public(record, briefing))
    return SessionList(items=items)


@router.get("/{session_id}", response_model=SessionDetail)
def get_session(session_id: str, context: Context) -> SessionDetail:
    """Return the session as stored; reading it never runs a turn."""
    record = context.store.get_session(session_id)
    loaded = context.interviewer.load(session_id)
    state = loaded.state
    briefing = loaded.briefing
    return SessionDetail(
        **session_public(record, briefing).model_dump(),
        prompt=PromptPublic.of(state.pending) if state.pending else None,
        claims=[claim_public(claim) for claim in state.claims.values()],
        unknowns=unknowns_public(state),
        topics=topic_progress(state, briefing.briefing),
    )


@router.get("/{session_id}/claims", response_model=ClaimList)
def list_claims(session_id: str, context: Context) -> ClaimList:
    """List every claim, rejected ones included (see each claim's status)."""
    state = context.interviewer.load(session_id).state
    return ClaimList(items=[claim_public(claim) for claim in state.claims.values()])


@router.get(
    "/{session_id}/artifact",
    response_model=Artifact,
    responses={200: {"content": {"text/markdown": {}, "text/html": {}}}},
)
def get_artifact(
    session_id: str, context: Context, format: Literal["json", "md", "html"] = "json"
) -> Response:
    """Return the artifact; it is a draft until the participant signs it off."""
    artifact = context.interviewer.artifact(session_id)
    if format == "md":
        return PlainTextResponse(render(artifact, "md"), media_type="text/markdown")
    if format == "html":
        return HTMLResponse(render(artifact, "html"))
    return Response(artifact.model_dump_json(), media_type="application/json")


@router.get("/{session_id}/trace", response_model=TracePublic)
def get_trace(session_id: str, context: Context) -> TracePublic:
    """Return the event log with a hash-chain check and a readable rendering."""
    events = context.store.load_events(session_id)
    problems = verify_chain(events)
    return TracePublic(
        session_id=session_id,
        intact=not problems,
        problems=[ChainProblemPublic(seq=p.seq, reason=p.reason) for p in problems],
        lines=list(describe_events(events)),
        events=[TraceEvent(**event.to_dict()) for event in events],
    )
