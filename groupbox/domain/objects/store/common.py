"""SQL every object kind shares: tombstones and the columns every object table has (seq, updated_at, deleted_at)."""

from __future__ import annotations

from datetime import datetime

from groupbox.db.engine import DB
from groupbox.util import new_id

TABLES = ("tombstone",)

# Object tables carry `group_id, seq, created_at, updated_at, deleted_at` (and polls and sign-up
# sheets `closes_at, closed_at`): soft delete, "changed" (a new seq), close and the live-row
# lookups are written once here for every kind rather than seven times.
OBJECT_TABLES = frozenset({"announcement", "event", "task", "poll", "signup", "thread", "file"})
CLOSABLE_TABLES = frozenset({"poll", "signup"})

READS: dict[str, str] = {}
FOREIGN_WRITES = {
    table: "the shared object columns (seq, updated_at, deleted_at, closed_at): soft delete, touch and close are "
           "one statement for every kind" for table in sorted(OBJECT_TABLES)
}

# Open = not closed early by an editor and the deadline (if any) not passed.
_OPEN_NOW = "closed_at IS NULL AND (closes_at IS NULL OR closes_at > ?)"


def marks(values: list | tuple) -> str:
    """`?,?,?` for an `IN (...)` of these values (callers guard against an empty list)."""
    return ",".join("?" * len(values))


def _object_table(table: str) -> str:
    if table not in OBJECT_TABLES:
        raise ValueError(f"{table!r} is not an object table")
    return table


def _closable_table(table: str) -> str:
    if table not in CLOSABLE_TABLES:
        raise ValueError(f"{table!r} has no open/closed state")
    return table


async def tombstone_insert(group_id: str, object_type: str, object_id: str, seq: int, deleted_at: datetime) -> None:
    await DB.execute(
        "INSERT INTO tombstone (id, group_id, object_type, object_id, seq, deleted_at) VALUES (?,?,?,?,?,?)",
        new_id(), group_id, object_type, object_id, seq, deleted_at,
    )


async def object_mark_deleted(table: str, object_id: str, seq: int, stamp: datetime) -> None:
    await DB.execute(f"UPDATE {_object_table(table)} SET deleted_at = ?, updated_at = ?, seq = ? WHERE id = ?",
                     stamp, stamp, seq, object_id)


async def object_touch(table: str, object_id: str, seq: int, stamp: datetime) -> None:
    await DB.execute(f"UPDATE {_object_table(table)} SET seq = ?, updated_at = ? WHERE id = ?", seq, stamp, object_id)


async def object_close(table: str, object_id: str, seq: int, stamp: datetime) -> None:
    await DB.execute(f"UPDATE {_closable_table(table)} SET closed_at = ?, seq = ?, updated_at = ? WHERE id = ?",
                     stamp, seq, stamp, object_id)


async def object_live(table: str, object_id: str) -> dict | None:
    return await DB.fetchone(f"SELECT * FROM {_object_table(table)} WHERE id = ? AND deleted_at IS NULL", object_id)


async def objects_of_group(table: str, group_id: str, *, open_at: datetime | None = None,
                           limit: int | None = None) -> list[dict]:
    """A group's live objects, newest first; only those open at `open_at` when given."""
    sql = f"SELECT * FROM {_object_table(table)} WHERE group_id = ? AND deleted_at IS NULL"
    params: list = [group_id]
    if open_at is not None:
        sql += f" AND {_OPEN_NOW}"
        params.append(open_at)
    sql += " ORDER BY created_at DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return await DB.fetch(sql, *params)


async def objects_open_count(table: str, group_id: str, at: datetime) -> int:
    """How many of a group's polls or sheets are open at `at`: from the open ones' index alone.
    (Counting them in the list's query, with a window, made SQLite sort every row of the group:
    0.13 ms, against 0.075 for the list and 0.02 for this.)"""
    row = await DB.fetchone(
        f"SELECT COUNT(*) AS n FROM {_closable_table(table)} WHERE group_id = ? AND deleted_at IS NULL AND {_OPEN_NOW}",
        group_id, at,
    )
    return row["n"]
