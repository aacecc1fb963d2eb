"""Migration kit pages (SPEC §13): the admin's migration page (funnel, the old chat's link,
reminder copy, legacy channel), the printable invite sheet and its QR downloads, and the
group's WhatsApp archive (search, media, the import form). Thin: parse, call a service, render.

The old chat's invite token travels in these pages' URLs (`?t=`) because only its hash is
stored; see `groupbox.domain.migration.service`.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from litestar import HttpMethod, Request, get, post
from litestar.datastructures import UploadFile
from litestar.handlers import HTTPRouteHandler
from litestar.response import File, Redirect, Response, Template

from groupbox import i18n, qr, scratch
from groupbox.access import Actor, can
from groupbox.config import Config
from groupbox.domain.groups import service as groups
from groupbox.domain.migration import archive, copy
from groupbox.domain.migration import service as migration
from groupbox.errors import Conflict, Forbidden, Invalid, TooLarge
from groupbox.i18n import N_, _
from groupbox.timefmt import day as day_label
from groupbox.web.pages.groups import group_page
from groupbox.web.support import (
    HEAVY,
    SIGNED_IN,
    checked,
    config_of,
    form_data,
    form_error_page,
    redirect,
    render,
)

TONE_LABELS = {"friendly": N_("Friendly"), "firm": N_("Firm"), "last_call": N_("Last call")}


class ImportRouteHandler(HTTPRouteHandler):
    """A route whose body may be as large as the instance's import limit (`import_max_mb`)
    instead of the app-wide upload limit: the limit is read from the app's config per request,
    so every app (and every test's config) gets its own."""

    def resolve_request_max_body_size(self) -> int | None:
        app = self.ownership_layers[0]
        return app.state.config.import_max_bytes + 2**20  # room for the multipart envelope


def import_post(path: str, **kwargs: Any) -> ImportRouteHandler:
    """`@import_post(path, ...)`: like `@post`, with the import limit on the body."""
    return ImportRouteHandler(path, http_method=HttpMethod.POST, **kwargs)


@asynccontextmanager
async def received_export(request: Request, config: Config) -> AsyncIterator[tuple[Path, str, dict[str, str]]]:
    """The uploaded export (multipart field `file`) as a file in DATA/tmp under its own name
    (the name tells the parser the chat's name); removed afterwards. Litestar has already
    streamed the body into a spooled temporary file, so memory stays flat."""
    form = await request.form()
    upload = form.get("file")
    fields = {k: v for k, v in form.items() if isinstance(v, str) and k != "_csrf_token"}
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Invalid(_("Choose a WhatsApp export: the .txt file or the .zip."), field="file")
    # Held while in use: a server starting meanwhile removes only the folders of killed imports.
    with scratch.folder(config.data_dir, "import-") as folder:
        path = folder / archive.clean_source_name(upload.filename)

        def copy_out() -> None:
            upload.file.seek(0)
            with path.open("wb") as out:
                shutil.copyfileobj(upload.file, out, 2**20)

        await asyncio.to_thread(copy_out)
        await upload.close()
        yield path, upload.filename, fields


def _t_query(token: str | None, **extra: str) -> str:
    params = {"t": token} if token else {}
    params.update({k: v for k, v in extra.items() if v})
    return ("?" + urlencode(params)) if params else ""


async def _require_admin(actor: Actor, group_id: str) -> dict:
    group = await groups.group_get(actor, group_id)
    if not can(actor, "group.admin", group):
        raise Forbidden(_("Only admins can open the migration kit."))
    return group


async def _migration_page(request: Request, actor: Actor, group_id: str, *, token: str | None = None,
                          errors: dict | None = None, values: dict | None = None, status_code: int = 200,
                          reminder: dict | None = None, link_error: str | None = None) -> Template:
    group = await _require_admin(actor, group_id)
    config = config_of(request)
    invite = None
    if token:
        try:
            invite, token = await migration.link_check(actor, group_id, token)
        except Invalid as exc:
            link_error, token = exc.message, None
    url = f"{config.base_url}/join/{token}" if token else None
    return await group_page(
        request, actor, "migration/page.html", group, "admin",
        funnel=await migration.funnel(actor, group_id), token=token, invite=invite, url=url,
        qr_svg=qr.svg(url, scale=4) if url else None, link_error=link_error, reminder=reminder,
        threads=await migration.legacy_threads(actor, group_id),
        legacy=await migration.legacy_channel(group_id, group["timezone"]),
        archive=await archive.archive_counts(group_id), errors=errors or {}, values=values or {},
        tones=[(t, _(TONE_LABELS[t])) for t in copy.TONES], languages=list(copy.LANGUAGE_NAMES.items()),
        status_code=status_code, page_title=_("Migration kit"), me=actor.membership(group_id),
    )


@get("/groups/{group_id:str}/migration", guards=SIGNED_IN, include_in_schema=False)
async def migration_page(request: Request, actor: Actor, group_id: str) -> Template | Redirect:
    query = request.query_params
    if query.get("link"):
        # "Use a link I already shared": check it, then carry its token like a created one.
        try:
            _invite, token = await migration.link_check(actor, group_id, query.get("link", ""))
        except Invalid as exc:
            return await _migration_page(request, actor, group_id, errors={"link": exc.message},
                                         values={"link": query.get("link", "")}, status_code=422)
        return redirect(request, f"/groups/{group_id}/migration{_t_query(token)}#link")
    token = query.get("t") or None
    reminder = None
    errors: dict[str, str] = {}
    values = {"language": query.get("language") or i18n.current(), "tone": query.get("tone") or "friendly"}
    if token and query.get("language"):
        try:
            reminder = await migration.reminder_copy(actor, group_id, query.get("language"), query.get("tone"),
                                                     base_url=config_of(request).base_url, invite_url=token)
        except Invalid as exc:
            errors = form_error_page(exc)["errors"]
    return await _migration_page(request, actor, group_id, token=token, reminder=reminder, errors=errors,
                                 values=values, status_code=422 if errors else 200)


@post("/groups/{group_id:str}/migration/link", guards=SIGNED_IN, include_in_schema=False)
async def migration_link_create(request: Request, actor: Actor, group_id: str) -> Redirect:
    _invite, token = await migration.link_create(actor, group_id)
    return redirect(request, f"/groups/{group_id}/migration{_t_query(token)}#link",
                    _("Link for the old chat created. It works for {days} days.", days=migration.OLD_CHAT_DAYS))


@post("/groups/{group_id:str}/migration/expected", guards=SIGNED_IN, include_in_schema=False)
async def migration_expected_save(request: Request, actor: Actor, group_id: str) -> Redirect | Template:
    form = await form_data(request)
    try:
        await migration.expected_size_set(actor, group_id, form.get("expected_size", ""))
    except Invalid as exc:
        return await _migration_page(request, actor, group_id, token=form.get("t"), values=form, status_code=422,
                                     **form_error_page(exc))
    return redirect(request, f"/groups/{group_id}/migration{_t_query(form.get('t'))}", _("Expected size saved."))


@post("/groups/{group_id:str}/migration/legacy", guards=SIGNED_IN, include_in_schema=False)
async def migration_legacy_save(request: Request, actor: Actor, group_id: str) -> Redirect | Template:
    form = await form_data(request)
    back = f"/groups/{group_id}/migration{_t_query(form.get('t'))}#legacy"
    try:
        if checked(form, "clear"):
            await migration.legacy_set(actor, group_id, None)
            return redirect(request, back, _("The legacy channel mark is removed."))
        legacy = await migration.legacy_set(actor, group_id, form.get("thread_id") or None, form.get("readonly_from"))
    except Invalid as exc:
        return await _migration_page(request, actor, group_id, token=form.get("t"), values=form, status_code=422,
                                     **form_error_page(exc))
    if legacy and legacy["readonly_from"]:
        group = await groups.group_get(actor, group_id)
        return redirect(request, back, _("Marked as the old chat, read-only from {day}.",
                                         day=day_label(legacy["readonly_from"], group["timezone"])))
    return redirect(request, back, _("Marked as the old chat."))


async def _sheet_invite(actor: Actor, group_id: str, token: str | None) -> tuple[dict, dict, str]:
    group = await _require_admin(actor, group_id)
    if not token:
        raise Invalid(_("Create the link for the old chat first."), field="link")
    invite, token = await migration.link_check(actor, group_id, token)
    return group, invite, token


@get("/groups/{group_id:str}/migration/sheet", guards=SIGNED_IN, include_in_schema=False)
async def migration_sheet(request: Request, actor: Actor, group_id: str) -> Template | Redirect:
    try:
        group, invite, token = await _sheet_invite(actor, group_id, request.query_params.get("t"))
    except Invalid as exc:
        return redirect(request, f"/groups/{group_id}/migration#link", exc.message, kind="error")
    lang = request.query_params.get("lang") or i18n.current()
    url = f"{config_of(request).base_url}/join/{token}"
    words = copy.sheet_text(lang, group["name"], invite["expires_at"], group["timezone"])
    return await render(request, "migration/sheet.html", group=group, url=url, token=token, words=words,
                        qr_svg=qr.svg(url, scale=10), page_title=words["title"],
                        other_lang="de" if words["lang"] == "en" else "en")


def _qr_response(url: str, kind: str, group: dict) -> Response:
    slug = "".join(c if c.isalnum() else "-" for c in group["name"].lower()).strip("-")[:40] or "group"
    if kind == "png":
        body: bytes | str = qr.png(url, scale=12)
        media_type = "image/png"
    else:
        body = qr.svg(url, scale=12)
        media_type = "image/svg+xml"
    return Response(body, media_type=media_type, headers={
        "content-disposition": f'attachment; filename="invite-{slug}.{kind}"', "cache-control": "private, no-store",
    })


@get("/groups/{group_id:str}/migration/qr.png", guards=SIGNED_IN, include_in_schema=False)
async def migration_qr_png(request: Request, actor: Actor, group_id: str) -> Response | Redirect:
    try:
        group, _invite, token = await _sheet_invite(actor, group_id, request.query_params.get("t"))
    except Invalid as exc:
        return redirect(request, f"/groups/{group_id}/migration#link", exc.message, kind="error")
    return _qr_response(f"{config_of(request).base_url}/join/{token}", "png", group)


@get("/groups/{group_id:str}/migration/qr.svg", guards=SIGNED_IN, include_in_schema=False)
async def migration_qr_svg(request: Request, actor: Actor, group_id: str) -> Response | Redirect:
    try:
        group, _invite, token = await _sheet_invite(actor, group_id, request.query_params.get("t"))
    except Invalid as exc:
        return redirect(request, f"/groups/{group_id}/migration#link", exc.message, kind="error")
    return _qr_response(f"{config_of(request).base_url}/join/{token}", "svg", group)


# -- the archive --------------------------------------------------------------------------------
async def _archive_page(request: Request, actor: Actor, group_id: str, *, errors: dict | None = None,
                        values: dict | None = None, status_code: int = 200) -> Template:
    group = await groups.group_get(actor, group_id)
    query = request.query_params
    search = {"q": query.get("q") or "", "sender": query.get("sender") or "", "from": query.get("from") or "",
              "to": query.get("to") or ""}
    search_errors: dict[str, str] = {}
    try:
        result = await archive.archive_search(
            actor, group_id, q=search["q"], sender=search["sender"], date_from=search["from"],
            date_to=search["to"], before=query.get("before"), after=query.get("after"),
        )
    except Invalid as exc:
        search_errors = form_error_page(exc)["errors"]
        result = archive.SearchResult()
    base = {k: v for k, v in search.items() if v}
    shown_beside = ("q", "from", "to")  # the others come from the paging links: shown above the form
    return await group_page(
        request, actor, "migration/archive.html", group, "archive", overview=await archive.archive_overview(actor, group_id),
        result=result, search=search, searching=bool(base), search_errors=search_errors,
        paging_errors=[message for name, message in search_errors.items() if name not in shown_beside],
        older_url="?" + urlencode({**base, "before": result.older}) if result.older else None,
        newer_url="?" + urlencode({**base, "after": result.newer}) if result.newer else None,
        errors=errors or {}, values=values or {}, tz=group["timezone"],
        status_code=422 if search_errors else status_code, import_max_mb=config_of(request).import_max_mb,
        page_title=_("Archive"), me=actor.membership(group_id),
    )


@get("/groups/{group_id:str}/archive", guards=SIGNED_IN, include_in_schema=False, opt=HEAVY)
async def archive_page(request: Request, actor: Actor, group_id: str) -> Template:
    return await _archive_page(request, actor, group_id)


@import_post("/groups/{group_id:str}/archive/import", guards=SIGNED_IN, include_in_schema=False)
async def archive_import(request: Request, actor: Actor, group_id: str) -> Redirect | Template:
    # The importer (WhatsApp parser, phrase tables) loads on the first import, not at start.
    from groupbox.domain.migration.archive_import import import_export

    config = config_of(request)
    group = await groups.group_get(actor, group_id)
    if not can(actor, "group.admin", group):
        raise Forbidden(_("Only admins can import into the archive."))
    values: dict[str, str] = {}
    try:
        async with received_export(request, config) as (path, name, values):
            result = await import_export(
                actor, group_id, path, files_dir=config.files_dir, max_bytes=config.import_max_bytes,
                date_order=values.get("date_order"), source_name=name,
            )
    except (Invalid, TooLarge, Conflict) as exc:
        errors = dict(exc.errors) if exc.errors else {"file": exc.message}
        return await _archive_page(request, actor, group_id, errors=errors, values=values,
                                   status_code=exc.status_code)
    if result.already_imported:
        when = day_label(result.imported_at, group["timezone"]) if result.imported_at else ""
        return redirect(request, f"/groups/{group_id}/archive#main",
                        _("This export was already imported ({day}); nothing changed.", day=when), kind="info")
    return redirect(request, f"/groups/{group_id}/archive#main",
                    _("Imported {messages} messages from {participants} people, {media} with media.",
                      messages=i18n.number(result.messages), participants=result.participants, media=result.media))


@post("/groups/{group_id:str}/archive/imports/{import_id:str}/delete", guards=SIGNED_IN, include_in_schema=False)
async def archive_import_delete(request: Request, actor: Actor, group_id: str, import_id: str) -> Redirect:
    from groupbox.domain.migration.archive_import import import_delete  # not at start: see above

    form = await form_data(request)
    if not checked(form, "confirm"):
        return redirect(request, f"/groups/{group_id}/archive#imports",
                        _("Tick the box to confirm that the import should be deleted."), kind="error")
    row = await import_delete(actor, group_id, import_id, files_dir=config_of(request).files_dir)
    return redirect(request, f"/groups/{group_id}/archive",
                    _("Deleted {n} archived messages of {name}.", n=i18n.number(row["messages"]), name=row["source_name"]))


@get("/groups/{group_id:str}/archive/media/{file_id:str}", guards=SIGNED_IN, include_in_schema=False)
async def archive_media(request: Request, actor: Actor, group_id: str, file_id: str) -> File:
    row = await archive.archive_media(actor, group_id, file_id)
    return File(
        path=config_of(request).files_dir / row["stored_name"], filename=row["display_name"],
        media_type=row["content_type"] if row["inline"] else "application/octet-stream",
        content_disposition_type="inline" if row["inline"] else "attachment",
        headers={"cache-control": "private, max-age=86400"},
    )


# -- the group dashboard's "Moving over" section ------------------------------------------------
async def migration_section(actor: Actor, group: dict) -> dict | None:
    return await migration.group_migration_notice(actor, group)


HANDLERS = [
    migration_page, migration_link_create, migration_expected_save, migration_legacy_save, migration_sheet,
    migration_qr_png, migration_qr_svg, archive_page, archive_import, archive_import_delete, archive_media,
]
