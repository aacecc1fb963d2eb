"""The group server's reads for `/api/sync`: what changed in a group since a change number, and the rows a page is shaped from.

Set-based on purpose: a page asks one query per kind (ids `IN (...)`), not one call per object
through each kind's store, which would cost a round trip per object on a 500-object page.
"""

from __future__ import annotations

from typing import Any

from groupbox.db.engine import DB

TABLES: tuple[str, ...] = ()
_WHY = "the sync answer is a set-based read: one query per kind and page, not a call per object"
READS = {
    "grp": "the token's groups with their change counters (one IN query); " + _WHY,
    "event": "events changed after a position, and the page's events by id; " + _WHY,
    "rsvp": "answers that changed an event's counts, and my own answers on the page; " + _WHY,
    "announcement": "announcements changed after a position, and the page's by id; " + _WHY,
    "announcement_ack": "my acknowledgements that changed, and those on the page; " + _WHY,
    "announcement_read": "which of the page's announcements I read; " + _WHY,
    "file": "files changed after a position (not an archive's media), and the page's by id; " + _WHY,
    "file_ack": "which of the page's files I acknowledged; " + _WHY,
    "thread": "threads changed after a position, and the page's by id; " + _WHY,
    "message": "each thread's opening message on the page (with read:threads); " + _WHY,
    "poll": "polls changed after a position, and the page's by id; " + _WHY,
    "poll_option": "the options of the page's polls, and the order of my votes; " + _WHY,
    "poll_vote": "my votes in the page's polls; " + _WHY,
    "task": "tasks changed after a position, and the page's by id; " + _WHY,
    "task_assignee": "which of the page's tasks are assigned to me; " + _WHY,
    "tombstone": "deletions after a position, per kind; " + _WHY,
}
FOREIGN_WRITES: dict[str, str] = {}

# The object tables a sync reads (each has id, group_id, seq, stays_here, deleted_at).
KINDS = ("event", "announcement", "file", "thread", "poll", "task")


def _marks(values: Any) -> str:
    return ",".join("?" * len(values))


def _kind(table: str) -> str:
    if table not in KINDS:
        raise ValueError(f"not a synced kind: {table!r}")
    return table


async def groups_with_counters(group_ids: list[str]) -> list[dict]:
    """(id, name, timezone, seq) of these groups, by id."""
    if not group_ids:
        return []
    return await DB.fetch(f"SELECT id, name, timezone, seq FROM grp WHERE id IN ({_marks(group_ids)}) ORDER BY id",
                          *group_ids)


async def kept_here(table: str, object_id: str) -> dict | None:
    """(group_id, stays_here) of a live object of a synced kind."""
    return await DB.fetchone(f"SELECT group_id, stays_here FROM {_kind(table)} WHERE id = ? AND deleted_at IS NULL",
                             object_id)


# -- what changed (each: rows of id and seq, the change number, in change order, at most `cap`) --------
async def objects_changed(table: str, group_id: str, since: int, cap: int) -> list[dict]:
    """Live objects of a kind changed after `since` (files: not an archive's media)."""
    extra = " AND source <> 'import'" if table == "file" else ""
    return await DB.fetch(f"SELECT id, seq FROM {_kind(table)} WHERE group_id = ? AND seq > ? AND deleted_at IS NULL"
                          f"{extra} ORDER BY seq LIMIT {int(cap)}", group_id, since)


async def answers_changed(group_id: str, since: int, cap: int) -> list[dict]:
    """Live events whose answers changed after `since` (anyone's: the counts), with the latest number."""
    return await DB.fetch(
        "SELECT r.event_id AS id, MAX(r.seq) AS seq FROM rsvp r JOIN event e ON e.id = r.event_id"
        f" WHERE r.seq > ? AND e.group_id = ? AND e.deleted_at IS NULL GROUP BY r.event_id ORDER BY 2 LIMIT {int(cap)}",
        since, group_id)


async def acks_changed(member_id: str, since: int, cap: int) -> list[dict]:
    """Live announcements the member acknowledged after `since`."""
    return await DB.fetch(
        "SELECT k.announcement_id AS id, k.seq FROM announcement_ack k JOIN announcement a ON a.id = k.announcement_id"
        f" WHERE k.member_id = ? AND k.seq > ? AND a.deleted_at IS NULL ORDER BY 2 LIMIT {int(cap)}",
        member_id, since)


async def tombstones_after(group_id: str, since: int, types: list[str], cap: int) -> list[dict]:
    """Deletions of these kinds after `since`: (id, seq, object_type), the latest per object."""
    if not types:
        return []
    return await DB.fetch(
        "SELECT object_id AS id, MAX(seq) AS seq, object_type FROM tombstone WHERE group_id = ? AND seq > ?"
        f" AND object_type IN ({_marks(types)}) GROUP BY object_type, object_id ORDER BY 2 LIMIT {int(cap)}",
        group_id, since, *types)


# -- what a page is shaped from ---------------------------------------------------------------------------
async def objects_by_id(table: str, ids: list[str]) -> list[dict]:
    """Live objects of a kind, whole rows, in change order."""
    if not ids:
        return []
    return await DB.fetch(f"SELECT * FROM {_kind(table)} WHERE id IN ({_marks(ids)}) AND deleted_at IS NULL"
                          " ORDER BY seq", *ids)


async def my_rsvps(event_ids: list[str], member_ids: list[str]) -> dict[str, str]:
    """event id -> the members' answer."""
    if not event_ids or not member_ids:
        return {}
    rows = await DB.fetch(f"SELECT event_id, status FROM rsvp WHERE event_id IN ({_marks(event_ids)})"
                          f" AND member_id IN ({_marks(member_ids)})", *event_ids, *member_ids)
    return {r["event_id"]: r["status"] for r in rows}


# table -> the column naming the object: rows of "this member did it" (acknowledged, read, assigned)
_MINE = {"announcement_ack": "announcement_id", "announcement_read": "announcement_id", "file_ack": "file_id",
         "task_assignee": "task_id"}


async def mine_among(table: str, object_ids: list[str], member_ids: list[str]) -> set[str]:
    """Which of these objects have a row in `table` for one of the members: the announcements
    they acknowledged (`announcement_ack`) or read (`announcement_read`), the files they
    acknowledged (`file_ack`), the tasks assigned to them (`task_assignee`)."""
    column = _MINE[table]
    if not object_ids or not member_ids:
        return set()
    rows = await DB.fetch(f"SELECT {column} AS id FROM {table} WHERE {column} IN ({_marks(object_ids)})"
                          f" AND member_id IN ({_marks(member_ids)})", *object_ids, *member_ids)
    return {r["id"] for r in rows}


async def thread_openings(thread_ids: list[str]) -> dict[str, str]:
    """thread id -> its opening message's text (the earliest; none if it was deleted)."""
    if not thread_ids:
        return {}
    rows = await DB.fetch(
        f"SELECT m.thread_id, m.body FROM message m WHERE m.thread_id IN ({_marks(thread_ids)}) AND m.id ="
        " (SELECT m2.id FROM message m2 WHERE m2.thread_id = m.thread_id ORDER BY m2.created_at, m2.id LIMIT 1)"
        " AND m.deleted_at IS NULL", *thread_ids)
    return {r["thread_id"]: r["body"] for r in rows}


async def poll_options(poll_ids: list[str]) -> list[dict]:
    """(id, poll_id, label) of the polls' options, in each poll's order."""
    if not poll_ids:
        return []
    return await DB.fetch(f"SELECT id, poll_id, label FROM poll_option WHERE poll_id IN ({_marks(poll_ids)})"
                          " ORDER BY poll_id, position", *poll_ids)


async def my_votes(poll_ids: list[str], member_ids: list[str]) -> list[dict]:
    """(poll_id, option_id) of the members' votes, in each poll's option order."""
    if not poll_ids or not member_ids:
        return []
    return await DB.fetch(
        "SELECT v.poll_id, v.option_id FROM poll_vote v JOIN poll_option o ON o.id = v.option_id"
        f" WHERE v.poll_id IN ({_marks(poll_ids)}) AND v.member_id IN ({_marks(member_ids)})"
        " ORDER BY v.poll_id, o.position", *poll_ids, *member_ids)
