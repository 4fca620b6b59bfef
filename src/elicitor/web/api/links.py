"""Requester API: participant links (personal and intake), revocation and reissue."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from elicitor.store.web_store import Link
from elicitor.web.auth import require_api_key
from elicitor.web.context import Context, WebContext
from elicitor.web.participation import expiry_from_days, reissue_expiry
from elicitor.web.schemas import (
    ERROR_RESPONSES,
    LinkCreate,
    LinkCreated,
    LinkList,
    LinkPublic,
    LinkReissue,
)

router = APIRouter(
    prefix="/links",
    tags=["links"],
    dependencies=[Depends(require_api_key)],
    responses=ERROR_RESPONSES,
)


def link_public(link: Link) -> LinkPublic:
    return LinkPublic(
        id=link.id,
        kind=link.kind,
        label=link.label,
        briefing_pk=link.briefing_pk,
        session_id=link.session_id,
        parent_id=link.parent_id,
        status=link.status(),  # type: ignore[arg-type]
        created_at=link.created_at,
        expires_at=link.expires_at,
        revoked_at=link.revoked_at,
    )


def link_created(context: WebContext, request: Request, link: Link, token: str) -> LinkCreated:
    return LinkCreated(
        **link_public(link).model_dump(),
        token=token,
        url=f"{context.base_url(request)}/p/{token}",
    )


@router.post("", response_model=LinkCreated, status_code=201)
def create_link(body: LinkCreate, request: Request, context: Context) -> LinkCreated:
    """Create a link; the token and URL appear only in this response."""
    link, token = context.web_store.create_link(
        body.briefing_pk,
        kind=body.kind,
        label=body.label,
        expires_at=expiry_from_days(context, body.expires_in_days),
    )
    return link_created(context, request, link, token)


@router.get("", response_model=LinkList)
def list_links(context: Context, briefing_pk: int | None = None) -> LinkList:
    pks = [briefing_pk] if briefing_pk is not None else None
    return LinkList(
        items=[link_public(link) for link in context.web_store.list_links(briefing_pks=pks)]
    )


@router.get("/{link_id}", response_model=LinkPublic)
def get_link(link_id: str, context: Context) -> LinkPublic:
    return link_public(context.web_store.get_link(link_id))


@router.post("/{link_id}/revoke", response_model=LinkPublic)
def revoke_link(link_id: str, context: Context) -> LinkPublic:
    """Stop the link working at once; its session, if any, is kept."""
    return link_public(context.web_store.revoke_link(link_id))


@router.post("/{link_id}/reissue", response_model=LinkCreated, status_code=201)
def reissue_link(
    link_id: str, request: Request, context: Context, body: LinkReissue | None = None
) -> LinkCreated:
    """Revoke the link and return a new one that continues the same session."""
    days = body.expires_in_days if body else None
    link, token = context.web_store.reissue_link(
        link_id, expires_at=reissue_expiry(context, link_id, days)
    )
    return link_created(context, request, link, token)
