"""The audit log's storage: one row per admin action or access event, append-only but for erasure."""

from __future__ import annotations

from datetime import datetime

from groupbox.db.engine import DB

TABLES = ("audit_entry",)
READS: dict[str, str] = {}
FOREIGN_WRITES: dict[str, str] = {}


async def entry_add(*, entry_id: str, group_id: str | None, actor_profile_id: str | None, actor_name: str,
                    action: str, target_type: str, target_id: str | None, target_name: str, detail: str,
                    created_at: datetime) -> None:
    await DB.execute(
        "INSERT INTO audit_entry (id, group_id, actor_profile_id, actor_name, action, target_type,"
        " target_id, target_name, detail, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        entry_id, group_id, actor_profile_id, actor_name, action, target_type, target_id, target_name, detail,
        created_at,
    )


async def entries_of_group(group_id: str, limit: int) -> list[dict]:
    """The group's entries, newest first."""
    return await DB.fetch("SELECT * FROM audit_entry WHERE group_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
                          group_id, limit)


async def entries_about(profile_id: str, target_ids: list[str]) -> list[dict]:
    """Entries the profile made or that name one of `target_ids` (its export), oldest first."""
    sql = ("SELECT id, group_id, actor_name, action, target_type, target_name, detail, created_at FROM audit_entry"
           " WHERE actor_profile_id = ?")
    if target_ids:
        sql += f" OR target_id IN ({','.join('?' * len(target_ids))})"
    return await DB.fetch(sql + " ORDER BY created_at, id", profile_id, *target_ids)


async def forget_target(target_id: str, name: str) -> int:
    """Entries about an erased person or membership show `name` instead."""
    return await DB.execute("UPDATE audit_entry SET target_name = ? WHERE target_id = ?", name, target_id)


async def forget_actor(profile_id: str, name: str) -> int:
    """Entries an erased profile made show `name` and no profile."""
    return await DB.execute("UPDATE audit_entry SET actor_profile_id = NULL, actor_name = ? WHERE actor_profile_id = ?",
                            name, profile_id)


async def replace_name(group_id: str, old: str, new: str) -> int:
    """An erased person's name, wherever the group's entries quote it, becomes `new`."""
    return await DB.execute(
        "UPDATE audit_entry SET actor_name = REPLACE(actor_name, ?, ?), target_name = REPLACE(target_name, ?, ?),"
        " detail = REPLACE(detail, ?, ?) WHERE group_id = ?", old, new, old, new, old, new, group_id,
    )
