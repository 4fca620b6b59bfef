"""Requester API: briefings and their versions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse

from elicitor.briefing.loader import briefing_json_schema, load_template, template_names
from elicitor.web.auth import require_api_key
from elicitor.web.briefings import (
    briefing_from,
    briefing_public,
    briefing_summary,
    briefing_yaml,
    save_version,
)
from elicitor.web.context import Context
from elicitor.web.schemas import (
    ERROR_RESPONSES,
    BriefingCreate,
    BriefingList,
    BriefingPublic,
    BriefingUpdate,
)

router = APIRouter(
    prefix="/briefings",
    tags=["briefings"],
    dependencies=[Depends(require_api_key)],
    responses=ERROR_RESPONSES,
)


@router.get("/templates")
def list_templates() -> dict[str, list[dict[str, Any]]]:
    """List the built-in templates a briefing can start from."""
    items = []
    for name in template_names():
        briefing = load_template(name)
        items.append({"name": name, "title": briefing.title, "topics": len(briefing.topics)})
    return {"items": items}


@router.get("/schema")
def get_schema() -> dict[str, Any]:
    """Return the briefing JSON Schema that YAML files and API bodies are checked against."""
    return briefing_json_schema()


@router.get("", response_model=BriefingList)
def list_briefings(context: Context) -> BriefingList:
    """List every briefing version, grouped by id and ordered by version."""
    return BriefingList(items=[briefing_summary(r) for r in context.store.list_briefings()])


@router.post("", response_model=BriefingPublic, status_code=201)
def create_briefing(body: BriefingCreate, context: Context) -> BriefingPublic:
    """Create a briefing from a template, YAML text or a briefing object.

    Content identical to a stored version returns that version instead of a copy.
    """
    briefing = briefing_from(template=body.template, yaml_text=body.yaml, data=body.briefing)
    record = context.store.save_briefing(briefing)
    return briefing_public(context.store, record)


@router.get("/{pk}", response_model=BriefingPublic)
def get_briefing(pk: int, context: Context) -> BriefingPublic:
    return briefing_public(context.store, context.store.get_briefing(pk))


@router.put("/{pk}", response_model=BriefingPublic)
def update_briefing(pk: int, body: BriefingUpdate, context: Context) -> BriefingPublic:
    """Store an edited briefing as a new version; links and sessions keep their version."""
    current = context.store.get_briefing(pk)
    edited = briefing_from(yaml_text=body.yaml, data=body.briefing)
    return briefing_public(context.store, save_version(context.store, current, edited))


@router.get("/{pk}/yaml", response_class=PlainTextResponse)
def get_briefing_yaml(pk: int, context: Context) -> str:
    return briefing_yaml(context.store.get_briefing(pk).briefing)
