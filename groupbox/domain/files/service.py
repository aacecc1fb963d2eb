"""Files: attachments to announcements and events (upload, download, lists and acknowledgement
tracking live here too)."""

from __future__ import annotations

from groupbox.db.engine import DB
from groupbox.errors import Invalid
from groupbox.i18n import _


async def attach(group_id: str, object_type: str, object_id: str, file_ids: list[str] | None) -> None:
    """Attach files of the same group to an object (inside the caller's write transaction).
    Unknown files, or files of another group, are refused as a whole."""
    ids = list(dict.fromkeys(file_ids or []))
    if not ids:
        return
    marks = ",".join("?" * len(ids))
    rows = await DB.fetch(
        f"SELECT id FROM file WHERE id IN ({marks}) AND group_id = ? AND deleted_at IS NULL", *ids, group_id
    )
    if len(rows) != len(ids):
        raise Invalid(_("One of the attached files does not exist in this group."), field="file_ids")
    async with DB.write() as tx:
        for position, file_id in enumerate(ids):
            await tx.connection.execute(
                "INSERT INTO attachment (file_id, object_type, object_id, position) VALUES (?,?,?,?)"
                " ON CONFLICT DO NOTHING",
                (file_id, object_type, object_id, position),
            )


async def attachments(object_type: str, object_ids: list[str]) -> dict[str, list[dict]]:
    """object id -> its files (id, display_name, content_type, size, ack_required)."""
    if not object_ids:
        return {}
    marks = ",".join("?" * len(object_ids))
    rows = await DB.fetch(
        f"SELECT a.object_id, f.id, f.display_name, f.content_type, f.size, f.ack_required"
        f" FROM attachment a JOIN file f ON f.id = a.file_id"
        f" WHERE a.object_type = ? AND a.object_id IN ({marks}) AND f.deleted_at IS NULL ORDER BY a.position",
        object_type, *object_ids,
    )
    result: dict[str, list[dict]] = {}
    for row in rows:
        result.setdefault(row.pop("object_id"), []).append(row)
    return result


async def group_files_brief(group_id: str) -> list[dict]:
    """The group's files for an "attach" picker: id, display_name, content_type, newest first."""
    return await DB.fetch(
        "SELECT id, display_name, content_type, size FROM file WHERE group_id = ? AND deleted_at IS NULL"
        " ORDER BY created_at DESC LIMIT 200",
        group_id,
    )
