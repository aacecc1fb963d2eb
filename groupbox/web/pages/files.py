"""File pages: a group's files (tab), all my files (/files), one file, download, acknowledge,
delete; the group dashboard's Files section."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.response import File, Redirect, Template

from groupbox.access import Actor, can
from groupbox.domain.files import service as files
from groupbox.domain.groups import service as groups
from groupbox.errors import DomainError
from groupbox.i18n import _
from groupbox.web.api.files import UPLOAD_OPT, MultipartUpload, download_response
from groupbox.web.pages.groups import (
    group_page,
)
from groupbox.web.support import SIGNED_IN, config_of, form_data, local_path, redirect, render

SECTION_SIZE = 4



async def _group_files_page(request: Request, actor: Actor, group: dict, *, status_code: int = 200,
                            errors: dict | None = None, values: dict | None = None) -> Template:
    return await group_page(
        request, actor, "files/group.html", group, "files", status_code=status_code,
        files=await files.files_list(actor, group["id"]), can_upload=can(actor, "file.upload", group),
        can_require_ack=can(actor, "object.create", group), me=actor.membership(group["id"]),
        max_mb=config_of(request).upload_max_mb, errors=errors or {}, values=values or {},
    )


@get("/groups/{group_id:str}/files", guards=SIGNED_IN, include_in_schema=False)
async def group_files(request: Request, actor: Actor, group_id: str) -> Template:
    group = await groups.group_get(actor, group_id)
    return await _group_files_page(request, actor, group)


@post("/groups/{group_id:str}/files", guards=SIGNED_IN, include_in_schema=False, opt=UPLOAD_OPT)
async def group_file_upload(request: Request, actor: Actor, group_id: str) -> Redirect | Template:
    config = config_of(request)
    reader = MultipartUpload(request, config)
    try:
        group = await groups.group_get(actor, group_id)
        upload = await reader.upload()
        row = await files.file_upload(actor, group_id, upload, config=config)
    except (DomainError, PermissionDeniedException) as exc:
        await reader.drain()
        if not isinstance(exc, DomainError) or exc.status_code in (403, 404):
            raise
        errors = dict(exc.errors) if exc.errors else {"file": exc.message}
        return await _group_files_page(request, actor, group, status_code=exc.status_code, errors=errors,
                                       values=reader.fields)
    message = _("“{name}” is shared with the group.", name=row["display_name"])
    if row["ack_required"]:
        message = _("“{name}” is shared; everyone is asked to confirm they've read it.", name=row["display_name"])
    return redirect(request, f"/groups/{group_id}/files", message)


@get("/files", guards=SIGNED_IN, include_in_schema=False)
async def my_files(request: Request, actor: Actor) -> Template:
    # With the files of the person's connected servers.
    from groupbox.domain.remote import aggregate as remote_items

    rows = await remote_items.merge_files(actor, await files.files_for_person(actor))
    return await render(request, "files/mine.html", nav="files", page_title=_("Files"),
                        to_confirm=[f for f in rows if f["needs_my_ack"]], files=rows,
                        group_count=len(actor.memberships) + len({f["group_id"] for f in rows if f.get("remote")}))


@get("/files/{file_id:str}", guards=SIGNED_IN, include_in_schema=False)
async def file_detail(request: Request, actor: Actor, file_id: str) -> Template:
    row = await files.file_get(actor, file_id)
    acks = await files.file_acks(actor, file_id) if row["can_see_acks"] else None
    return await render(request, "files/detail.html", nav="files", file=row, acks=acks,
                        page_title=row["display_name"])


@get("/files/{file_id:str}/download", guards=SIGNED_IN, include_in_schema=False)
async def file_download_page(request: Request, actor: Actor, file_id: str, inline: bool = False) -> File:
    row, path = await files.file_download(actor, file_id, config_of(request))
    return download_response(row, path, inline=inline)


@post("/files/{file_id:str}/ack", guards=SIGNED_IN, include_in_schema=False)
async def file_ack_form(request: Request, actor: Actor, file_id: str) -> Redirect:
    form = await form_data(request)
    row = await files.file_ack(actor, file_id)
    return redirect(request, local_path(form.get("next"), row["url"]),
                    _("Thanks — you confirmed “{name}”.", name=row["display_name"]))


@post("/files/{file_id:str}/delete", guards=SIGNED_IN, include_in_schema=False)
async def file_delete_form(request: Request, actor: Actor, file_id: str) -> Redirect:
    row = await files.file_delete(actor, file_id, config_of(request))
    return redirect(request, f"/groups/{row['group_id']}/files",
                    _("“{name}” was deleted.", name=row["display_name"]))


# -- the group dashboard's Files section ----------------------------------------------------------
async def files_section(actor: Actor, group: dict) -> dict | None:
    """Files that ask me to confirm first, then the newest; an empty state for those who can
    upload, nothing for those who can't."""
    rows = await files.files_list(actor, group["id"], limit=50)
    chosen = [f for f in rows if f["needs_my_ack"]][:SECTION_SIZE]
    chosen += [f for f in rows if f not in chosen][: SECTION_SIZE - len(chosen)]
    can_upload = can(actor, "file.upload", group)
    if not chosen and not can_upload:
        return None
    return {"files": chosen, "total": len(rows), "can_upload": can_upload}


HANDLERS = [group_files, group_file_upload, my_files, file_detail, file_download_page, file_ack_form,
            file_delete_form]
