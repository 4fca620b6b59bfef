"""Small helpers shared by the page modules."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from elicitor.web.context import WebContext

NOTICES = {
    "created": "Briefing created.",
    "saved": "Saved as a new version. Existing links and sessions keep the version they had.",
    "unchanged": "Nothing changed, so no new version was stored.",
    "revoked": "Link revoked. It stopped working at once.",
    "claim": "Your change was saved.",
    "conflict": "The interview changed in another window, so this page was reloaded. "
    "Check the question and send your answer again.",
    "paused": "Paused. You can close this page and open the same link later to continue.",
    "turn_failed": "Your answer is saved, but the next question could not be prepared. "
    "Reload the page to try again.",
    "added": "We added what you wrote. Review the list again and sign when it is right.",
}


def page(
    context: WebContext,
    request: Request,
    name: str,
    values: dict[str, Any],
    *,
    status_code: int = 200,
) -> Response:
    notice_key = request.query_params.get("notice", "")
    values = {"notice": NOTICES.get(notice_key, ""), **values}
    return context.templates.TemplateResponse(request, name, values, status_code=status_code)


def redirect(url: str) -> RedirectResponse:
    """Redirect after a form POST (303, so the browser follows with GET)."""
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None) -> str:
    """Return ``target`` when it is a path on this site, else the dashboard."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/dashboard"
