"""What every structured object shares: the group's change sequence, tombstones, authorship.

Every write to an object of a group takes the next value of that group's sequence (`grp.seq`)
and stores it on the row (`seq`). "Changed since", catch-up and sync then ask for rows with
`seq > cursor`. Deletions leave a tombstone with their own sequence number.
Call these inside the write transaction that changes the object.
"""

from __future__ import annotations

from groupbox.access import role_filter
from groupbox.db.engine import DB
from groupbox.errors import Invalid
from groupbox.i18n import _
from groupbox.util import new_id, now


# -- validation shared by every object's inputs -------------------------------------------------
def clean_line(raw: str | None, *, field: str, max_len: int, empty: str | None = None) -> str:
    """One line of text (a title, a question, a place): spaces folded; `empty` is the message
    when it is required and missing."""
    text = " ".join((raw or "").split())
    if not text and empty:
        raise Invalid(empty, field=field)
    if len(text) > max_len:
        raise Invalid(_("Please use at most {n} characters.", n=max_len), field=field)
    return text


def clean_text(raw: str | None, *, field: str, max_len: int) -> str:
    """Free text (Markdown): trimmed, optional."""
    text = (raw or "").strip()
    if len(text) > max_len:
        raise Invalid(_("Please use at most {n} characters.", n=max_len), field=field)
    return text


async def next_seq(group_id: str) -> int:
    """Reserve the group's next change number (inside the caller's write transaction)."""
    async with DB.write() as tx:
        rows = await tx.connection.execute_fetchall(
            "UPDATE grp SET seq = seq + 1 WHERE id = ? RETURNING seq", (group_id,)
        )
    return rows[0]["seq"]


async def tombstone(group_id: str, object_type: str, object_id: str) -> int:
    """Record that an object is gone (for sync and "changed since"); returns its seq."""
    seq = await next_seq(group_id)
    await DB.execute(
        "INSERT INTO tombstone (id, group_id, object_type, object_id, seq, deleted_at) VALUES (?,?,?,?,?,?)",
        new_id(), group_id, object_type, object_id, seq, now(),
    )
    return seq


async def member_names(member_ids: list[str]) -> dict[str, dict]:
    """id -> {display_name, status} for showing authors (a left member shows as former)."""
    if not member_ids:
        return {}
    unique = list(dict.fromkeys(member_ids))
    marks = ",".join("?" * len(unique))
    rows = await DB.fetch(f"SELECT id, display_name, status, role FROM member WHERE id IN ({marks})", *unique)
    return {r["id"]: r for r in rows}


# Tables of objects that carry `group_id, seq, updated_at, deleted_at` (see the module docstring).
OBJECT_TABLES = frozenset({"announcement", "event", "task", "poll", "signup", "thread", "file"})


def _object_table(table: str) -> str:
    if table not in OBJECT_TABLES:
        raise ValueError(f"{table!r} is not an object table")
    return table


async def soft_delete(table: str, row: dict) -> int:
    """Delete an object for everyone: `deleted_at` set, a tombstone for sync; returns its seq."""
    async with DB.write():
        seq = await tombstone(row["group_id"], table, row["id"])
        stamp = now()
        await DB.execute(f"UPDATE {_object_table(table)} SET deleted_at = ?, updated_at = ?, seq = ? WHERE id = ?",
                         stamp, stamp, seq, row["id"])
    return seq


async def touch(table: str, rows: list[dict]) -> None:
    """Give objects whose dependants changed (answers, votes, places) a new seq, so "changed
    since" and sync see them."""
    async with DB.write():
        for row in rows:
            await DB.execute(f"UPDATE {_object_table(table)} SET seq = ?, updated_at = ? WHERE id = ?",
                             await next_seq(row["group_id"]), now(), row["id"])


async def forget_member(member_id: str, table: str, affected_sql: str, delete_sql: str) -> None:
    """Someone left: delete what they gave (`delete_sql`, one `?` for the member) and give the
    objects it hung on (`affected_sql`, rows of `id, group_id`) a new seq."""
    rows = await DB.fetch(affected_sql, member_id)
    async with DB.write():
        await DB.execute(delete_sql, member_id)
        await touch(table, rows)


# Polls and sign-up sheets close: at `closes_at`, or early when an editor sets `closed_at`.
_CLOSABLE = frozenset({"poll", "signup"})
OPEN_NOW = "closed_at IS NULL AND (closes_at IS NULL OR closes_at > ?)"


def is_closed(row: dict, at=None) -> bool:
    """A poll or sheet is closed early by an editor, or past its deadline (`OPEN_NOW` in SQL)."""
    from groupbox.util import as_utc

    if row.get("closed_at"):
        return True
    closes_at = row.get("closes_at")
    return bool(closes_at) and as_utc(closes_at) <= (at or now())


async def close_now(table: str, row: dict) -> None:
    """An editor closes a poll or sheet now (nothing happens if it is already closed)."""
    if table not in _CLOSABLE:
        raise ValueError(f"{table!r} has no open/closed state")
    if is_closed(row):
        return
    async with DB.write():
        stamp = now()
        await DB.execute(f"UPDATE {table} SET closed_at = ?, seq = ?, updated_at = ? WHERE id = ?",
                         stamp, await next_seq(row["group_id"]), stamp, row["id"])


async def group_rows(table: str, group_id: str, *, open_only: bool = False, limit: int | None = None) -> list[dict]:
    """A group's live objects of one kind, newest first (only open ones with `open_only`)."""
    if table not in _CLOSABLE and open_only:
        raise ValueError(f"{table!r} has no open/closed state")
    sql = f"SELECT * FROM {_object_table(table)} WHERE group_id = ? AND deleted_at IS NULL"
    params: list = [group_id]
    if open_only:
        sql += f" AND {OPEN_NOW}"
        params.append(now())
    sql += " ORDER BY created_at DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return await DB.fetch(sql, *params)


async def count_open(table: str, group_id: str) -> int:
    if table not in _CLOSABLE:
        raise ValueError(f"{table!r} has no open/closed state")
    row = await DB.fetchone(
        f"SELECT COUNT(*) AS n FROM {table} WHERE group_id = ? AND deleted_at IS NULL AND {OPEN_NOW}", group_id, now(),
    )
    return row["n"]


async def live_row(table: str, object_id: str) -> dict:
    """An object that exists and is not deleted, or NotFound."""
    from groupbox.errors import NotFound

    row = await DB.fetchone(f"SELECT * FROM {_object_table(table)} WHERE id = ? AND deleted_at IS NULL", object_id)
    if row is None:
        raise NotFound(_("Not found"))
    return row


async def acting_members(group_id: str) -> list[dict]:
    """Who is asked to answer or acknowledge: active members who may act (never guests), by name."""
    may_act, roles = role_filter("act")
    return await DB.fetch(
        f"SELECT id, display_name FROM member WHERE group_id = ? AND status = 'active' AND {may_act}"
        f" ORDER BY display_name COLLATE NOCASE",
        group_id, *roles,
    )
