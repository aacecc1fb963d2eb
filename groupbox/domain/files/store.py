"""SQL for shared files, their acknowledgements and their attachments to other objects."""

from __future__ import annotations

from datetime import datetime

from groupbox.db.engine import DB

TABLES = ("file", "file_ack", "attachment")
READS = {
    "member": "files show their uploader's current name and status, and who is asked to acknowledge"
              " (one join per list)",
}
FOREIGN_WRITES: dict[str, str] = {}

# Every file read returns these columns (what `store_file` returns and pages show).
_FILE_SELECT = (
    "SELECT f.id, f.group_id, f.uploader_id, f.display_name, f.stored_name, f.content_type, f.size, f.sha256,"
    " f.ack_required, f.stays_here, f.source, f.seq, f.created_at, f.updated_at, f.deleted_at,"
    " m.display_name AS uploader_name, m.status AS uploader_status"
    " FROM file f LEFT JOIN member m ON m.id = f.uploader_id"
)
_SHOWN = "f.deleted_at IS NULL AND f.source != 'import'"


def _marks(values: list) -> str:
    return ",".join("?" * len(values))


async def file_row(file_id: str) -> dict | None:
    return await DB.fetchone(f"{_FILE_SELECT} WHERE f.id = ?", file_id)


async def files_of_groups(group_ids: list[str], limit: int) -> list[dict]:
    """Files people see in these groups (not deleted, not imported media), newest first."""
    if not group_ids:
        return []
    return await DB.fetch(
        f"{_FILE_SELECT} WHERE f.group_id IN ({_marks(group_ids)}) AND {_SHOWN} ORDER BY f.created_at DESC LIMIT ?",
        *group_ids, limit,
    )


async def files_brief(group_id: str, limit: int = 200) -> list[dict]:
    """id, display_name, content_type, size of the group's shown files, newest first."""
    return await DB.fetch(
        "SELECT f.id, f.display_name, f.content_type, f.size FROM file f"
        f" WHERE f.group_id = ? AND {_SHOWN} ORDER BY f.created_at DESC LIMIT ?",
        group_id, limit,
    )


async def file_ids_shown(group_id: str, file_ids: list[str]) -> set[str]:
    """Which of these ids are shown files of the group."""
    if not file_ids:
        return set()
    rows = await DB.fetch(
        f"SELECT f.id FROM file f WHERE f.id IN ({_marks(file_ids)}) AND f.group_id = ? AND {_SHOWN}",
        *file_ids, group_id)
    return {r["id"] for r in rows}


async def file_insert(*, file_id: str, group_id: str, uploader_id: str | None, display_name: str, stored_name: str,
                      content_type: str, size: int, sha256: str, ack_required: bool, stays_here: bool, source: str,
                      seq: int, stamp: datetime) -> None:
    await DB.execute(
        "INSERT INTO file (id, group_id, uploader_id, display_name, stored_name, content_type, size, sha256,"
        " ack_required, stays_here, source, seq, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        file_id, group_id, uploader_id, display_name, stored_name, content_type, size, sha256,
        bool(ack_required), bool(stays_here), source, seq, stamp, stamp,
    )


async def file_mark_deleted(file_id: str, seq: int, stamp: datetime) -> None:
    """Deleted: the row stays for sync, its attachments go."""
    await DB.execute("UPDATE file SET deleted_at = ?, updated_at = ?, seq = ? WHERE id = ?", stamp, stamp, seq, file_id)
    await DB.execute("DELETE FROM attachment WHERE file_id = ?", file_id)


# -- acknowledgements ---------------------------------------------------------------------------
async def acks_of(file_ids: list[str]) -> list[dict]:
    """file_id, member_id, acked_at of these files' acknowledgements."""
    if not file_ids:
        return []
    return await DB.fetch(f"SELECT file_id, member_id, acked_at FROM file_ack WHERE file_id IN ({_marks(file_ids)})",
                          *file_ids)


async def ack_add(file_id: str, member_id: str, stamp: datetime) -> int:
    """1 if recorded now, 0 if it was already."""
    return await DB.execute("INSERT INTO file_ack (file_id, member_id, acked_at) VALUES (?,?,?) ON CONFLICT DO NOTHING",
                            file_id, member_id, stamp)


async def askees(file_id: str, group_id: str, roles: list[str], except_member: str) -> list[dict]:
    """Active members with one of `roles` but `except_member`, with when they acknowledged the file
    (None if not), by name ignoring case."""
    if not roles:
        return []
    return await DB.fetch(
        "SELECT m.id, m.display_name, a.acked_at FROM member m"
        " LEFT JOIN file_ack a ON a.member_id = m.id AND a.file_id = ?"
        f" WHERE m.group_id = ? AND m.status = 'active' AND m.role IN ({_marks(roles)}) AND m.id != ?"
        " ORDER BY lower(m.display_name), m.id",
        file_id, group_id, *roles, except_member,
    )


# -- attachments --------------------------------------------------------------------------------
async def attachments_add(object_type: str, object_id: str, file_ids: list[str]) -> None:
    """Attach these files in this order (an attachment already there stays)."""
    async with DB.write() as tx:
        for position, file_id in enumerate(file_ids):
            await tx.connection.execute(
                "INSERT INTO attachment (file_id, object_type, object_id, position) VALUES (?,?,?,?)"
                " ON CONFLICT DO NOTHING",
                (file_id, object_type, object_id, position),
            )


async def attachments_clear(object_type: str, object_id: str) -> None:
    await DB.execute("DELETE FROM attachment WHERE object_type = ? AND object_id = ?", object_type, object_id)


async def attachments_of(object_type: str, object_ids: list[str]) -> list[dict]:
    """object_id and the file's id, display_name, content_type, size, ack_required, in order."""
    if not object_ids:
        return []
    return await DB.fetch(
        f"SELECT a.object_id, f.id, f.display_name, f.content_type, f.size, f.ack_required"
        f" FROM attachment a JOIN file f ON f.id = a.file_id"
        f" WHERE a.object_type = ? AND a.object_id IN ({_marks(object_ids)}) AND f.deleted_at IS NULL"
        f" ORDER BY a.position",
        object_type, *object_ids,
    )
