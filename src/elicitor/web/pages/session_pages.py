"""Requester pages: one session with its artifact, trace timeline and exports."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from elicitor.artifact.render import render
from elicitor.session.events import verify_chain
from elicitor.web.auth import Login
from elicitor.web.context import Context
from elicitor.web.pages.common import page
from elicitor.web.views import timeline, topic_progress

router = APIRouter()

EXPORT_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "html": "text/html; charset=utf-8",
}


@router.get("/sessions/{session_id}")
def session_detail(
    session_id: str,
    request: Request,
    login: Login,
    context: Context,
) -> Response:
    """Show status, the artifact (a draft until signed off) and the trace as a timeline."""
    record = context.store.get_session(session_id)
    events = context.store.load_events(session_id)
    loaded = context.interviewer.load(session_id)
    briefing = loaded.briefing
    values = {
        "login": login,
        "session": record,
        "record": briefing,
        "state": loaded.state,
        "artifact": context.interviewer.artifact(session_id),
        "topics": topic_progress(loaded.state, briefing.briefing),
        "timeline": timeline(events, briefing.briefing),
        "problems": verify_chain(events),
        "event_count": len(events),
        "links": context.web_store.links_for_session(session_id),
    }
    return page(context, request, "requester/session.html", values)


@router.get("/sessions/{session_id}/artifact.{fmt}")
def export_artifact(
    session_id: str,
    fmt: Literal["md", "json", "html"],
    login: Login,
    context: Context,
) -> Response:
    """Download the artifact as Markdown, JSON or a standalone HTML page."""
    text = render(context.interviewer.artifact(session_id), fmt)
    filename = f"{session_id}.{fmt}"
    return Response(
        text,
        media_type=EXPORT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
