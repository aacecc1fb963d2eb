"""Tasks (SPEC §7): title, Markdown description, assignees, due date, status open → doing → done.

Rules:
- Creating a task is `object.create` (moderators and up; members when the group lets them).
- Assignees are active members of the same group who may act (not guests); anything else is
  refused as a whole. New assignees hear about it ("task_assigned"), never the person who
  assigned them.
- An assignee may move their own task (`act`); anyone who may edit the task (`object.edit`)
  may move any task and change everything else.
- Deleting leaves a tombstone. Lists: by due date (undated last), then newest first.
- A member who leaves is taken off their tasks.
"""

from __future__ import annotations

from datetime import UTC, datetime

from groupbox.access import Actor, can, require, role_may
from groupbox.db.engine import DB
from groupbox.domain.groups import service as groups
from groupbox.domain.groups import store as groups_store
from groupbox.domain.notify import service as notify
from groupbox.domain.objects import common
from groupbox.domain.objects.schemas import TaskCreate, TaskInput
from groupbox.domain.objects.store import tasks as store
from groupbox.errors import Forbidden, Invalid
from groupbox.i18n import _, lazy
from groupbox.timefmt import clean_moment
from groupbox.util import as_utc, new_id, now

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
STATUSES = ("open", "doing", "done")
MAX_ASSIGNEES = 50
_NEVER = datetime.max.replace(tzinfo=UTC)


# -- validation (one validator per input, shared by forms, API and CLI) -------------------------
def clean_title(raw: str | None) -> str:
    return common.clean_line(raw, field="title", max_len=TITLE_MAX, empty=_("Say what needs doing."))


def clean_description(raw: str | None) -> str:
    return common.clean_text(raw, field="description", max_len=DESCRIPTION_MAX)


def clean_status(raw: str | None) -> str:
    status = (raw or "").strip().lower()
    if status not in STATUSES:
        raise Invalid(_("Status must be one of: open, doing, done."), field="status")
    return status


def clean_due_at(raw: str | datetime | None, tz: str) -> datetime | None:
    """ISO 8601 with offset, or naive = the group's zone. A bare date means the end of that day."""
    if isinstance(raw, str) and len(raw.strip()) == 10:  # "2026-05-28": due that day
        raw = raw.strip() + "T23:59"
    return clean_moment(raw, tz, "due_at")


async def clean_assignees(group_id: str, raw: list[str] | None) -> list[str]:
    """Member ids of people in this group who may act on a task; refused as a whole otherwise."""
    ids = [i.strip() for i in dict.fromkeys(raw or []) if i and i.strip()]
    if not ids:
        return []
    if len(ids) > MAX_ASSIGNEES:
        raise Invalid(_("Please assign at most {n} people.", n=MAX_ASSIGNEES), field="assignee_ids")
    rows = await groups_store.members_active_among(group_id, ids)
    if len(rows) != len(ids):
        raise Invalid(_("Assign people who are in this group."), field="assignee_ids")
    if not all(role_may(r["role"], "act") for r in rows):
        raise Invalid(_("Guests can only read. Make them a member before assigning a task."), field="assignee_ids")
    return ids


# -- reading ------------------------------------------------------------------------------------
async def _row(task_id: str) -> dict:
    return await common.live_row("task", task_id)


async def _visible(actor: Actor, task_id: str) -> tuple[dict, dict]:
    """The task and its group, if the actor is in that group (NotFound otherwise)."""
    row = await _row(task_id)
    require(actor, "group.view", row)
    group = await groups.group_row(row["group_id"])
    return row, group


async def _decorate(actor: Actor, rows: list[dict], group: dict | None = None) -> list[dict]:
    """Add assignees, author name, url and what the actor may do with each task."""
    if not rows:
        return rows
    assigned = await store.assignees_of([r["id"] for r in rows])
    by_task: dict[str, list[dict]] = {}
    for a in assigned:
        by_task.setdefault(a.pop("task_id"), []).append(a)
    names = await common.member_names([r["author_id"] for r in rows if r["author_id"]]
                                      + [r["done_by_id"] for r in rows if r["done_by_id"]])
    groups_by_id: dict[str, dict] = {group["id"]: group} if group else {}
    stamp = now()
    for row in rows:
        gid = row["group_id"]
        if gid not in groups_by_id:
            groups_by_id[gid] = await groups.group_row(gid)
        g = groups_by_id[gid]
        me = actor.membership(gid)
        row["assignees"] = by_task.get(row["id"], [])
        row["author_name"] = names.get(row["author_id"], {}).get("display_name", "") if row["author_id"] else ""
        row["done_by_name"] = names.get(row["done_by_id"], {}).get("display_name", "") if row["done_by_id"] else ""
        row["url"] = f"/tasks/{row['id']}"
        row["overdue"] = bool(row["due_at"]) and row["status"] != "done" and as_utc(row["due_at"]) < stamp
        row["mine"] = bool(me) and any(a["id"] == me.member_id for a in row["assignees"])
        row["may_edit"] = can(actor, "object.edit", row, g)
        row["may_move"] = row["may_edit"] or (row["mine"] and can(actor, "act", row, g))
        row["group"] = {"id": g["id"], "name": g["name"], "color_index": g["color_index"], "timezone": g["timezone"]}
    return rows


def _order(rows: list[dict]) -> list[dict]:
    """By due date (undated last), then newest first."""
    rows.sort(key=lambda r: r["created_at"], reverse=True)
    rows.sort(key=lambda r: (r["due_at"] is None, r["due_at"] or _NEVER))
    return rows


async def task_get(actor: Actor, task_id: str) -> dict:
    row, group = await _visible(actor, task_id)
    return (await _decorate(actor, [row], group))[0]


async def tasks_list(actor: Actor, group_id: str, *, mine: bool = False, status: str | None = None) -> list[dict]:
    """The group's tasks (optionally only the actor's, or one status)."""
    group = await groups.group_get(actor, group_id)
    me = actor.membership(group_id)
    rows = await store.tasks_of_group(group_id, status=clean_status(status) if status else None,
                                      assignee_id=me.member_id if mine else None)
    return _order(await _decorate(actor, rows, group))


async def my_open_tasks(actor: Actor, group_ids: list[str] | None = None) -> list[dict]:
    """Tasks assigned to the actor that are not done yet, in these groups (all of theirs by
    default): for the home dashboard. Each has `kind` "task", `group`, `title`, `due_at`,
    `status` and `url` (the action item shape of SPEC §15.1)."""
    wanted = [g for g in (group_ids if group_ids is not None else actor.group_ids) if actor.membership(g)]
    member_ids = [actor.memberships[g].member_id for g in wanted]
    if not member_ids:
        return []
    rows = _order(await _decorate(actor, await store.tasks_open_assigned(member_ids)))
    for row in rows:
        row["kind"] = "task"
    return rows


# -- writing ------------------------------------------------------------------------------------
async def task_create(actor: Actor, group_id: str, data: TaskCreate) -> dict:
    """Add a task from `data` (the form's, the API's or the CLI's input); it starts open."""
    group = await groups.group_get(actor, group_id)
    me = require(actor, "object.create", group)
    clean = {
        "title": clean_title(data.title),
        "description": clean_description(data.get("description", "")),
        "due_at": clean_due_at(data.get("due_at"), group["timezone"]),
    }
    assignees = await clean_assignees(group_id, data.get("assignee_ids"))
    task_id = new_id()
    stamp = now()
    async with DB.write():
        seq = await common.next_seq(group_id)
        await store.task_insert(task_id=task_id, group_id=group_id, author_id=me.member_id, title=clean["title"],
                                description=clean["description"], due_at=clean["due_at"], seq=seq, stamp=stamp)
        await store.assignees_set(task_id, assignees)
        await _tell_assignees(assignees, group_id, task_id, clean["title"], me.member_id)
    return await task_get(actor, task_id)


async def _tell_assignees(member_ids: list[str], group_id: str, task_id: str, title: str, actor_member: str) -> None:
    if member_ids:
        await notify.notify(member_ids, "task_assigned", group_id=group_id, title=lazy("Task for you: {title}", title=title),
                            url=f"/tasks/{task_id}", object_type="task", object_id=task_id,
                            exclude_member=actor_member)


async def task_set_status(actor: Actor, task_id: str, status: str | None) -> dict:
    """Move a task: its assignees may, and anyone who may edit it."""
    return await task_update(actor, task_id, TaskInput(status=status))


async def task_update(actor: Actor, task_id: str, data: TaskInput) -> dict:
    """Change a task: only the fields present in `data`. `status` alone is what assignees may do;
    the rest needs `object.edit`. A null `due_at` clears the due date; leaving it out keeps it."""
    changes = data.given(clears=("due_at",))
    status, title, description = changes.get("status"), changes.get("title"), changes.get("description")
    assignee_ids = changes.get("assignee_ids")
    row, group = await _visible(actor, task_id)
    me = actor.membership(row["group_id"])
    editing = any(name in changes for name in ("title", "description", "assignee_ids", "due_at"))
    if editing:
        require(actor, "object.edit", row, group)
    if status is not None and not can(actor, "object.edit", row, group):
        if not await store.is_assigned(task_id, me.member_id):
            require(actor, "object.edit", row, group)  # raises Forbidden with the usual message
        if not can(actor, "act", row, group):
            raise Forbidden(_("You are not allowed to do that in this group."))
    values: dict = {}
    if title is not None:
        values["title"] = clean_title(title)
    if description is not None:
        values["description"] = clean_description(description)
    if "due_at" in changes:
        values["due_at"] = clean_due_at(changes["due_at"], group["timezone"])
    if status is not None:
        new_status = clean_status(status)
        if new_status != row["status"]:
            values["status"] = new_status
            values["done_at"] = now() if new_status == "done" else None
            values["done_by_id"] = me.member_id if new_status == "done" else None
    new_assignees = await clean_assignees(row["group_id"], assignee_ids) if assignee_ids is not None else None
    if not values and new_assignees is None:
        return await task_get(actor, task_id)
    async with DB.write():
        values["seq"] = await common.next_seq(row["group_id"])
        values["updated_at"] = now()
        await store.task_update(task_id, values)
        if new_assignees is not None:
            before = await store.assignee_ids(task_id)
            await store.assignees_set(task_id, new_assignees)
            added = [m for m in new_assignees if m not in before]
            await _tell_assignees(added, row["group_id"], task_id, values.get("title", row["title"]), me.member_id)
    return await task_get(actor, task_id)


async def task_delete(actor: Actor, task_id: str) -> dict:
    row, group = await _visible(actor, task_id)
    require(actor, "object.edit", row, group)
    async with DB.write():
        await common.soft_delete("task", row)
        await store.assignees_reopen(task_id)  # no longer open for its assignees
    return row


# -- a member who leaves ------------------------------------------------------------------------
async def member_left(member_id: str) -> None:
    """Take someone who left off their tasks (inside the leaving transaction)."""
    await common.forget_member(member_id, "task", store.tasks_assigned_to, store.assignments_delete_of_member)

