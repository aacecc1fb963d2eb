"""What every structured object shares: the group's change sequence, tombstones, authorship.

Every write to an object of a group takes the next value of that group's sequence (`grp.seq`)
and stores it on the row (`seq`). "Changed since", catch-up and sync then ask for rows with
`seq > cursor`. Deletions leave a tombstone with their own sequence number.
Call these inside the write transaction that changes the object.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from groupbox.access import roles_that
from groupbox.db.engine import DB
from groupbox.domain.groups import store as groups_store
from groupbox.domain.objects.store import common as store
from groupbox.errors import Invalid, NotFound
from groupbox.i18n import _
from groupbox.util import as_utc, now


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
    return await groups_store.group_bump_seq(group_id)


async def tombstone(group_id: str, object_type: str, object_id: str) -> int:
    """Record that an object is gone (for sync and "changed since"); returns its seq."""
    async with DB.write():
        seq = await next_seq(group_id)
        await store.tombstone_insert(group_id, object_type, object_id, seq, now())
    return seq


async def member_names(member_ids: list[str]) -> dict[str, dict]:
    """id -> {display_name, status} for showing authors (a left member shows as former)."""
    from groupbox.domain.groups import service as groups

    rows = await groups.members_rows(member_ids)
    return {r["id"]: r for r in rows}


# Tables of objects that carry `group_id, seq, updated_at, deleted_at` (see the module docstring).
OBJECT_TABLES = store.OBJECT_TABLES


async def soft_delete(table: str, row: dict) -> int:
    """Delete an object for everyone: `deleted_at` set, a tombstone for sync; returns its seq."""
    async with DB.write():
        seq = await tombstone(row["group_id"], table, row["id"])
        await store.object_mark_deleted(table, row["id"], seq, now())
    return seq


async def touch(table: str, rows: list[dict]) -> None:
    """Give objects whose dependants changed (answers, votes, places) a new seq, so "changed
    since" and sync see them."""
    async with DB.write():
        for row in rows:
            await store.object_touch(table, row["id"], await next_seq(row["group_id"]), now())


async def forget_member(member_id: str, table: str, affected: Callable[[str], Awaitable[list[dict]]],
                        delete: Callable[[str], Awaitable[object]]) -> None:
    """Someone left: delete what they gave (`delete(member_id)`) and give the objects it hung on
    (`affected(member_id)`: rows of `id, group_id`, read before the delete) a new seq."""
    rows = await affected(member_id)
    async with DB.write():
        await delete(member_id)
        await touch(table, rows)


# Polls and sign-up sheets close: at `closes_at`, or early when an editor sets `closed_at`.
def is_closed(row: dict, at=None) -> bool:
    """A poll or sheet is closed early by an editor, or past its deadline (the store's "open" filter)."""
    if row.get("closed_at"):
        return True
    closes_at = row.get("closes_at")
    return bool(closes_at) and as_utc(closes_at) <= (at or now())


async def close_now(table: str, row: dict) -> None:
    """An editor closes a poll or sheet now (nothing happens if it is already closed)."""
    if table not in store.CLOSABLE_TABLES:
        raise ValueError(f"{table!r} has no open/closed state")
    if is_closed(row):
        return
    async with DB.write():
        await store.object_close(table, row["id"], await next_seq(row["group_id"]), now())


async def group_rows(table: str, group_id: str, *, open_only: bool = False, limit: int | None = None) -> list[dict]:
    """A group's live objects of one kind, newest first (only open ones with `open_only`)."""
    if table not in store.CLOSABLE_TABLES and open_only:
        raise ValueError(f"{table!r} has no open/closed state")
    return await store.objects_of_group(table, group_id, open_at=now() if open_only else None, limit=limit)


async def count_open(table: str, group_id: str) -> int:
    return await store.objects_open_count(table, group_id, now())


async def live_row(table: str, object_id: str) -> dict:
    """An object that exists and is not deleted, or NotFound."""
    row = await store.object_live(table, object_id)
    if row is None:
        raise NotFound(_("Not found"))
    return row


async def active_member_ids(group_id: str) -> list[str]:
    """Everyone active in the group (whom a new object is announced to; notify skips the author)."""
    return await groups_store.member_ids_active(group_id)


async def acting_members(group_id: str) -> list[dict]:
    """Who is asked to answer or acknowledge: active members who may act (never guests), by name."""
    return await groups_store.members_active(group_id, list(roles_that("act")))
