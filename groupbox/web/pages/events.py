"""Event pages: the group's Events tab (`?past=1`), create/edit forms, the event page with its
no-JS RSVP form, cancel/delete forms; the "Upcoming" section of the group dashboard."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.response import Redirect, Template

from groupbox import timefmt
from groupbox.access import Actor, can
from groupbox.domain.files import service as files
from groupbox.domain.groups import service as groups
from groupbox.domain.objects import events
from groupbox.domain.objects.schemas import EventInput
from groupbox.errors import Conflict, Forbidden, Invalid
from groupbox.i18n import _
from groupbox.web.pages.groups import (
    group_page,
)
from groupbox.web.support import (
    SIGNED_IN,
    checked,
    form_data,
    form_error_page,
    live_refresh,
    local_path,
    redirect,
    render,
)

UPCOMING_ON_DASHBOARD = 5



def input_time(value, tz: str) -> str:
    """A stored UTC time as a datetime-local value in the group's zone."""
    dt = timefmt.local(value, tz)
    return dt.strftime("%Y-%m-%dT%H:%M") if dt else ""


def rsvp_confirmation(status: str, event: dict, tz: str) -> str:
    when = timefmt.when(event["starts_at"], tz)
    if status == "yes":
        return _("You're going — {when}", when=when)
    if status == "maybe":
        return _("You answered maybe — {when}", when=when)
    return _("You're not going — {when}", when=when)


async def _form_values(request: Request) -> dict:
    raw = await request.form()
    form = await form_data(request)
    return {**form, "file_ids": raw.getall("file_ids", []), "rsvp_required": checked(form, "rsvp_required"),
            "stays_here": checked(form, "stays_here")}


def _revision(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 12 else None


def _event_input(values: dict) -> EventInput:
    """The form's fields as the input the API and the CLI give too (every field: the form shows them all)."""
    data = EventInput(
        title=values.get("title", ""), starts_at=values.get("starts_at", ""), ends_at=values.get("ends_at", ""),
        location=values.get("location", ""), description=values.get("description", ""),
        rsvp_required=values["rsvp_required"], rsvp_deadline=values.get("rsvp_deadline", ""),
        file_ids=values["file_ids"], stays_here=values["stays_here"],
    )
    revision = _revision(values.get("base_revision"))
    if revision is not None:
        data.base_revision = revision
    return data


async def _form_page(request: Request, actor: Actor, group: dict, *, values: dict, errors: dict,
                     event: dict | None = None, status_code: int = 200, stale: str | None = None) -> Template:
    return await group_page(request, actor, "events/form.html", group, "events", values=values, errors=errors,
                            event=event, stale=stale, group_files=await files.group_files_brief(group["id"]),
                            status_code=status_code, me=actor.membership(group["id"]),
                            page_title=_("Edit event") if event else _("New event"))


# -- the Events tab -----------------------------------------------------------------------------
@get("/groups/{group_id:str}/events", guards=SIGNED_IN, include_in_schema=False)
async def events_tab(request: Request, actor: Actor, group_id: str, past: bool = False) -> Template:
    group = await groups.group_get(actor, group_id)
    rows = await events.events_list(actor, group_id, past=past, as_rows=True)
    return await group_page(request, actor, "events/list.html", group, "events", events=rows, past=past,
                            tz=group["timezone"], can_create=can(actor, "object.create", group),
                            can_act=can(actor, "act", group), me=actor.membership(group_id), page_title=_("Events"))


# -- create / edit ------------------------------------------------------------------------------
@get("/groups/{group_id:str}/events/new", guards=SIGNED_IN, include_in_schema=False)
async def event_new(request: Request, actor: Actor, group_id: str) -> Template:
    group = await groups.group_get(actor, group_id)
    if not can(actor, "object.create", group):
        raise Forbidden(_("Only admins and moderators create events in this group."))
    return await _form_page(request, actor, group, values={"file_ids": []}, errors={})


@post("/groups/{group_id:str}/events/new", guards=SIGNED_IN, include_in_schema=False)
async def event_create(request: Request, actor: Actor, group_id: str) -> Template | Redirect:
    group = await groups.group_get(actor, group_id)
    values = await _form_values(request)
    try:
        event = await events.event_create(actor, group_id, _event_input(values))
    except Invalid as exc:
        return await _form_page(request, actor, group, values=values, status_code=422, **form_error_page(exc))
    when = timefmt.when(event["starts_at"], group["timezone"])
    return redirect(request, event["url"], _("Event created — {when}. Everyone in the group was told.", when=when))


@get("/events/{event_id:str}/edit", guards=SIGNED_IN, include_in_schema=False)
async def event_edit(request: Request, actor: Actor, event_id: str) -> Template:
    event = await events.event_get(actor, event_id)
    if not event["can_edit"]:
        raise Forbidden(_("Only the event's author and moderators can change it."))
    group = await groups.group_row(event["group_id"])
    tz = group["timezone"]
    values = {
        "title": event["title"], "location": event["location"], "description": event["description"],
        "starts_at": input_time(event["starts_at"], tz), "ends_at": input_time(event["ends_at"], tz),
        "rsvp_deadline": input_time(event["rsvp_deadline"], tz), "rsvp_required": event["rsvp_required"],
        "stays_here": event["stays_here"], "file_ids": [f["id"] for f in event["files"]],
    }
    return await _form_page(request, actor, group, values=values, errors={}, event=event)


@post("/events/{event_id:str}/edit", guards=SIGNED_IN, include_in_schema=False)
async def event_save(request: Request, actor: Actor, event_id: str) -> Template | Redirect:
    event = await events.event_get(actor, event_id)
    group = await groups.group_row(event["group_id"])
    values = await _form_values(request)
    try:
        saved = await events.event_update(actor, event_id, _event_input(values))
    except Invalid as exc:
        return await _form_page(request, actor, group, values=values, event=event, status_code=422,
                                **form_error_page(exc))
    except Conflict as exc:
        # Someone saved meanwhile: keep this person's input, show what changed; saving again
        # (from the revision they have now seen) replaces it knowingly.
        current = await events.event_get(actor, event_id)
        return await _form_page(request, actor, group, values={**values, "base_revision": current["revision"]},
                                event=current, errors={}, status_code=409, stale=exc.message)
    if saved["version"] > event["version"]:
        return redirect(request, saved["url"], _("Saved. Everyone was told about the new time or place."))
    return redirect(request, saved["url"], _("Saved."))


@post("/events/{event_id:str}/cancel", guards=SIGNED_IN, include_in_schema=False)
async def event_cancel(request: Request, actor: Actor, event_id: str) -> Template | Redirect:
    form = await form_data(request)
    try:
        event = await events.event_cancel(actor, event_id, form.get("reason", ""))
    except Invalid as exc:
        return redirect(request, f"/events/{event_id}/edit", exc.message, kind="error")
    return redirect(request, event["url"], _("Event cancelled. Everyone was told."))


@post("/events/{event_id:str}/reinstate", guards=SIGNED_IN, include_in_schema=False)
async def event_reinstate(request: Request, actor: Actor, event_id: str) -> Redirect:
    event = await events.event_update(actor, event_id, EventInput(cancelled=False))
    return redirect(request, event["url"], _("The event is on again. Everyone was told."))


@post("/events/{event_id:str}/delete", guards=SIGNED_IN, include_in_schema=False)
async def event_delete(request: Request, actor: Actor, event_id: str) -> Redirect:
    event = await events.event_delete(actor, event_id)
    return redirect(request, f"/groups/{event['group_id']}/events", _("Event deleted."))


# -- the event page and RSVP --------------------------------------------------------------------
async def _event_page(request: Request, actor: Actor, event: dict, *, status_code: int = 200,
                      errors: dict | None = None, values: dict | None = None, problem: str | None = None) -> Template:
    group = await groups.group_row(event["group_id"])
    return await render(request, "events/detail.html", nav="groups", event=event, group=group,
                        tz=group["timezone"], is_admin=can(actor, "group.admin", group),
                        errors=errors or {}, values=values or {}, problem=problem, status_code=status_code,
                        page_title=event["title"])


@get("/events/{event_id:str}", guards=SIGNED_IN, include_in_schema=False)
async def event_page(request: Request, actor: Actor, event_id: str) -> Template:
    # A background refresh (live.js, for the bell) is not a look at the event: a change made
    # meanwhile stays "changed" until the person opens the event again.
    view = events.event_get if live_refresh(request) else events.event_view
    return await _event_page(request, actor, await view(actor, event_id))


@post("/events/{event_id:str}/rsvp", guards=SIGNED_IN, include_in_schema=False)
async def event_rsvp(request: Request, actor: Actor, event_id: str) -> Template | Redirect:
    form = await form_data(request)
    try:
        result = await events.rsvp(actor, event_id, form.get("status", ""), form.get("note"), form.get("guests"))
    except Invalid as exc:
        return await _event_page(request, actor, await events.event_get(actor, event_id), status_code=422,
                                 values=form, **form_error_page(exc))
    except Conflict as exc:
        # A readable page, not a bare error: the deadline passed or the event was cancelled.
        return await _event_page(request, actor, await events.event_get(actor, event_id), status_code=409,
                                 problem=exc.message)
    event = result["event"]
    target = local_path(form.get("next"), event["url"])
    return redirect(request, target, rsvp_confirmation(result["rsvp"]["status"], event, event["group_timezone"]))


# -- the group dashboard's "Upcoming" section ---------------------------------------------------
async def upcoming_section(actor: Actor, group: dict) -> dict | None:
    rows = await events.events_list(actor, group["id"], limit=UPCOMING_ON_DASHBOARD, as_rows=True)
    can_create = can(actor, "object.create", group)
    return {"events": rows, "tz": group["timezone"], "is_admin": can(actor, "group.admin", group),
            "can_create": can_create, "can_act": can(actor, "act", group), "group": group}



HANDLERS = [events_tab, event_new, event_create, event_edit, event_save, event_cancel, event_reinstate, event_delete,
            event_page, event_rsvp]
