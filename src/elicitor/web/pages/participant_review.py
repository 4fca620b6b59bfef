"""Participant pages: summary checkpoints and the final review as editable lists.

The page sends each changed row as a claim edit (correct, relabel or reject), so participants
never type reply commands. Then it sends the reply the checkpoint waits for: 'ok' at a
summary, 'back' to keep going at the review, or the sign-off.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.datastructures import FormData

from elicitor.errors import Conflict, InvalidInput
from elicitor.session.state import Prompt, SessionState
from elicitor.web.auth import check_form_token
from elicitor.web.context import Context, WebContext
from elicitor.web.pages.common import redirect
from elicitor.web.pages.participant import PageLink
from elicitor.web.participation import (
    PointEdit,
    apply_point_edits,
    check_expected_seq,
    submit_answer,
)

log = logging.getLogger(__name__)
router = APIRouter(prefix="/p/{token}")

CHECKPOINT_ACTIONS = ("confirm", "save", "back", "sign")


@router.post("/checkpoint")
async def checkpoint(
    token: str,
    request: Request,
    link: PageLink,
    context: Context,
) -> Response:
    form = await request.form()
    check_form_token(str(form.get("csrf_token", "")), link.form_token)
    if not link.session_id:
        return redirect(f"/p/{token}")
    action = str(form.get("action", ""))
    if action not in CHECKPOINT_ACTIONS:
        raise InvalidInput(f"action {action!r} is not valid; use {', '.join(CHECKPOINT_ACTIONS)}")
    try:
        target = await run_in_threadpool(_handle, context, token, link.session_id, form, action)
    except Conflict as exc:
        log.info("checkpoint on session %s not applied: %s", link.session_id, exc)
        target = f"/p/{token}/interview?notice=conflict"
    return redirect(target)


def _handle(context: WebContext, token: str, session_id: str, form: FormData, action: str) -> str:
    """Apply the checkpoint form and return where the browser goes next."""
    state = context.interviewer.load(session_id).state
    expected = str(form.get("expected_seq", ""))
    check_expected_seq(state, int(expected) if expected.isdigit() else None)
    prompt = state.pending
    if prompt is None or prompt.kind not in ("summary", "review"):
        return f"/p/{token}/interview"
    apply_point_edits(context, session_id, state, _edits(form, prompt, state))
    extra = str(form.get("extra", "")).strip()
    message_id = str(form.get("message_id", ""))[:100] or None
    interview = f"/p/{token}/interview"
    if prompt.kind == "summary":
        reply = f"ok\n{extra}" if extra else "ok"
        _reply(context, session_id, reply, message_id)
        return interview
    if extra:
        # New information at the review reopens the interview, so it is never signed unseen.
        _reply(context, session_id, extra, message_id)
        return f"{interview}?notice=added" if action == "sign" else interview
    if action == "back":
        _reply(context, session_id, "back", message_id)
        return interview
    if action != "sign":
        return f"{interview}?notice=claim"
    signer = str(form.get("signer", "")).strip()[:200] or state.participant
    if not signer:
        raise InvalidInput("type your name in 'Signed by' to sign off")
    context.interviewer.sign_off(session_id, signer=signer)
    return f"/p/{token}"


def _edits(form: FormData, prompt: Prompt, state: SessionState) -> list[PointEdit]:
    edits = []
    for point in prompt.points:
        number = point["n"]
        claim = state.claims.get(point["claim_id"])
        if claim is None:
            continue
        edits.append(
            PointEdit(
                claim_id=claim.id,
                text=str(form.get(f"point-{number}-text", claim.text)),
                kind=str(form.get(f"point-{number}-kind", claim.kind)),
                drop=form.get(f"point-{number}-drop") == "on",
            )
        )
    return edits


def _reply(context: WebContext, session_id: str, text: str, message_id: str | None) -> None:
    submit_answer(context, session_id, text, message_id=message_id, expected_seq=None)
