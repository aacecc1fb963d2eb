"""SQL for tasks and who they are assigned to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from groupbox.db.engine import DB
from groupbox.domain.objects.store.common import marks as _marks

TABLES = ("task", "task_assignee")
READS = {
    "member": "assignees are listed with their names (one join per list of tasks)",
}
FOREIGN_WRITES: dict[str, str] = {}

# Columns an edit may set (the names come from the service, never from input).
_EDITABLE = frozenset({"title", "description", "due_at", "status", "done_at", "done_by_id", "seq", "updated_at"})


async def task_insert(*, task_id: str, group_id: str, author_id: str | None, title: str, description: str,
                      due_at: datetime | None, seq: int, stamp: datetime) -> None:
    await DB.execute(
        "INSERT INTO task (id, group_id, author_id, title, description, due_at, status, seq, created_at,"
        " updated_at) VALUES (?,?,?,?,?,?,'open',?,?,?)",
        task_id, group_id, author_id, title, description, due_at, seq, stamp, stamp,
    )


async def task_update(task_id: str, updates: dict[str, Any]) -> None:
    unknown = set(updates) - _EDITABLE
    if unknown or not updates:
        raise ValueError(f"not editable task columns: {sorted(unknown)}")
    assignments = ", ".join(f"{key} = ?" for key in updates)
    async with DB.write():
        await DB.execute(f"UPDATE task SET {assignments} WHERE id = ?", *updates.values(), task_id)
        if "status" in updates:
            await assignees_reopen(task_id)


# Is the task open (not done, not deleted)? What its assignments carry (m0029).
_OPEN = "(SELECT t.status != 'done' AND t.deleted_at IS NULL FROM task t WHERE t.id = {})"


async def assignees_reopen(task_id: str) -> None:
    """Its assignments' `open` from the task as it is now (after a change of status or a delete)."""
    await DB.execute(f"UPDATE task_assignee SET open = {_OPEN.format('task_assignee.task_id')} WHERE task_id = ?",
                     task_id)


async def tasks_of_group(group_id: str, *, status: str | None = None, assignee_id: str | None = None) -> list[dict]:
    """The group's live tasks, optionally of one status or assigned to one member."""
    sql = "SELECT t.* FROM task t WHERE t.group_id = ? AND t.deleted_at IS NULL"
    params: list[Any] = [group_id]
    if status is not None:
        sql += " AND t.status = ?"
        params.append(status)
    if assignee_id is not None:
        sql += " AND EXISTS (SELECT 1 FROM task_assignee a WHERE a.task_id = t.id AND a.member_id = ?)"
        params.append(assignee_id)
    return await DB.fetch(sql, *params)


async def tasks_open_assigned(member_ids: list[str]) -> list[dict]:
    """Live tasks not done yet that are assigned to one of these members."""
    if not member_ids:
        return []
    # From my open assignments (m0029: `open` is kept current on every status change and delete)
    # to their tasks, not every task ever assigned to me, nor every live task of the instance probed
    # for an assignment of mine. A person is one member per group, and a task is in one group: no
    # task comes twice.
    return await DB.fetch(
        f"SELECT t.* FROM task_assignee a JOIN task t ON t.id = a.task_id WHERE a.member_id IN ({_marks(member_ids)})"
        " AND a.open = TRUE AND t.deleted_at IS NULL AND t.status != 'done'",
        *member_ids,
    )


async def assignees_of(task_ids: list[str]) -> list[dict]:
    """task_id, id, display_name, status of each task's assignees, by name."""
    if not task_ids:
        return []
    return await DB.fetch(
        "SELECT a.task_id, m.id, m.display_name, m.status FROM task_assignee a JOIN member m ON m.id = a.member_id"
        f" WHERE a.task_id IN ({_marks(task_ids)}) ORDER BY lower(m.display_name), m.id",
        *task_ids,
    )


async def assignee_ids(task_id: str) -> set[str]:
    rows = await DB.fetch("SELECT member_id FROM task_assignee WHERE task_id = ?", task_id)
    return {r["member_id"] for r in rows}


async def is_assigned(task_id: str, member_id: str) -> bool:
    row = await DB.fetchone("SELECT 1 AS x FROM task_assignee WHERE task_id = ? AND member_id = ?", task_id, member_id)
    return row is not None


async def assignees_set(task_id: str, member_ids: list[str]) -> None:
    """Replace the task's assignees (inside the caller's write transaction)."""
    async with DB.write():
        await DB.execute("DELETE FROM task_assignee WHERE task_id = ?", task_id)
        for member_id in member_ids:
            await DB.execute(f"INSERT INTO task_assignee (task_id, member_id, open) VALUES (?,?,{_OPEN.format('?')})",
                             task_id, member_id, task_id)


async def tasks_assigned_to(member_id: str) -> list[dict]:
    """id, group_id of the tasks this member is assigned to."""
    return await DB.fetch(
        "SELECT t.id, t.group_id FROM task t JOIN task_assignee a ON a.task_id = t.id WHERE a.member_id = ?",
        member_id,
    )


async def assignments_delete_of_member(member_id: str) -> None:
    await DB.execute("DELETE FROM task_assignee WHERE member_id = ?", member_id)
