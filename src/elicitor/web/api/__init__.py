"""The JSON API under /api/v1: one module per resource."""

from __future__ import annotations

from fastapi import APIRouter

from elicitor.web.api import briefings, links, participant, sessions

API_PREFIX = "/api/v1"


def build_api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX)
    router.include_router(briefings.router)
    router.include_router(links.router)
    router.include_router(sessions.router)
    router.include_router(participant.router)
    # --- synthesis (owned by the synthesis package) ---
    from elicitor.web.api import synthesis

    router.include_router(synthesis.router)
    # --- end of synthesis ---
    return router
