"""Participant pages: the invitation, the interview, claim edits, pause and resume.

Every form carries the link's form token (CSRF) and every answer form a fresh message id
and the event number the page showed, so a double submit stores one answer and a second
tab gets a conflict instead of a corrupted session.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import PlainTextResponse, Response

from elicitor.artifact.render import render
from elicitor.errors import Conflict, InvalidInput, TooLarge
from elicitor.session.state import Prompt
from elicitor.store.web_store import Link
from elicitor.web.auth import check_form_token
from elicitor.web.context import Context, WebContext
from elicitor.web.pages.common import page, redirect
from elicitor.web.participation import (
    current_prompt,
    normalize_newlines,
    open_link,
    start_session,
    submit_answer,
)
from elicitor.web.views import current_points, panel_topics, topic_progress, transcript

log = logging.getLogger(__name__)
router = APIRouter(prefix="/p/{token}")

SHORTCUT_ANSWERS = {"skip": "skip", "dont_know": "I don't know"}


def page_link(token: str, context: Context) -> Link:
    """FastAPI dependency: the usable link for the path's token (404 page otherwise)."""
    return open_link(context, token)


PageLink = Annotated[Link, Depends(page_link)]


@router.get("")
def welcome(
    token: str,
    request: Request,
    link: PageLink,
    context: Context,
) -> Response:
    """Show who is asking and why, or the state of an interview already started."""
    briefing = context.store.get_briefing(link.briefing_pk).briefing
    values: dict[str, Any] = {"token": token, "link": link, "briefing": briefing}
    if link.kind == "personal" and link.session_id:
        loaded = context.interviewer.load(link.session_id)
        state = loaded.state
        if state.status == "signed_off":
            artifact = context.interviewer.artifact(link.session_id)
            return page(context, request, "participant/done.html", values | {"artifact": artifact})
        if state.status != "paused":
            return redirect(f"/p/{token}/interview")
        progress = topic_progress(state, briefing)
        values |= {
            "mode": "paused",
            "answers": len(state.answers),
            "covered": [item.title for item in progress if item.status != "not_started"],
        }
        return page(context, request, "participant/welcome.html", values)
    return page(context, request, "participant/welcome.html", values | {"mode": "new"})


@router.post("/begin")
def begin(
    token: str,
    link: PageLink,
    context: Context,
    participant: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_form_token(csrf_token, link.form_token)
    started = start_session(context, link, token, participant[:200])
    suffix = "?new=1" if started.new_token else ""
    return redirect(f"/p/{started.token}/interview{suffix}")


@router.post("/resume")
def resume(
    token: str, link: PageLink, context: Context, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_form_token(csrf_token, link.form_token)
    if not link.session_id:
        return redirect(f"/p/{token}")
    context.interviewer.resume(link.session_id)
    return redirect(f"/p/{token}/interview?back=1")


@router.post("/pause")
def pause(
    token: str, link: PageLink, context: Context, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_form_token(csrf_token, link.form_token)
    if link.session_id:
        context.interviewer.pause(link.session_id)
    return redirect(f"/p/{token}?notice=paused")


# -- the interview page --------------------------------------------------------------------


@dataclass
class Draft:
    """An answer sent back to the page with the reason it was not stored."""

    text: str = ""
    error: str = ""


@router.get("/interview")
def interview(
    token: str,
    request: Request,
    link: PageLink,
    context: Context,
) -> Response:
    if not link.session_id:
        return redirect(f"/p/{token}")
    return interview_page(context, request, token, link)


def interview_page(
    context: WebContext,
    request: Request,
    token: str,
    link: Link,
    *,
    draft: Draft | None = None,
    status: int = 200,
) -> Response:
    """Render the interview, running a turn first when the last answer is still owed one."""
    assert link.session_id is not None
    session_id = link.session_id
    status_now = context.store.get_session(session_id).status
    if status_now in ("paused", "signed_off"):
        return redirect(f"/p/{token}")
    prompt: Prompt | None
    try:
        if request.query_params.get("back") == "1":
            prompt = context.interviewer.resume(session_id)
        else:
            prompt = current_prompt(context, session_id)
    except Exception:
        # Deliberately broad: the page still shows the stored answers, with a notice
        # that the next question failed; reloading runs the owed turn again.
        log.exception("turn for session %s failed while rendering the page", session_id)
        prompt = None
    values = _interview_values(context, request, token, link, prompt, draft or Draft())
    return page(context, request, "participant/interview.html", values, status_code=status)


def _interview_values(
    context: WebContext,
    request: Request,
    token: str,
    link: Link,
    prompt: Prompt | None,
    draft: Draft,
) -> dict[str, Any]:
    assert link.session_id is not None
    loaded = context.interviewer.load(link.session_id)
    state = loaded.state
    briefing = loaded.briefing.briefing
    progress = topic_progress(state, briefing)
    required = [item for item in progress if item.required]
    points = current_points(state, prompt.points) if prompt else []
    base = context.base_url(request)
    return {
        "token": token,
        "link": link,
        "briefing": briefing,
        "state": state,
        "prompt": prompt,
        "points": points,
        "question_number": state.question_count(),
        "topics": panel_topics(state, briefing),
        "progress": progress,
        "required_total": len(required),
        "required_covered": sum(1 for item in required if item.status == "covered"),
        "transcript": transcript(state),
        "expected_seq": state.last_seq,
        "message_id": uuid.uuid4().hex,
        "csrf_token": link.form_token,
        "api_base": f"/api/v1/p/{token}/sessions/{link.session_id}",
        "draft": draft,
        "own_link": f"{base}/p/{token}" if link.parent_id else "",
        "own_link_new": request.query_params.get("new") == "1",
        "signer": state.participant,
        "turn_failed": prompt is None,
    }


@router.post("/answer")
def answer(
    token: str,
    request: Request,
    link: PageLink,
    context: Context,
    text: Annotated[str, Form()] = "",
    shortcut: Annotated[str, Form()] = "",
    message_id: Annotated[str, Form()] = "",
    expected_seq: Annotated[int | None, Form()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Store the answer (the typed text, or a skip / don't-know shortcut), then show the
    next question."""
    check_form_token(csrf_token, link.form_token)
    if not link.session_id:
        return redirect(f"/p/{token}")
    reply = SHORTCUT_ANSWERS.get(shortcut, normalize_newlines(text))
    try:
        _submitted, prompt = submit_answer(
            context,
            link.session_id,
            reply,
            message_id=message_id[:100] or None,
            expected_seq=expected_seq,
        )
    except Conflict as exc:
        log.info("answer on session %s not stored: %s", link.session_id, exc)
        return redirect(f"/p/{token}/interview?notice=conflict")
    except (InvalidInput, TooLarge) as exc:
        log.info("answer on session %s rejected: %s", link.session_id, exc.code)
        draft = Draft(text=text, error=str(exc))
        return interview_page(context, request, token, link, draft=draft, status=exc.status_code)
    notice = "" if prompt is not None else "?notice=turn_failed"
    return redirect(f"/p/{token}/interview{notice}")


@router.post("/claims/{claim_id}")
def edit_claim(
    token: str,
    claim_id: str,
    link: PageLink,
    context: Context,
    action: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Apply confirm, correct, relabel or reject from the side panel."""
    check_form_token(csrf_token, link.form_token)
    if not link.session_id:
        return redirect(f"/p/{token}")
    try:
        context.interviewer.edit_claim(
            link.session_id, claim_id, action, normalize_newlines(value)[:2000]
        )
    except Conflict as exc:
        log.info("claim %s of session %s not changed: %s", claim_id, link.session_id, exc)
        return redirect(f"/p/{token}/interview?notice=conflict")
    return redirect(f"/p/{token}/interview?notice=claim#claim-{claim_id}")


@router.get("/artifact.md")
def participant_artifact(
    token: str,
    link: PageLink,
    context: Context,
) -> Response:
    """Download your own artifact as Markdown."""
    if not link.session_id:
        return redirect(f"/p/{token}")
    text = render(context.interviewer.artifact(link.session_id), "md")
    return PlainTextResponse(
        text,
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="interview.md"'},
    )
