"""Announcement pages: the group's Announcements tab, create/edit forms, the announcement page
(opening it marks it read) with its "I've read it" form; the group dashboard's "Official
announcements" section."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.response import Redirect, Template

from groupbox.access import Actor, can
from groupbox.domain.files import service as files
from groupbox.domain.groups import service as groups
from groupbox.domain.objects import announcements
from groupbox.domain.objects.announcements import FLAGS
from groupbox.domain.objects.schemas import AnnouncementCreate, AnnouncementInput
from groupbox.errors import Forbidden, Invalid
from groupbox.i18n import _
from groupbox.web.pages.groups import (
    group_page,
    shown_above,
)
from groupbox.web.support import (
    SIGNED_IN,
    checked,
    form_data,
    form_error_page,
    local_path,
    redirect,
    render,
)

OFFICIAL_ON_DASHBOARD = 3


async def _form_values(request: Request) -> dict:
    raw = await request.form()
    form = await form_data(request)
    return {**form, "file_ids": raw.getall("file_ids", []), **{flag: checked(form, flag) for flag in FLAGS}}


def _input(values: dict, kind: type[AnnouncementInput] = AnnouncementInput) -> AnnouncementInput:
    """The form's fields as the input the API and the CLI give too (every field: the form shows them all)."""
    return kind(title=values.get("title", ""), body=values.get("body", ""), file_ids=values["file_ids"],
                **{flag: values[flag] for flag in FLAGS})


async def _form_page(request: Request, actor: Actor, group: dict, *, values: dict, errors: dict,
                     announcement: dict | None = None, status_code: int = 200) -> Template:
    return await group_page(request, actor, "announcements/form.html", group, "announcements", values=values,
                            errors=errors, announcement=announcement,
                            group_files=await files.group_files_brief(group["id"]), status_code=status_code,
                            me=actor.membership(group["id"]),
                            page_title=_("Edit announcement") if announcement else _("New announcement"))


@get("/groups/{group_id:str}/announcements", guards=SIGNED_IN, include_in_schema=False)
async def announcements_tab(request: Request, actor: Actor, group_id: str) -> Template:
    group = await groups.group_get(actor, group_id)
    rows = await announcements.announcements_list(actor, group_id, as_cards=True)
    return await group_page(request, actor, "announcements/list.html", group, "announcements", announcements=rows,
                            tz=group["timezone"], can_create=can(actor, "object.create", group),
                            me=actor.membership(group_id), page_title=_("Announcements"))


@get("/groups/{group_id:str}/announcements/new", guards=SIGNED_IN, include_in_schema=False)
async def announcement_new(request: Request, actor: Actor, group_id: str) -> Template:
    group = await groups.group_get(actor, group_id)
    if not can(actor, "object.create", group):
        raise Forbidden(_("Only admins and moderators post announcements in this group."))
    return await _form_page(request, actor, group, values={"official": True, "file_ids": []}, errors={})


@post("/groups/{group_id:str}/announcements/new", guards=SIGNED_IN, include_in_schema=False)
async def announcement_create(request: Request, actor: Actor, group_id: str) -> Template | Redirect:
    group = await groups.group_get(actor, group_id)
    values = await _form_values(request)
    try:
        row = await announcements.announcement_create(actor, group_id, _input(values, AnnouncementCreate))
    except Invalid as exc:
        return await _form_page(request, actor, group, values=values, status_code=422, **form_error_page(exc))
    return redirect(request, row["url"], _("Posted. Everyone in the group was told."))


@get("/announcements/{announcement_id:str}/edit", guards=SIGNED_IN, include_in_schema=False)
async def announcement_edit(request: Request, actor: Actor, announcement_id: str) -> Template:
    row = await announcements.announcement_get(actor, announcement_id)
    if not row["can_edit"]:
        raise Forbidden(_("Only the author and moderators can change this announcement."))
    group = await groups.group_row(row["group_id"])
    values = {"title": row["title"], "body": row["body"], "file_ids": [f["id"] for f in row["files"]],
              **{flag: row[flag] for flag in FLAGS}}
    return await _form_page(request, actor, group, values=values, errors={}, announcement=row)


@post("/announcements/{announcement_id:str}/edit", guards=SIGNED_IN, include_in_schema=False)
async def announcement_save(request: Request, actor: Actor, announcement_id: str) -> Template | Redirect:
    row = await announcements.announcement_get(actor, announcement_id)
    group = await groups.group_row(row["group_id"])
    values = await _form_values(request)
    try:
        await announcements.announcement_update(actor, announcement_id, _input(values))
    except Invalid as exc:
        return await _form_page(request, actor, group, values=values, announcement=row, status_code=422,
                                **form_error_page(exc))
    return redirect(request, row["url"], _("Saved."))


@post("/announcements/{announcement_id:str}/delete", guards=SIGNED_IN, include_in_schema=False)
async def announcement_delete(request: Request, actor: Actor, announcement_id: str) -> Redirect:
    row = await announcements.announcement_delete(actor, announcement_id)
    return redirect(request, f"/groups/{row['group_id']}/announcements", _("Announcement deleted."))


@get("/announcements/{announcement_id:str}", guards=SIGNED_IN, include_in_schema=False)
async def announcement_page(request: Request, actor: Actor, announcement_id: str) -> Template:
    row = await announcements.announcement_view(actor, announcement_id)
    group = await groups.group_row(row["group_id"])
    return await render(request, "announcements/detail.html", nav="groups", a=row, group=group,
                        tz=group["timezone"], page_title=row["title"])


@post("/announcements/{announcement_id:str}/ack", guards=SIGNED_IN, include_in_schema=False)
async def announcement_ack(request: Request, actor: Actor, announcement_id: str) -> Redirect:
    form = await form_data(request)
    row = await announcements.announcement_ack(actor, announcement_id)
    return redirect(request, local_path(form.get("next"), row["url"]),
                    _("Thanks — {name} can see you've read “{title}”.", name=row["author_name"] or _("the group"),
                      title=row["title"]))


# -- the group dashboard's "Official announcements" section -------------------------------------
async def official_section(actor: Actor, group: dict) -> dict | None:
    shown = shown_above()
    rows = await announcements.announcements_list(actor, group["id"], official_only=True,
                                                  limit=OFFICIAL_ON_DASHBOARD + len(shown), as_cards=True)
    rows = [row for row in rows if row["id"] not in shown][:OFFICIAL_ON_DASHBOARD]
    if not rows:
        return None
    return {"announcements": rows, "tz": group["timezone"], "group": group,
            "is_admin": can(actor, "group.admin", group)}



HANDLERS = [announcements_tab, announcement_new, announcement_create, announcement_edit, announcement_save,
            announcement_delete, announcement_page, announcement_ack]
