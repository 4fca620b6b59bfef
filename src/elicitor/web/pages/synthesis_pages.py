"""Requester pages: a briefing's synthesis, and starting its second round."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from elicitor.synthesis.build import SynthesisOptions
from elicitor.synthesis.service import create_round2, synthesize_briefing
from elicitor.synthesis.view import KIND_WORDS, build_view
from elicitor.web.auth import Login, check_form_token
from elicitor.web.context import Context
from elicitor.web.pages.common import page
from elicitor.web.participation import expiry_from_days

log = logging.getLogger(__name__)
router = APIRouter()

TIMELINE_CHOICES = {"1": True, "0": False, "": None}


@router.get("/briefings/{pk}/synthesis")
def synthesis_page(
    pk: int,
    request: Request,
    login: Login,
    context: Context,
    names: str = "",
    unsigned: str = "",
    timeline: str = "",
) -> Response:
    """Show who says what across every version's sessions, the heat map and the timeline."""
    record = context.store.get_briefing(pk)
    options = SynthesisOptions(
        include_unsigned=unsigned == "1",
        names=names == "1",
        timeline=TIMELINE_CHOICES.get(timeline),
    )
    synthesis = synthesize_briefing(context.store, record.slug, options=options)
    values = {
        "login": login,
        "record": record,
        "view": build_view(synthesis),
        "turn_links": True,
        "disagreement_words": KIND_WORDS,
        "options": options,
        "open_count": sum(1 for d in synthesis.disagreements if d.status == "open"),
        "default_days": context.settings.link_days,
    }
    return page(context, request, "requester/synthesis.html", values)


@router.post("/briefings/{pk}/synthesis/round2")
def start_round2(
    pk: int,
    request: Request,
    login: Login,
    context: Context,
    csrf_token: Annotated[str, Form()] = "",
    names: Annotated[str, Form()] = "",
    unsigned: Annotated[str, Form()] = "",
) -> Response:
    """Create second-round links and show their addresses once."""
    check_form_token(csrf_token, login.csrf_token)
    record = context.store.get_briefing(pk)
    invites = create_round2(
        context.store,
        record.slug,
        names=names == "1",
        include_unsigned=unsigned == "1",
        expires_at=expiry_from_days(context, None),
        web_store=context.web_store,
    )
    base = context.base_url(request)
    rows = [
        {"invite": invite, "url": f"{base}/p/{invite.token}" if invite.token else ""}
        for invite in invites
    ]
    log.info("second round of briefing %s started from the web: %d links", record.slug, len(rows))
    values = {"login": login, "record": record, "rows": rows}
    return page(context, request, "requester/synthesis_round2.html", values)
