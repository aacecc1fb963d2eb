"""What every structured object shares: the group's change sequence, tombstones, authorship.

Every write to an object of a group takes the next value of that group's sequence (`grp.seq`)
and stores it on the row (`seq`). "Changed since", catch-up and sync then ask for rows with
`seq > cursor`. Deletions leave a tombstone with their own sequence number.
Call these inside the write transaction that changes the object.
"""

from __future__ import annotations

from groupbox.db.engine import DB
from groupbox.util import new_id, now


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
