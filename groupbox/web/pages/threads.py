"""Discussion pages: a group's threads (tab), starting a thread, one thread with its reply
form, reactions, deleting a message, the legacy channel; the dashboard's Discussions section."""

from __future__ import annotations

from datetime import datetime

from litestar import Request, get, post
from litestar.response import Redirect, Template

from groupbox.access import Actor, can
from groupbox.domain.groups import service as groups
from groupbox.domain.objects import messages, threads
from groupbox.errors import Conflict, Forbidden, Invalid
from groupbox.i18n import _
from groupbox.timefmt import local
from groupbox.web.pages.groups import (
    group_page,
)
from groupbox.web.support import SIGNED_IN, checked, form_data, form_error_page, redirect, render

SECTION_SIZE = 4


@get("/groups/{group_id:str}/discussions", guards=SIGNED_IN, include_in_schema=False)
async def group_discussions(request: Request, actor: Actor, group_id: str) -> Template:
    group = await groups.group_get(actor, group_id)
    return await group_page(request, actor, "threads/list.html", group, "discussions",
                            threads=await threads.threads_list(actor, group_id), can_post=can(actor, "act", group),
                            me=actor.membership(group_id))


async def _new_page(request: Request, actor: Actor, group: dict, *, values: dict | None = None,
                    errors: dict | None = None, status_code: int = 200) -> Template:
    return await group_page(request, actor, "threads/new.html", group, "discussions", values=values or {},
                            errors=errors or {}, status_code=status_code, me=actor.membership(group["id"]))


@get("/groups/{group_id:str}/discussions/new", guards=SIGNED_IN, include_in_schema=False)
async def thread_new(request: Request, actor: Actor, group_id: str) -> Template:
    group = await groups.group_get(actor, group_id)
    return await _new_page(request, actor, group)


@post("/groups/{group_id:str}/discussions", guards=SIGNED_IN, include_in_schema=False)
async def thread_create_form(request: Request, actor: Actor, group_id: str) -> Redirect | Template:
    form = await form_data(request)
    try:
        thread = await threads.thread_create(actor, group_id, form.get("title"), form.get("body"),
                                             off_topic=checked(form, "off_topic"))
    except Invalid as exc:
        group = await groups.group_get(actor, group_id)
        return await _new_page(request, actor, group, values=form, status_code=422, **form_error_page(exc))
    return redirect(request, thread["url"], _("Thread started. People in the group will see it."))


def _parse_before(raw: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None


async def _thread_page(request: Request, actor: Actor, thread_id: str, *, before: datetime | None = None,
                       values: dict | None = None, errors: dict | None = None, status_code: int = 200) -> Template:
    thread = await threads.thread_get(actor, thread_id)
    messages, has_earlier = await threads.thread_messages(actor, thread_id, before=before)
    await threads.thread_mark_read(actor, thread_id)
    tz = thread["group"]["timezone"]
    readonly_value = local(thread["readonly_from"], tz).strftime("%Y-%m-%dT%H:%M") if thread["readonly_from"] else ""
    return await render(request, "threads/thread.html", nav="groups", thread=thread, group=thread["group"],
                        messages=messages, has_earlier=has_earlier, emoji=threads.EMOJI, values=values or {},
                        errors=errors or {}, status_code=status_code, readonly_value=readonly_value,
                        showing_earlier=before is not None,
                        is_guest=not can(actor, "act", thread), page_title=thread["title"])


@get("/threads/{thread_id:str}", guards=SIGNED_IN, include_in_schema=False)
async def thread_detail(request: Request, actor: Actor, thread_id: str, before: str | None = None) -> Template:
    return await _thread_page(request, actor, thread_id, before=_parse_before(before))


@post("/threads/{thread_id:str}/messages", guards=SIGNED_IN, include_in_schema=False)
async def message_create_form(request: Request, actor: Actor, thread_id: str) -> Redirect | Template:
    form = await form_data(request)
    try:
        message = await messages.message_post(actor, thread_id, form.get("body"))
    except (Invalid, Conflict) as exc:
        errors = dict(exc.errors) if exc.errors else {"body": exc.message}
        return await _thread_page(request, actor, thread_id, values=form, errors=errors,
                                  status_code=exc.status_code)
    return redirect(request, f"/threads/{thread_id}#m-{message['id']}", _("Sent."))


@post("/messages/{message_id:str}/reactions", guards=SIGNED_IN, include_in_schema=False)
async def reaction_form(request: Request, actor: Actor, message_id: str) -> Redirect:
    form = await form_data(request)
    result = await messages.reaction_toggle(actor, message_id, form.get("emoji"))
    note = _("You reacted {emoji}.", emoji=result["emoji"]) if result["added"] \
        else _("Reaction {emoji} taken back.", emoji=result["emoji"])
    return redirect(request, f"/threads/{result['thread_id']}#m-{message_id}", note)


@get("/messages/{message_id:str}/delete", guards=SIGNED_IN, include_in_schema=False)
async def message_delete_confirm(request: Request, actor: Actor, message_id: str) -> Template | Redirect:
    """Deleting asks once (without JavaScript, a page): it cannot be undone."""
    message = await messages.message_get(actor, message_id)
    if not message["can_delete"]:
        if message["deleted"]:
            return redirect(request, f"/threads/{message['thread_id']}#m-{message_id}", _("Already deleted."), "info")
        raise Forbidden(_("You can delete only your own messages."))
    return await render(request, "threads/delete.html", nav="groups", message=message, group=message["group"],
                        page_title=_("Delete this message?"))


@post("/messages/{message_id:str}/delete", guards=SIGNED_IN, include_in_schema=False)
async def message_delete_form(request: Request, actor: Actor, message_id: str) -> Redirect:
    message = await messages.message_delete(actor, message_id)
    return redirect(request, f"/threads/{message['thread_id']}#m-{message_id}", _("Message deleted."))


@post("/threads/{thread_id:str}/legacy", guards=SIGNED_IN, include_in_schema=False)
async def thread_legacy_form(request: Request, actor: Actor, thread_id: str) -> Redirect | Template:
    form = await form_data(request)
    legacy = checked(form, "legacy_channel")
    try:
        thread = await threads.thread_set_legacy(actor, thread_id, legacy, form.get("readonly_from") or None)
    except Invalid as exc:
        return await _thread_page(request, actor, thread_id, values=form, status_code=422, **form_error_page(exc))
    return redirect(request, thread["url"], thread["legacy_note"] if legacy else _("This thread is a normal thread again."))


# -- the group dashboard's Discussions section ----------------------------------------------------
async def discussions_section(actor: Actor, group: dict) -> dict | None:
    """Active threads as one list (never a feed): title, last message, unread count."""
    overview = await threads.threads_overview(actor, group["id"], SECTION_SIZE)
    can_post = can(actor, "act", group)
    if not overview["total"] and not can_post:
        return None
    return {**overview, "can_post": can_post}


HANDLERS = [group_discussions, thread_new, thread_create_form, thread_detail, message_create_form, reaction_form,
            message_delete_confirm, message_delete_form, thread_legacy_form]
