"""Participant actions through a link, shared by the JSON API and the pages.

The link token is the participant's only credential. An unknown, revoked or expired token
gets the same NotFound message, so a response never reveals which of the three it was.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from elicitor.errors import Conflict, Forbidden, InvalidInput, NotFound
from elicitor.session.service import Submitted, TextSink
from elicitor.session.state import CLAIM_KINDS, Prompt, SessionState
from elicitor.store.web_store import Link, format_time, hash_secret
from elicitor.web.context import WebContext

log = logging.getLogger(__name__)

LINK_NOT_FOUND = (
    "this link does not work: it is unknown, has expired or was revoked. Ask the person who "
    "sent it for a new link."
)
OTHER_SESSION = "this link belongs to another interview; open the link you were given for this one"
INTAKE_ONLY_STARTS = (
    "this is an intake link: it starts new interviews only; use the personal link returned "
    "when your interview started"
)


def open_link(context: WebContext, token: str) -> Link:
    """Return the usable link for ``token``, counting the request against its rate limit."""
    context.link_limiter.check(hash_secret(token))
    link = context.web_store.find_link(token)
    if link is None or not link.usable:
        raise NotFound(LINK_NOT_FOUND)
    return link


def owned_session(link: Link, session_id: str) -> str:
    """Return ``session_id`` when the link belongs to it; raise Forbidden otherwise."""
    if link.kind == "intake":
        raise Forbidden(INTAKE_ONLY_STARTS)
    if link.session_id != session_id:
        raise Forbidden(OTHER_SESSION)
    return session_id


def expiry_from_days(context: WebContext, days: int | None) -> str | None:
    """Return the expiry time for a new link: None uses the server default, 0 never expires."""
    chosen = context.settings.link_days if days is None else days
    if chosen <= 0:
        return None
    return format_time(datetime.now(UTC) + timedelta(days=chosen))


def reissue_expiry(context: WebContext, link_id: str, days: int | None) -> str | None:
    """Return the expiry time for a link's replacement.

    Without ``days``, a link that never expired gets a replacement that never expires,
    and any other link gets the server default.
    """
    if days is None and context.web_store.get_link(link_id).expires_at is None:
        return None
    return expiry_from_days(context, days)


def current_prompt(
    context: WebContext, session_id: str, *, on_text: TextSink | None = None
) -> Prompt:
    """Return the prompt now due, running a turn still owed.

    Two requests may both find the same turn owed. The store lets only one of them write
    it, so the other gets Conflict and then reads the prompt the winner stored.
    """
    try:
        return context.interviewer.current(session_id, on_text=on_text)
    except Conflict:
        log.info("session %s: a concurrent request wrote the turn; reading its prompt", session_id)
        return context.interviewer.current(session_id)


@dataclass(frozen=True)
class Started:
    link: Link
    token: str
    session_id: str
    prompt: Prompt
    new_token: bool


def start_session(context: WebContext, link: Link, token: str, participant: str = "") -> Started:
    """Start (or, for a personal link already used, continue) the link's interview.

    An intake link starts a new session per call and returns a new personal link for it,
    so the visitor can come back to that session later.
    """
    if link.kind == "intake":
        return _start_from_intake(context, link, participant)
    if link.session_id:
        prompt = current_prompt(context, link.session_id)
        return Started(link, token, link.session_id, prompt, new_token=False)
    briefing = context.store.get_briefing(link.briefing_pk)
    session_id, prompt = context.interviewer.start(
        briefing,
        # The link label is the requester's private note; the name comes from the person.
        participant=participant.strip(),
        engine=context.default_engine(briefing.briefing.engine),
        link_id=link.id,
    )
    if not context.web_store.attach_session(link.id, session_id):
        context.web_store.discard_unattached_session(session_id)
        link = context.web_store.get_link(link.id)
        assert link.session_id is not None
        prompt = current_prompt(context, link.session_id)
        return Started(link, token, link.session_id, prompt, new_token=False)
    return Started(replace(link, session_id=session_id), token, session_id, prompt, False)


def _start_from_intake(context: WebContext, link: Link, participant: str) -> Started:
    briefing = context.store.get_briefing(link.briefing_pk)
    name = participant.strip()
    session_id, prompt = context.interviewer.start(
        briefing,
        participant=name,
        engine=context.default_engine(briefing.briefing.engine),
        link_id=link.id,
    )
    personal, token = context.web_store.create_link(
        link.briefing_pk,
        kind="personal",
        label=name or "intake visitor",
        expires_at=expiry_from_days(context, None),
        session_id=session_id,
        parent_id=link.id,
    )
    log.info("intake link %s started session %s", link.id, session_id)
    return Started(personal, token, session_id, prompt, new_token=True)


def submit_answer(
    context: WebContext,
    session_id: str,
    text: str,
    *,
    message_id: str | None,
    expected_seq: int | None,
    run_turn: bool = True,
) -> tuple[Submitted, Prompt | None]:
    """Store the answer, then (optionally) run the turn.

    The answer is committed before the turn runs. When the turn fails, the failure is
    logged and None is returned in place of the prompt: the next read runs the turn again.
    """
    submitted = context.interviewer.submit_answer(
        session_id, text, message_id=message_id, expected_seq=expected_seq
    )
    if submitted.replay is not None:
        return submitted, submitted.replay
    if not run_turn:
        return submitted, None
    try:
        return submitted, current_prompt(context, session_id)
    except Exception:
        # Deliberately broad: the answer is stored, so any failure here is reported as
        # "no prompt yet" and the turn is retried on the next read.
        log.exception("turn after answer %s of session %s failed", submitted.answer_seq, session_id)
        return submitted, None


# -- summary checkpoints and the final review --------------------------------------------


@dataclass(frozen=True)
class PointEdit:
    """The participant's version of one row of a checkpoint list."""

    claim_id: str
    text: str
    kind: str
    drop: bool


def apply_point_edits(
    context: WebContext, session_id: str, state: SessionState, edits: list[PointEdit]
) -> int:
    """Apply drops, corrections and new labels as claim events; return how many were made."""
    changes = 0
    for edit in edits:
        claim = state.claims.get(edit.claim_id)
        if claim is None or not claim.active:
            continue
        if edit.drop:
            context.interviewer.edit_claim(session_id, edit.claim_id, "reject", "dropped at review")
            changes += 1
            continue
        text = normalize_newlines(edit.text).strip()
        if text and " ".join(text.split()) != " ".join(claim.text.split()):
            context.interviewer.edit_claim(session_id, edit.claim_id, "correct", text)
            changes += 1
        if edit.kind and edit.kind != claim.kind:
            if edit.kind not in CLAIM_KINDS:
                raise InvalidInput(
                    f"kind {edit.kind!r} is not valid; use fact, judgment or assumption"
                )
            context.interviewer.edit_claim(session_id, edit.claim_id, "relabel", edit.kind)
            changes += 1
    return changes


def normalize_newlines(text: str) -> str:
    """Return ``text`` with browser form line breaks (CRLF) turned into LF."""
    return text.replace("\r\n", "\n")


def check_expected_seq(state: SessionState, expected_seq: int | None) -> None:
    if expected_seq is not None and expected_seq != state.last_seq:
        raise Conflict(
            f"session {state.session_id} has moved on (event {state.last_seq}, the page showed "
            f"{expected_seq}); reload to see the current question"
        )
