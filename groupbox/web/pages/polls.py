"""Poll pages: the group's polls, the create form, the poll itself with its no-JS vote form and
results, closing and deleting. Also the dashboard's "Polls" section."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.response import Redirect, Template

from groupbox.access import Actor, can
from groupbox.domain.groups import service as groups
from groupbox.domain.objects import polls
from groupbox.domain.objects.schemas import PollCreate
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
    local_path,
    redirect,
    render,
)

OPTION_ROWS = 4  # empty option fields a new form starts with; "Add an option" adds more
VISIBILITY_CHOICES = [(key, label) for key, label in polls.VISIBILITY_LABELS.items()]


@get("/groups/{group_id:str}/polls", guards=SIGNED_IN, include_in_schema=False)
async def poll_index(request: Request, actor: Actor, group_id: str) -> Template:
    group = await groups.group_get(actor, group_id)
    return await group_page(request, actor, "polls/list.html", group, "polls",
                            polls=await polls.polls_list(actor, group_id), me=actor.membership(group_id),
                            can_create=can(actor, "object.create", group))


async def _form_page(request: Request, actor: Actor, group: dict, values: dict, errors: dict,
                     status_code: int = 200) -> Template:
    return await group_page(request, actor, "polls/form.html", group, "polls", values=values, errors=errors,
                            visibility_choices=[(k, _(label)) for k, label in VISIBILITY_CHOICES],
                            me=actor.membership(group["id"]), status_code=status_code, page_title=_("New poll"))


@get("/groups/{group_id:str}/polls/new", guards=SIGNED_IN, include_in_schema=False)
async def poll_new(request: Request, actor: Actor, group_id: str) -> Template:
    group = await groups.group_get(actor, group_id)
    if not can(actor, "object.create", group):
        raise Forbidden(_("Only admins and moderators create polls in this group."))
    return await _form_page(request, actor, group, {"options": [""] * OPTION_ROWS, "results_visibility": "always"},
                            {})


@post("/groups/{group_id:str}/polls/new", guards=SIGNED_IN, include_in_schema=False)
async def poll_create(request: Request, actor: Actor, group_id: str) -> Template | Redirect:
    group = await groups.group_get(actor, group_id)
    raw = await request.form()
    form = await form_data(request)
    options = [o for o in raw.getall("options", []) if isinstance(o, str)]
    values = {**form, "options": options, "multiple": checked(form, "multiple"),
              "anonymous": checked(form, "anonymous")}
    if "add_option" in form:  # the no-JS "Add an option" button: same form, two more fields
        values["options"] = options + ["", ""]
        return await _form_page(request, actor, group, values, {})
    try:
        poll = await polls.poll_create(actor, group_id, PollCreate(
            question=form.get("question", ""), options=[o for o in options if o.strip()],
            multiple=values["multiple"], anonymous=values["anonymous"],
            results_visibility=form.get("results_visibility", ""), closes_at=form.get("closes_at"),
            description=form.get("description", ""),
        ))
    except Invalid as exc:
        values["options"] = options + [""] * max(0, 2 - len(options))
        return await _form_page(request, actor, group, values, status_code=422, **form_error_page(exc))
    return redirect(request, f"/polls/{poll['id']}", _("Poll created. Members can vote now."))


async def _detail(request: Request, actor: Actor, poll: dict, errors: dict | None = None,
                  status_code: int = 200) -> Template:
    group = await groups.group_row(poll["group_id"])
    return await render(request, "polls/detail.html", nav="groups", poll=poll, group=group, errors=errors or {},
                        page_title=poll["question"], status_code=status_code)


@get("/polls/{poll_id:str}", guards=SIGNED_IN, include_in_schema=False)
async def poll_detail(request: Request, actor: Actor, poll_id: str) -> Template:
    return await _detail(request, actor, await polls.poll_get(actor, poll_id))


@post("/polls/{poll_id:str}/vote", guards=SIGNED_IN, include_in_schema=False)
async def poll_vote(request: Request, actor: Actor, poll_id: str) -> Template | Redirect:
    raw = await request.form()
    choice = [o for o in raw.getall("option_ids", []) if isinstance(o, str)]
    back = local_path(raw.get("back") if isinstance(raw.get("back"), str) else None, f"/polls/{poll_id}")
    try:
        poll = await polls.poll_vote(actor, poll_id, choice)
    except Invalid as exc:
        poll = await polls.poll_get(actor, poll_id)
        return await _detail(request, actor, poll, errors=form_error_page(exc)["errors"], status_code=422)
    except (Conflict, Forbidden) as exc:
        return redirect(request, back, exc.message, kind="error")
    labels = [o["label"] for o in poll["options"] if o["mine"]]
    return redirect(request, back, _("Vote saved: {choice}.", choice=", ".join(labels)))


@post("/polls/{poll_id:str}/close", guards=SIGNED_IN, include_in_schema=False)
async def poll_close(request: Request, actor: Actor, poll_id: str) -> Redirect:
    await polls.poll_close(actor, poll_id)
    return redirect(request, f"/polls/{poll_id}", _("Poll closed. The results are final."))


@post("/polls/{poll_id:str}/delete", guards=SIGNED_IN, include_in_schema=False)
async def poll_remove(request: Request, actor: Actor, poll_id: str) -> Redirect:
    row = await polls.poll_delete(actor, poll_id)
    return redirect(request, f"/groups/{row['group_id']}/polls", _("Poll deleted."))


# -- the group dashboard's "Polls" --------------------------------------------------------------
async def open_polls_section(actor: Actor, group: dict) -> dict | None:
    """Four of the 20 newest open polls, the ones still waiting for me first, with what their cards
    show (`polls.polls_waiting`: not their options and votes, which `polls.polls_list` adds)."""
    shown, count = await polls.polls_waiting(actor, group, newest=20, shown=4)
    if not shown:
        return None
    return {"polls": shown, "count": count, "more": count > 4,
            "member_count": await groups.member_count(group["id"])}


HANDLERS = [poll_index, poll_new, poll_create, poll_detail, poll_vote, poll_close, poll_remove]
