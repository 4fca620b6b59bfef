"""Server-rendered pages: the requester's login, briefings, links and sessions, and the
participant's invitation and interview pages."""

from __future__ import annotations

from fastapi import FastAPI

from elicitor.web.pages import (
    briefing_pages,
    login,
    participant,
    participant_review,
    session_pages,
)


def include_pages(app: FastAPI) -> None:
    for module in (login, briefing_pages, session_pages, participant, participant_review):
        app.include_router(module.router, include_in_schema=False)
    # --- synthesis (owned by the synthesis package) ---
    from elicitor.web.pages import synthesis_pages

    app.include_router(synthesis_pages.router, include_in_schema=False)
    # --- end of synthesis ---
