"""JSON API for tasks (SPEC §15, §15.1). Thin: parse, call the service, shape."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import delete, get, patch, post

from groupbox.access import Actor
from groupbox.domain.objects import tasks
from groupbox.domain.objects.schemas import TaskCreate, TaskInput
from groupbox.web.support import SIGNED_IN


class PersonOut(msgspec.Struct):
    id: str
    display_name: str


class TaskOut(msgspec.Struct):
    id: str
    group_id: str
    author_id: str | None
    author_name: str
    title: str
    description: str
    due_at: datetime | None
    status: str
    done_at: datetime | None
    done_by_name: str
    assignees: list[PersonOut]
    stays_here: bool
    seq: int
    created_at: datetime
    updated_at: datetime
    url: str
    mine: bool
    may_move: bool
    may_edit: bool


class TaskList(msgspec.Struct):
    items: list[TaskOut]


def task_out(row: dict) -> TaskOut:
    return TaskOut(
        id=row["id"], group_id=row["group_id"], author_id=row["author_id"], author_name=row["author_name"],
        title=row["title"], description=row["description"], due_at=row["due_at"], status=row["status"],
        done_at=row["done_at"], done_by_name=row["done_by_name"],
        assignees=[PersonOut(a["id"], a["display_name"]) for a in row["assignees"]],
        stays_here=bool(row["stays_here"]), seq=row["seq"], created_at=row["created_at"],
        updated_at=row["updated_at"], url=row["url"], mine=row["mine"], may_move=row["may_move"],
        may_edit=row["may_edit"],
    )


@get("/api/groups/{group_id:str}/tasks", guards=SIGNED_IN, tags=["tasks"])
async def tasks_list(actor: Actor, group_id: str, mine: bool = False, status: str | None = None) -> TaskList:
    """The group's tasks by due date, then newest; `?mine=1` only mine, `?status=open|doing|done`."""
    rows = await tasks.tasks_list(actor, group_id, mine=mine, status=status)
    return TaskList(items=[task_out(r) for r in rows])


@post("/api/groups/{group_id:str}/tasks", guards=SIGNED_IN, tags=["tasks"])
async def tasks_create(actor: Actor, group_id: str, data: TaskCreate) -> TaskOut:
    return task_out(await tasks.task_create(actor, group_id, data))


@get("/api/tasks/{task_id:str}", guards=SIGNED_IN, tags=["tasks"])
async def tasks_get(actor: Actor, task_id: str) -> TaskOut:
    return task_out(await tasks.task_get(actor, task_id))


@patch("/api/tasks/{task_id:str}", guards=SIGNED_IN, tags=["tasks"])
async def tasks_update(actor: Actor, task_id: str, data: TaskInput) -> TaskOut:
    """Only `status` is needed to move a task (what assignees may do); editors may change the
    rest. `"due_at": null` clears the due date."""
    return task_out(await tasks.task_update(actor, task_id, data))


@delete("/api/tasks/{task_id:str}", guards=SIGNED_IN, tags=["tasks"])
async def tasks_delete(actor: Actor, task_id: str) -> None:
    await tasks.task_delete(actor, task_id)


HANDLERS = [tasks_list, tasks_create, tasks_get, tasks_update, tasks_delete]
