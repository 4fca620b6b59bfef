"""Participant API under /api/v1/p/{token}: the link token is the credential."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sse_starlette.sse import EventSourceResponse

from elicitor.artifact.model import Artifact
from elicitor.errors import InvalidInput
from elicitor.store.web_store import Link
from elicitor.web.context import Context, WebContext
from elicitor.web.participation import (
    current_prompt,
    open_link,
    owned_session,
    start_session,
    submit_answer,
)
from elicitor.web.schemas import (
    ERROR_RESPONSES,
    AnswerCreate,
    AnswerResult,
    ClaimEdit,
    ClaimPublic,
    ParticipantLink,
    ParticipantSession,
    PromptPublic,
    SessionStarted,
    SignOffRequest,
    StartRequest,
)
from elicitor.web.sse import turn_stream
from elicitor.web.views import claim_public, topic_progress, unknowns_public

router = APIRouter(prefix="/p/{token}", tags=["participant"], responses=ERROR_RESPONSES)


def link_of(token: str, context: Context) -> Link:
    """FastAPI dependency: the usable link for the path's token (404 otherwise)."""
    return open_link(context, token)


TokenLink = Annotated[Link, Depends(link_of)]


def session_of(session_id: str, link: TokenLink) -> str:
    """FastAPI dependency: the path's session id, when the link belongs to it (403 otherwise)."""
    return owned_session(link, session_id)


OwnedSession = Annotated[str, Depends(session_of)]


def _participant_session(context: WebContext, session_id: str) -> ParticipantSession:
    loaded = context.interviewer.load(session_id)
    state = loaded.state
    return ParticipantSession(
        session_id=session_id,
        status=state.status,
        prompt=PromptPublic.of(state.pending) if state.pending else None,
        claims=[claim_public(claim) for claim in state.active_claims()],
        unknowns=unknowns_public(state),
        topics=topic_progress(state, loaded.briefing.briefing),
    )


@router.get("", response_model=ParticipantLink)
def get_link(link: TokenLink, context: Context) -> ParticipantLink:
    """Describe the invitation: who asks, why, and whether the interview has started."""
    briefing = context.store.get_briefing(link.briefing_pk).briefing
    status = context.store.get_session(link.session_id).status if link.session_id else None
    return ParticipantLink(
        kind=link.kind, briefing=briefing.public_view(), session_id=link.session_id, status=status
    )


@router.post("/sessions", response_model=SessionStarted, status_code=201)
def start(
    token: str,
    request: Request,
    link: TokenLink,
    context: Context,
    body: StartRequest | None = None,
) -> SessionStarted:
    """Start the interview (a personal link already started returns its session).

    An intake link starts a new session each time and returns a new personal token for it.
    """
    started = start_session(context, link, token, body.participant if body else "")
    new_token = started.token if started.new_token else None
    url = f"{context.base_url(request)}/p/{new_token}" if new_token else None
    return SessionStarted(
        session_id=started.session_id,
        token=new_token,
        url=url,
        prompt=PromptPublic.of(started.prompt),
    )


@router.get("/sessions/{session_id}", response_model=ParticipantSession)
def get_session(session_id: OwnedSession, context: Context) -> ParticipantSession:
    return _participant_session(context, session_id)


@router.get("/sessions/{session_id}/question", response_model=PromptPublic)
def get_question(session_id: OwnedSession, context: Context) -> PromptPublic:
    """Return the prompt to answer now, running the turn first when one is owed."""
    return PromptPublic.of(current_prompt(context, session_id))


@router.get("/sessions/{session_id}/stream", response_class=EventSourceResponse)
def stream_question(session_id: OwnedSession, context: Context) -> EventSourceResponse:
    """Stream the next prompt as server-sent events: text pieces, then the prompt."""
    return turn_stream(context, session_id)


@router.post(
    "/sessions/{session_id}/answers",
    response_model=AnswerResult,
    responses={202: {"model": AnswerResult, "description": "Stored; no prompt yet"}},
)
def post_answer(
    body: AnswerCreate,
    response: Response,
    session_id: OwnedSession,
    context: Context,
) -> AnswerResult:
    """Store an answer, then run the turn and return the next prompt.

    The answer is committed before the turn runs; a retry with the same message_id
    returns the first result and stores nothing. 409 means expected_seq is stale.
    """
    submitted, prompt = submit_answer(
        context,
        session_id,
        body.text,
        message_id=body.message_id,
        expected_seq=body.expected_seq,
        run_turn=body.run_turn,
    )
    if prompt is None:
        response.status_code = 202
    return AnswerResult(
        answer_seq=submitted.answer_seq,
        duplicate=submitted.duplicate,
        prompt=PromptPublic.of(prompt) if prompt else None,
    )


@router.post("/sessions/{session_id}/claims/{claim_id}", response_model=ClaimPublic)
def edit_claim(
    claim_id: str,
    body: ClaimEdit,
    session_id: OwnedSession,
    context: Context,
) -> ClaimPublic:
    """Confirm, correct, relabel or reject one claim."""
    context.interviewer.edit_claim(session_id, claim_id, body.action, body.value)
    claim = context.interviewer.load(session_id).state.claims.get(claim_id)
    if claim is None:
        raise InvalidInput(f"claim {claim_id!r} does not exist in session {session_id}")
    return claim_public(claim)


@router.post("/sessions/{session_id}/pause", response_model=ParticipantSession)
def pause(session_id: OwnedSession, context: Context) -> ParticipantSession:
    """Pause; open the same link later to continue where you stopped."""
    context.interviewer.pause(session_id)
    return _participant_session(context, session_id)


@router.post("/sessions/{session_id}/resume", response_model=PromptPublic)
def resume(session_id: OwnedSession, context: Context) -> PromptPublic:
    """Resume a paused interview; the prompt carries a greeting saying where it stopped."""
    return PromptPublic.of(context.interviewer.resume(session_id))


@router.post("/sessions/{session_id}/sign-off", response_model=Artifact)
def sign_off(
    body: SignOffRequest,
    session_id: OwnedSession,
    context: Context,
) -> Artifact:
    """Sign the final review; 409 until the interview has reached it."""
    signer = body.signer.strip()
    if not signer:
        raise InvalidInput("signer is blank; send the name to record with the sign-off")
    context.interviewer.sign_off(session_id, signer=signer)
    return context.interviewer.artifact(session_id)


@router.get("/sessions/{session_id}/artifact", response_model=Artifact)
def get_artifact(session_id: OwnedSession, context: Context) -> Artifact:
    return context.interviewer.artifact(session_id)
