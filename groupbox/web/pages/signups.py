"""Sign-up sheet pages: the group's sheets, the create form, a sheet with who took what, and the
no-JS "Take" / "Withdraw" forms. Also the dashboard's "Sign-ups" section."""

from __future__ import annotations

from itertools import zip_longest

from litestar import Request, get, post
from litestar.response import Redirect, Template

from groupbox.access import Actor, can
from groupbox.domain.groups import service as groups
from groupbox.domain.objects import signups
from groupbox.domain.objects.schemas import SignupCreate, SlotInput
from groupbox.errors import DomainError, Forbidden, Invalid
from groupbox.i18n import _
from groupbox.timefmt import when
from groupbox.web.pages.groups import (
    group_page,
)
from groupbox.web.support import SIGNED_IN, form_data, form_error_page, local_path, redirect, render

SLOT_ROWS = 3  # empty slot rows a new form starts with; "Add more slots" adds more


@get("/groups/{group_id:str}/signups", guards=SIGNED_IN, include_in_schema=False)
async def signup_index(request: Request, actor: Actor, group_id: str) -> Template:
    group = await groups.group_get(actor, group_id)
    return await group_page(request, actor, "signups/list.html", group, "signups",
                            sheets=await signups.signups_list(actor, group_id), me=actor.membership(group_id),
                            can_create=can(actor, "object.create", group), back=f"/groups/{group_id}/signups")


def _slot_rows(raw) -> list[dict]:
    labels, capacities, times = (
        [v for v in raw.getall(name, []) if isinstance(v, str)] for name in ("slot_label", "slot_capacity", "slot_starts_at")
    )
    return [{"label": lbl or "", "capacity": cap or "", "starts_at": at or ""}
            for lbl, cap, at in zip_longest(labels, capacities, times)]


async def _form_page(request: Request, actor: Actor, group: dict, values: dict, errors: dict,
                     status_code: int = 200) -> Template:
    return await group_page(request, actor, "signups/form.html", group, "signups", values=values, errors=errors,
                            event_choices=[(e["id"], f"{e['title']} · {when(e['starts_at'], group['timezone'])}")
                                           for e in await signups.linkable_events(actor, group["id"])],
                            me=actor.membership(group["id"]), status_code=status_code,
                            page_title=_("New sign-up sheet"))


@get("/groups/{group_id:str}/signups/new", guards=SIGNED_IN, include_in_schema=False)
async def signup_new(request: Request, actor: Actor, group_id: str, event_id: str | None = None) -> Template:
    group = await groups.group_get(actor, group_id)
    if not can(actor, "object.create", group):
        raise Forbidden(_("Only admins and moderators create sign-up sheets in this group."))
    blank = {"label": "", "capacity": "1", "starts_at": ""}
    return await _form_page(request, actor, group, {"slots": [dict(blank) for _ in range(SLOT_ROWS)],
                                                    "event_id": event_id or ""}, {})


@post("/groups/{group_id:str}/signups/new", guards=SIGNED_IN, include_in_schema=False)
async def signup_create(request: Request, actor: Actor, group_id: str) -> Template | Redirect:
    group = await groups.group_get(actor, group_id)
    raw = await request.form()
    form = await form_data(request)
    rows = _slot_rows(raw)
    values = {**form, "slots": rows}
    if "add_slots" in form:  # the no-JS "Add more slots" button: same form, more rows
        values["slots"] = rows + [{"label": "", "capacity": "1", "starts_at": ""} for _ in range(SLOT_ROWS)]
        return await _form_page(request, actor, group, values, {})
    try:
        sheet = await signups.signup_create(actor, group_id, SignupCreate(
            title=form.get("title", ""), slots=[SlotInput(**r) for r in rows if r["label"].strip()],
            description=form.get("description", ""), event_id=form.get("event_id"), closes_at=form.get("closes_at"),
        ))
    except Invalid as exc:
        return await _form_page(request, actor, group, values, status_code=422, **form_error_page(exc))
    return redirect(request, f"/signups/{sheet['id']}", _("Sign-up sheet created. People can take slots now."))


@get("/signups/{signup_id:str}", guards=SIGNED_IN, include_in_schema=False)
async def signup_detail(request: Request, actor: Actor, signup_id: str) -> Template:
    sheet = await signups.signup_get(actor, signup_id)
    group = await groups.group_row(sheet["group_id"])
    return await render(request, "signups/detail.html", nav="groups", sheet=sheet, group=group,
                        page_title=sheet["title"], back=f"/signups/{signup_id}")


async def _slot_action(request: Request, actor: Actor, slot_id: str, take: bool) -> Redirect:
    form = await form_data(request)
    try:
        if take:
            slot = await signups.commit(actor, slot_id, form.get("note"))
        else:
            slot = await signups.withdraw(actor, slot_id)
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        fallback = await signups.slot_get(actor, slot_id)
        return redirect(request, local_path(form.get("back"), f"/signups/{fallback['signup_id']}"), exc.message,
                        kind="error")
    back = local_path(form.get("back"), f"/signups/{slot['signup_id']}")
    if take:
        return redirect(request, back, _("You're down for “{label}”. Thank you!", label=slot["label"]))
    return redirect(request, back, _("You're off “{label}”.", label=slot["label"]))


@post("/signups/slots/{slot_id:str}/take", guards=SIGNED_IN, include_in_schema=False)
async def slot_take(request: Request, actor: Actor, slot_id: str) -> Redirect:
    return await _slot_action(request, actor, slot_id, take=True)


@post("/signups/slots/{slot_id:str}/withdraw", guards=SIGNED_IN, include_in_schema=False)
async def slot_withdraw(request: Request, actor: Actor, slot_id: str) -> Redirect:
    return await _slot_action(request, actor, slot_id, take=False)


@post("/signups/{signup_id:str}/close", guards=SIGNED_IN, include_in_schema=False)
async def signup_close(request: Request, actor: Actor, signup_id: str) -> Redirect:
    await signups.signup_close(actor, signup_id)
    return redirect(request, f"/signups/{signup_id}", _("Sign-up sheet closed."))


@post("/signups/{signup_id:str}/delete", guards=SIGNED_IN, include_in_schema=False)
async def signup_remove(request: Request, actor: Actor, signup_id: str) -> Redirect:
    row = await signups.signup_delete(actor, signup_id)
    return redirect(request, f"/groups/{row['group_id']}/signups", _("Sign-up sheet deleted."))


# -- the group dashboard's "Sign-ups" -----------------------------------------------------------
async def open_signups_section(actor: Actor, group: dict) -> dict | None:
    rows, more = await signups.signups_open_first(actor, group, shown=3)
    if not rows:
        return None
    return {"sheets": rows, "more": more}


HANDLERS = [
    signup_index, signup_new, signup_create, signup_detail, slot_take, slot_withdraw, signup_close, signup_remove,
]
