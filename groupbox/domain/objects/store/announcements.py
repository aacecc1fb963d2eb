"""SQL for announcements, their acknowledgements and read marks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from groupbox.db.engine import DB
from groupbox.domain.objects.store.common import marks as _marks

TABLES = ("announcement", "announcement_ack", "announcement_read")
READS = {
    "member": "acknowledgement counts and lists count active members only (one join per list)",
}
FOREIGN_WRITES: dict[str, str] = {}

# Columns `announcement_set` may change (names go into the statement, so they come from here only).
_SETTABLE = frozenset({"title", "body", "official", "urgent", "ack_required", "stays_here", "seq", "updated_at"})


async def announcements_of_group(group_id: str, official_only: bool = False, limit: int | None = None) -> list[dict]:
    """The group's announcements that are not deleted, newest first."""
    sql = "SELECT * FROM announcement WHERE group_id = ? AND deleted_at IS NULL"
    if official_only:
        sql += " AND official = TRUE"
    sql += " ORDER BY created_at DESC, seq DESC"
    params: list[Any] = [group_id]
    if limit:
        sql += " LIMIT ?"
        params.append(int(limit))
    return await DB.fetch(sql, *params)


async def official_of_groups(group_ids: list[str], limit: int) -> list[dict]:
    """The newest official announcements across these groups."""
    if not group_ids:
        return []
    return await DB.fetch(
        f"SELECT a.* FROM announcement a WHERE a.group_id IN ({_marks(group_ids)}) AND a.official = TRUE"
        f" AND a.deleted_at IS NULL ORDER BY a.created_at DESC LIMIT ?",
        *group_ids, int(limit),
    )


async def read_ids(member_id: str, announcement_ids: list[str]) -> set[str]:
    """Which of these the member has read."""
    if not announcement_ids:
        return set()
    rows = await DB.fetch(
        f"SELECT announcement_id FROM announcement_read WHERE member_id = ? AND announcement_id IN"
        f" ({_marks(announcement_ids)})", member_id, *announcement_ids)
    return {r["announcement_id"] for r in rows}


async def acked_at(member_id: str, announcement_ids: list[str]) -> dict[str, datetime]:
    """When the member acknowledged each of these (those acknowledged only)."""
    if not announcement_ids:
        return {}
    rows = await DB.fetch(
        f"SELECT announcement_id, acked_at FROM announcement_ack WHERE member_id = ? AND announcement_id IN"
        f" ({_marks(announcement_ids)})", member_id, *announcement_ids)
    return {r["announcement_id"]: r["acked_at"] for r in rows}


async def ack_counts(announcement_ids: list[str]) -> dict[str, int]:
    """How many active members acknowledged each of these."""
    if not announcement_ids:
        return {}
    rows = await DB.fetch(
        f"SELECT k.announcement_id, COUNT(*) AS n FROM announcement_ack k JOIN member m ON m.id = k.member_id"
        f" WHERE m.status = 'active' AND k.announcement_id IN ({_marks(announcement_ids)})"
        f" GROUP BY k.announcement_id", *announcement_ids)
    return {r["announcement_id"]: int(r["n"]) for r in rows}


async def ackers(announcement_id: str) -> list[dict]:
    """Active members who acknowledged it (id, display_name, acked_at), first first."""
    return await DB.fetch(
        "SELECT m.id, m.display_name, k.acked_at FROM announcement_ack k JOIN member m ON m.id = k.member_id"
        " WHERE k.announcement_id = ? AND m.status = 'active' ORDER BY k.acked_at",
        announcement_id,
    )


async def read_add(announcement_id: str, member_id: str, stamp: datetime) -> None:
    await DB.execute(
        "INSERT INTO announcement_read (announcement_id, member_id, read_at) VALUES (?,?,?) ON CONFLICT DO NOTHING",
        announcement_id, member_id, stamp,
    )


async def ack_get(announcement_id: str, member_id: str) -> dict | None:
    return await DB.fetchone("SELECT * FROM announcement_ack WHERE announcement_id = ? AND member_id = ?",
                             announcement_id, member_id)


async def ack_add(announcement_id: str, member_id: str, stamp: datetime, seq: int) -> None:
    await DB.execute("INSERT INTO announcement_ack (announcement_id, member_id, acked_at, seq) VALUES (?,?,?,?)",
                     announcement_id, member_id, stamp, seq)


async def announcement_insert(*, announcement_id: str, group_id: str, author_id: str | None, title: str, body: str,
                              official: bool, urgent: bool, ack_required: bool, stays_here: bool, stamp: datetime,
                              seq: int) -> None:
    await DB.execute(
        "INSERT INTO announcement (id, group_id, author_id, title, body, official, urgent, ack_required,"
        " stays_here, created_at, updated_at, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        announcement_id, group_id, author_id, title, body, bool(official), bool(urgent), bool(ack_required),
        bool(stays_here), stamp, stamp, seq,
    )


async def announcement_set(announcement_id: str, values: dict[str, Any]) -> None:
    """Change these columns (keys from the settable set only)."""
    unknown = set(values) - _SETTABLE
    if unknown:
        raise ValueError(f"not settable: {sorted(unknown)}")
    assignments = ", ".join(f"{key} = ?" for key in values)
    await DB.execute(f"UPDATE announcement SET {assignments} WHERE id = ?", *values.values(), announcement_id)
