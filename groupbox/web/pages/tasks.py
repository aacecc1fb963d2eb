"""Task pages: the group's board (`/groups/{id}/tasks`, `?mine=1`), create/edit forms, the
detail page, and the no-JS forms that move a task. Also the "My tasks" dashboard section."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.response import Redirect, Template

from groupbox.access import Actor, can, role_may
from groupbox.domain.groups import service as groups
from groupbox.domain.objects import tasks
from groupbox.domain.objects.schemas import TaskCreate, TaskInput
from groupbox.errors import DomainError, Forbidden, Invalid
from groupbox.i18n import N_, _
from groupbox.timefmt import local
from groupbox.web.pages.groups import (
    group_page,
)
from groupbox.web.support import SIGNED_IN, form_data, form_error_page, local_path, redirect, render

COLUMNS = (("open", N_("Open")), ("doing", N_("Doing")), ("done", N_("Done")))
MOVE_DONE = {"open": N_("Reopened."), "doing": N_("Started — it's in Doing."), "done": N_("Done. Thank you!")}



def _input_time(value, tz: str) -> str:
    dt = local(value, tz)
    return dt.strftime("%Y-%m-%dT%H:%M") if dt else ""


async def _assignable(actor: Actor, group_id: str) -> list[dict]:
    members = await groups.members_list(actor, group_id)
    return [m for m in members if m["status"] == "active" and role_may(m["role"], "act")]


async def _form_page(request: Request, actor: Actor, group: dict, *, values: dict, errors: dict,
                     task: dict | None = None, status_code: int = 200) -> Template:
    return await group_page(request, actor, "tasks/form.html", group, "tasks", values=values, errors=errors,
                            task=task, members=await _assignable(actor, group["id"]), status_code=status_code,
                            me=actor.membership(group["id"]),
                            page_title=_("Edit task") if task else _("New task"))


# -- board --------------------------------------------------------------------------------------
@get("/groups/{group_id:str}/tasks", guards=SIGNED_IN, include_in_schema=False)
async def task_board(request: Request, actor: Actor, group_id: str, mine: bool = False) -> Template:
    group = await groups.group_get(actor, group_id)
    rows = await tasks.tasks_list(actor, group_id, mine=mine)
    columns = [(key, _(label), [t for t in rows if t["status"] == key]) for key, label in COLUMNS]
    return await group_page(request, actor, "tasks/board.html", group, "tasks", columns=columns, mine=mine,
                            total=len(rows), can_create=can(actor, "object.create", group),
                            me=actor.membership(group_id), back=request.url.path + ("?mine=1" if mine else ""))


# -- create / edit ------------------------------------------------------------------------------
@get("/groups/{group_id:str}/tasks/new", guards=SIGNED_IN, include_in_schema=False)
async def task_new(request: Request, actor: Actor, group_id: str) -> Template:
    group = await groups.group_get(actor, group_id)
    if not can(actor, "object.create", group):
        raise Forbidden(_("Only admins and moderators create tasks in this group."))
    return await _form_page(request, actor, group, values={"assignee_ids": []}, errors={})


@post("/groups/{group_id:str}/tasks/new", guards=SIGNED_IN, include_in_schema=False)
async def task_create(request: Request, actor: Actor, group_id: str) -> Template | Redirect:
    group = await groups.group_get(actor, group_id)
    raw = await request.form()
    form = await form_data(request)
    values = {**form, "assignee_ids": raw.getall("assignee_ids", [])}
    try:
        task = await tasks.task_create(actor, group_id, TaskCreate(
            title=form.get("title", ""), description=form.get("description", ""),
            assignee_ids=values["assignee_ids"], due_at=form.get("due_at")))
    except Invalid as exc:
        return await _form_page(request, actor, group, values=values, status_code=422, **form_error_page(exc))
    return redirect(request, f"/groups/{group_id}/tasks", _("Task added: {title}.", title=task["title"]))


@get("/tasks/{task_id:str}/edit", guards=SIGNED_IN, include_in_schema=False)
async def task_edit(request: Request, actor: Actor, task_id: str) -> Template:
    task = await tasks.task_get(actor, task_id)
    if not task["may_edit"]:
        raise Forbidden(_("Only the task's author and moderators can edit it."))
    group = await groups.group_row(task["group_id"])
    values = {"title": task["title"], "description": task["description"],
              "due_at": _input_time(task["due_at"], group["timezone"]),
              "assignee_ids": [a["id"] for a in task["assignees"]]}
    return await _form_page(request, actor, group, values=values, errors={}, task=task)


@post("/tasks/{task_id:str}/edit", guards=SIGNED_IN, include_in_schema=False)
async def task_save(request: Request, actor: Actor, task_id: str) -> Template | Redirect:
    task = await tasks.task_get(actor, task_id)
    group = await groups.group_row(task["group_id"])
    raw = await request.form()
    form = await form_data(request)
    values = {**form, "assignee_ids": raw.getall("assignee_ids", [])}
    try:
        await tasks.task_update(actor, task_id, TaskInput(
            title=form.get("title", ""), description=form.get("description", ""),
            assignee_ids=values["assignee_ids"], due_at=form.get("due_at") or None))
    except Invalid as exc:
        return await _form_page(request, actor, group, values=values, task=task, status_code=422,
                                **form_error_page(exc))
    return redirect(request, f"/tasks/{task_id}", _("Task saved."))


# -- detail, move, delete -----------------------------------------------------------------------
@get("/tasks/{task_id:str}", guards=SIGNED_IN, include_in_schema=False)
async def task_detail(request: Request, actor: Actor, task_id: str) -> Template:
    task = await tasks.task_get(actor, task_id)
    group = await groups.group_row(task["group_id"])
    return await render(request, "tasks/detail.html", nav="groups", task=task, group=group,
                        page_title=task["title"], back=f"/tasks/{task_id}")


@post("/tasks/{task_id:str}", guards=SIGNED_IN, include_in_schema=False)
async def task_move(request: Request, actor: Actor, task_id: str) -> Redirect:
    """The no-JS "Start" / "Done" / "Reopen" buttons: a `status` field, and where to go back to."""
    form = await form_data(request)
    back = local_path(form.get("back"), f"/tasks/{task_id}")
    try:
        task = await tasks.task_set_status(actor, task_id, form.get("status"))
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        return redirect(request, back, exc.message, kind="error")
    return redirect(request, back, _(MOVE_DONE[task["status"]]))


@post("/tasks/{task_id:str}/delete", guards=SIGNED_IN, include_in_schema=False)
async def task_remove(request: Request, actor: Actor, task_id: str) -> Redirect:
    row = await tasks.task_delete(actor, task_id)
    return redirect(request, f"/groups/{row['group_id']}/tasks", _("Task deleted."))


# -- the group dashboard's "My tasks" -----------------------------------------------------------
async def my_tasks_section(actor: Actor, group: dict) -> dict | None:
    rows = await tasks.my_open_tasks(actor, [group["id"]])
    if not rows:
        return None
    return {"tasks": rows[:5], "count": len(rows), "more": len(rows) > 5}


HANDLERS = [task_board, task_new, task_create, task_edit, task_save, task_detail, task_move, task_remove]
