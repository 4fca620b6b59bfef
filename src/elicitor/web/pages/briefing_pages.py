"""Requester pages: the dashboard, briefings (create, view, edit) and their links."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response
from starlette.datastructures import FormData, UploadFile

from elicitor.briefing.loader import MAX_BRIEFING_BYTES, load_template, template_names
from elicitor.errors import BriefingInvalid, InvalidInput, TooLarge
from elicitor.store.store import BriefingRecord
from elicitor.web.auth import Login, RequesterLogin, check_form_token
from elicitor.web.briefings import (
    briefing_from,
    briefing_yaml,
    latest_versions,
    save_version,
)
from elicitor.web.context import Context, WebContext
from elicitor.web.pages.briefing_form import BriefingForm
from elicitor.web.pages.common import page, redirect
from elicitor.web.participation import expiry_from_days, reissue_expiry

log = logging.getLogger(__name__)
router = APIRouter()


@router.get("/dashboard")
def dashboard(
    request: Request,
    login: Login,
    context: Context,
) -> Response:
    """List each briefing's newest version with its sessions counted by status."""
    store = context.store
    slugs = {record.pk: record.slug for record in store.list_briefings()}
    counts: dict[str, Counter[str]] = {}
    for session in store.list_sessions():
        counts.setdefault(slugs[session.briefing_pk], Counter())[session.status] += 1
    for link in context.web_store.list_links():
        if link.kind == "personal" and link.session_id is None and link.usable:
            counts.setdefault(slugs[link.briefing_pk], Counter())["invited"] += 1
    rows = [
        {"record": record, "counts": counts.get(record.slug, Counter())}
        for record in latest_versions(store)
    ]
    return page(context, request, "requester/dashboard.html", {"rows": rows, "login": login})


# -- creating briefings --------------------------------------------------------------------


def _new_page(
    context: WebContext,
    request: Request,
    login: RequesterLogin,
    *,
    form: BriefingForm | None = None,
    yaml_errors: list[dict[str, str]] | None = None,
    yaml_text: str = "",
    status: int = 200,
) -> Response:
    templates = [(name, load_template(name).title) for name in template_names()]
    values = {
        "login": login,
        "templates": templates,
        "form": form or BriefingForm.from_briefing(None),
        "yaml_errors": yaml_errors or [],
        "yaml_text": yaml_text,
        "max_kb": MAX_BRIEFING_BYTES // 1024,
    }
    return page(context, request, "requester/briefing_new.html", values, status_code=status)


@router.get("/briefings/new")
def new_briefing(
    request: Request,
    login: Login,
    context: Context,
) -> Response:
    return _new_page(context, request, login)


@router.post("/briefings/new")
async def create_briefing(
    request: Request,
    login: Login,
    context: Context,
) -> Response:
    """Create from a template, from YAML (uploaded or pasted) or from the form."""
    form = await request.form()
    check_form_token(str(form.get("csrf_token", "")), login.csrf_token)
    source = str(form.get("source", ""))
    if source == "template":
        briefing = briefing_from(template=str(form.get("template", "")))
        record = await run_in_threadpool(context.store.save_briefing, briefing)
        return redirect(f"/briefings/{record.pk}?notice=created")
    if source == "yaml":
        text = await _yaml_from(form)
        try:
            briefing = briefing_from(yaml_text=text)
        except BriefingInvalid as exc:
            log.info("briefing YAML rejected with %d field errors", len(exc.errors))
            problems = exc.errors or [{"field": "(file)", "problem": str(exc)}]
            return _new_page(
                context, request, login, yaml_errors=problems, yaml_text=text, status=422
            )
        record = await run_in_threadpool(context.store.save_briefing, briefing)
        return redirect(f"/briefings/{record.pk}?notice=created")
    if source == "form":
        return await _create_from_form(context, request, login, form)
    raise InvalidInput(f"source {source!r} is not valid; use template, yaml or form")


async def _create_from_form(
    context: WebContext, request: Request, login: RequesterLogin, form: FormData
) -> Response:
    briefing_form = BriefingForm.from_form(form)
    data, kept_rows = briefing_form.to_data()
    try:
        briefing = briefing_from(data=data)
    except BriefingInvalid as exc:
        log.info("briefing form rejected with %d field errors", len(exc.errors))
        briefing_form.add_errors(exc, kept_rows)
        return _new_page(context, request, login, form=briefing_form, status=422)
    record = await run_in_threadpool(context.store.save_briefing, briefing)
    return redirect(f"/briefings/{record.pk}?notice=created")


async def _yaml_from(form: FormData) -> str:
    """Return the uploaded file's text, else the pasted text; enforce the size limit."""
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(MAX_BRIEFING_BYTES + 1)
        if len(raw) > MAX_BRIEFING_BYTES:
            raise TooLarge(
                f"the file {upload.filename!r} is larger than the {MAX_BRIEFING_BYTES // 1024} KB "
                "limit for briefings; shorten it"
            )
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"the file {upload.filename!r} is not UTF-8 text; save it as UTF-8 YAML"
            ) from exc
    return str(form.get("yaml", ""))


# -- one briefing ------------------------------------------------------------------------


@router.get("/briefings/{pk}")
def briefing_detail(
    pk: int,
    request: Request,
    login: Login,
    context: Context,
) -> Response:
    return page(
        context, request, "requester/briefing.html", _detail_values(context, pk) | {"login": login}
    )


def _detail_values(context: WebContext, pk: int) -> dict[str, Any]:
    """Collect the briefing, its versions, links and sessions (across all versions)."""
    store = context.store
    record = store.get_briefing(pk)
    versions = [other for other in store.list_briefings() if other.slug == record.slug]
    version_of = {other.pk: other.version for other in versions}
    sessions = [
        session for other in versions for session in store.list_sessions(briefing_pk=other.pk)
    ]
    sessions.sort(key=lambda session: session.updated_at, reverse=True)
    links = context.web_store.list_links(briefing_pks=list(version_of))
    statuses = {session.id: session.status for session in sessions}
    labels = {link.session_id: link.label for link in links if link.session_id and link.label}
    return {
        "session_labels": labels,
        "record": record,
        "briefing": record.briefing,
        "versions": versions,
        "version_of": version_of,
        "sessions": sessions,
        "links": [link for link in links if link.parent_id is None],
        "link_statuses": {
            link.id: statuses.get(link.session_id or "", "invited") for link in links
        },
        "default_days": context.settings.link_days,
    }


@router.get("/briefings/{pk}/briefing.yaml")
def download_yaml(
    pk: int,
    login: Login,
    context: Context,
) -> Response:
    record = context.store.get_briefing(pk)
    filename = f"{record.slug}-v{record.version}.yaml"
    return PlainTextResponse(
        briefing_yaml(record.briefing),
        media_type="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/briefings/{pk}/edit")
def edit_briefing(
    pk: int,
    request: Request,
    login: Login,
    context: Context,
) -> Response:
    record = context.store.get_briefing(pk)
    return _edit_page(context, request, login, record, BriefingForm.from_briefing(record.briefing))


def _edit_page(
    context: WebContext,
    request: Request,
    login: RequesterLogin,
    record: BriefingRecord,
    form: BriefingForm,
    *,
    yaml_text: str | None = None,
    yaml_errors: list[dict[str, str]] | None = None,
    status: int = 200,
) -> Response:
    values = {
        "login": login,
        "record": record,
        "form": form,
        "yaml_text": briefing_yaml(record.briefing) if yaml_text is None else yaml_text,
        "yaml_errors": yaml_errors or [],
        "max_kb": MAX_BRIEFING_BYTES // 1024,
    }
    return page(context, request, "requester/briefing_edit.html", values, status_code=status)


@router.post("/briefings/{pk}/edit")
async def save_briefing(
    pk: int,
    request: Request,
    login: Login,
    context: Context,
) -> Response:
    """Store the edit as a new version (identical content stores nothing)."""
    form = await request.form()
    check_form_token(str(form.get("csrf_token", "")), login.csrf_token)
    record = await run_in_threadpool(context.store.get_briefing, pk)
    briefing_form = BriefingForm.from_briefing(record.briefing)
    yaml_text: str | None = None
    try:
        if form.get("source") == "yaml":
            yaml_text = await _yaml_from(form)
            edited = briefing_from(yaml_text=yaml_text)
        else:
            briefing_form = BriefingForm.from_form(form)
            data, kept_rows = briefing_form.to_data()
            try:
                edited = briefing_from(data=data)
            except BriefingInvalid as exc:
                briefing_form.add_errors(exc, kept_rows)
                raise
        saved = await run_in_threadpool(save_version, context.store, record, edited)
    except BriefingInvalid as exc:
        log.info("edit of briefing %s rejected with %d field errors", pk, len(exc.errors))
        problems = (exc.errors or [{"field": "(file)", "problem": str(exc)}]) if yaml_text else []
        return _edit_page(
            context,
            request,
            login,
            record,
            briefing_form,
            yaml_text=yaml_text,
            yaml_errors=problems,
            status=422,
        )
    notice = "unchanged" if saved.pk == record.pk else "saved"
    return redirect(f"/briefings/{saved.pk}?notice={notice}")


# -- links ---------------------------------------------------------------------------------


def _days(value: str) -> int | None:
    text = value.strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > 3650:
        raise InvalidInput(f"expiry {value!r} is not valid; give whole days from 0 to 3650")
    return int(text)


@router.post("/briefings/{pk}/links")
def create_link(
    pk: int,
    request: Request,
    login: Login,
    context: Context,
    label: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "personal",
    expires_in_days: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Create a link and show its address once (only a hash of the token is stored)."""
    check_form_token(csrf_token, login.csrf_token)
    link, token = context.web_store.create_link(
        pk,
        kind=kind,
        label=label[:200],
        expires_at=expiry_from_days(context, _days(expires_in_days)),
    )
    return _link_created_page(context, request, login, link.id, token, pk)


def _link_created_page(
    context: WebContext,
    request: Request,
    login: RequesterLogin,
    link_id: str,
    token: str,
    pk: int,
) -> Response:
    link = context.web_store.get_link(link_id)
    values = {
        "login": login,
        "link": link,
        "url": f"{context.base_url(request)}/p/{token}",
        "record": context.store.get_briefing(pk),
    }
    return page(context, request, "requester/link_created.html", values)


@router.post("/links/{link_id}/revoke")
def revoke_link(
    link_id: str, login: Login, context: Context, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_form_token(csrf_token, login.csrf_token)
    link = context.web_store.revoke_link(link_id)
    return redirect(f"/briefings/{link.briefing_pk}?notice=revoked")


@router.post("/links/{link_id}/reissue")
def reissue_link(
    link_id: str,
    request: Request,
    login: Login,
    context: Context,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Revoke the link and show a new one that continues the same session."""
    check_form_token(csrf_token, login.csrf_token)
    link, token = context.web_store.reissue_link(
        link_id, expires_at=reissue_expiry(context, link_id, None)
    )
    return _link_created_page(context, request, login, link.id, token, link.briefing_pk)
