"""A person's data across every area: what their export reads, and what "delete me" erases."""

from __future__ import annotations

from datetime import datetime

from groupbox.db.engine import DB

TABLES: tuple[str, ...] = ()
_EXPORT = "the person's export: what they wrote or answered, with the titles it belongs to (one query per kind)"
_COUNT = "\"delete me\" shows what it would remove: one count query for all kinds"
READS = {
    "rsvp": _EXPORT, "event": _EXPORT, "poll_vote": _EXPORT, "poll": _EXPORT, "poll_option": _EXPORT,
    "message": _EXPORT, "thread": _EXPORT, "reaction": _EXPORT, "announcement": _EXPORT, "task": _EXPORT,
    "task_assignee": _EXPORT, "signup": _EXPORT, "signup_slot": _EXPORT, "signup_commitment": _EXPORT,
    "announcement_ack": _EXPORT, "file_ack": _EXPORT, "file": _EXPORT + "; " + _COUNT,
    "connection_token": "the person's export lists their connection tokens",
}
_ERASE = "\"delete me\" erases what this person wrote or gave, in one transaction with the rest of the erasure"
FOREIGN_WRITES = {
    "message": _ERASE + "; objects/threads store should offer messages_erase_of_author(member_id, stamp)",
    "file": _ERASE + "; files store should offer file_erase(file_id, stamp)",
    "attachment": _ERASE + " (an erased upload leaves every object); files store: attachments_delete_of_file",
    "reaction": _ERASE + "; objects/threads store: reactions_delete_of_member",
    "mention": _ERASE + "; objects/threads store: mentions_delete_of_member",
    "thread_read": _ERASE + "; objects/threads store: reads_delete_of_member",
    "announcement_ack": _ERASE + "; objects/announcements store: acks_delete_of_member",
    "announcement_read": _ERASE + "; objects/announcements store: reads_delete_of_member",
    "file_ack": _ERASE + "; files store: acks_delete_of_member",
    "event_seen": _ERASE + "; objects/events store: seen_delete_of_member",
    "rsvp": _ERASE + "; objects/events store: rsvps_delete_of_member",
    "poll_vote": _ERASE + "; objects/polls store: votes_delete_of_member",
    "signup_commitment": _ERASE + "; objects/signups store: commitments_delete_of_member",
    "task_assignee": _ERASE + "; objects/tasks store: assignments_delete_of_member",
    "connection_token_member": _ERASE + "; remote tokens store: token_members_delete_of_member / _of_profile",
    "connection_token": _ERASE + " (the person's tokens go with the profile); remote tokens store: tokens_delete_of_profile",
    "archive_import": _ERASE + " (the importer's name becomes 'Former member'); migration store: imports_forget_importer",
}

# What the export holds, file by file: (name, query with one `?` list of the person's member ids).
_MEMBER_QUERIES: dict[str, str] = {
    "rsvps": "SELECT r.event_id, e.title AS event, e.starts_at, r.status, r.note, r.guests, r.answered_at"
             " FROM rsvp r JOIN event e ON e.id = r.event_id WHERE r.member_id IN ({m})",
    "votes": "SELECT v.poll_id, p.question, o.label AS option, v.voted_at FROM poll_vote v"
             " JOIN poll p ON p.id = v.poll_id JOIN poll_option o ON o.id = v.option_id WHERE v.member_id IN ({m})",
    "messages": "SELECT m.id, m.thread_id, t.title AS thread, m.body, m.created_at, m.edited_at FROM message m"
                " JOIN thread t ON t.id = m.thread_id WHERE m.author_id IN ({m}) AND m.deleted_at IS NULL",
    "reactions": "SELECT message_id, emoji, created_at FROM reaction WHERE member_id IN ({m})",
    "threads_started": "SELECT id, group_id, title, created_at FROM thread WHERE author_id IN ({m})"
                       " AND deleted_at IS NULL",
    "announcements": "SELECT id, group_id, title, body, official, urgent, created_at FROM announcement"
                     " WHERE author_id IN ({m}) AND deleted_at IS NULL",
    "events": "SELECT id, group_id, title, description, location, starts_at, ends_at, created_at FROM event"
              " WHERE author_id IN ({m}) AND deleted_at IS NULL",
    "polls": "SELECT id, group_id, question, description, created_at FROM poll WHERE author_id IN ({m})"
             " AND deleted_at IS NULL",
    "tasks_created": "SELECT id, group_id, title, description, status, due_at, created_at FROM task"
                     " WHERE author_id IN ({m}) AND deleted_at IS NULL",
    "tasks_assigned": "SELECT t.id, t.group_id, t.title, t.status, t.due_at FROM task t"
                      " JOIN task_assignee a ON a.task_id = t.id WHERE a.member_id IN ({m}) AND t.deleted_at IS NULL",
    "signup_sheets": "SELECT id, group_id, title, description, created_at FROM signup WHERE author_id IN ({m})"
                     " AND deleted_at IS NULL",
    "commitments": "SELECT c.slot_id, s.label AS slot, u.title AS sheet, c.note, c.committed_at"
                   " FROM signup_commitment c JOIN signup_slot s ON s.id = c.slot_id"
                   " JOIN signup u ON u.id = s.signup_id WHERE c.member_id IN ({m})",
    "announcements_confirmed": "SELECT k.announcement_id, a.title, k.acked_at FROM announcement_ack k"
                               " JOIN announcement a ON a.id = k.announcement_id WHERE k.member_id IN ({m})",
    "files_confirmed": "SELECT k.file_id, f.display_name, k.acked_at FROM file_ack k JOIN file f ON f.id = k.file_id"
                       " WHERE k.member_id IN ({m})",
    "files_uploaded": "SELECT id, group_id, display_name, content_type, size, sha256, created_at FROM file"
                      " WHERE uploader_id IN ({m}) AND deleted_at IS NULL",
}
EXPORT_KINDS = tuple(_MEMBER_QUERIES)


def _marks(values) -> str:
    return ",".join("?" * len(values))


# -- export -------------------------------------------------------------------------------------------
async def member_export(member_ids: list[str]) -> dict[str, list[dict]]:
    """Each kind of the export (see `EXPORT_KINDS`) for these memberships."""
    if not member_ids:
        return {name: [] for name in _MEMBER_QUERIES}
    marks = _marks(member_ids)
    return {name: await DB.fetch(sql.format(m=marks), *member_ids) for name, sql in _MEMBER_QUERIES.items()}


async def connection_tokens_export(profile_id: str) -> list[dict]:
    return await DB.fetch("SELECT id, label, scopes, created_at, expires_at, last_used_at, revoked_at"
                          " FROM connection_token WHERE profile_id = ?", profile_id)


async def uploads_of(member_ids: list[str]) -> list[dict]:
    """Files these memberships uploaded and that are not deleted: id, display_name, stored_name."""
    if not member_ids:
        return []
    return await DB.fetch(f"SELECT id, display_name, stored_name FROM file WHERE uploader_id IN ({_marks(member_ids)})"
                          " AND deleted_at IS NULL", *member_ids)


# -- what a deletion would do ---------------------------------------------------------------------------
async def erase_counts(member_ids: list[str]) -> dict[str, int]:
    """messages, files, answers (RSVPs, votes, places) and posted (events, announcements, polls,
    tasks) of these memberships."""
    if not member_ids:
        return {"messages": 0, "files": 0, "answers": 0, "posted": 0}
    m = _marks(member_ids)
    row = await DB.fetchone(
        f"SELECT (SELECT COUNT(*) FROM message WHERE author_id IN ({m}) AND deleted_at IS NULL) AS messages,"
        f" (SELECT COUNT(*) FROM file WHERE uploader_id IN ({m}) AND deleted_at IS NULL) AS files,"
        f" (SELECT COUNT(*) FROM rsvp WHERE member_id IN ({m}))"
        f" + (SELECT COUNT(*) FROM poll_vote WHERE member_id IN ({m}))"
        f" + (SELECT COUNT(*) FROM signup_commitment WHERE member_id IN ({m})) AS answers,"
        f" (SELECT COUNT(*) FROM event WHERE author_id IN ({m}) AND deleted_at IS NULL)"
        f" + (SELECT COUNT(*) FROM announcement WHERE author_id IN ({m}) AND deleted_at IS NULL)"
        f" + (SELECT COUNT(*) FROM poll WHERE author_id IN ({m}) AND deleted_at IS NULL)"
        f" + (SELECT COUNT(*) FROM task WHERE author_id IN ({m}) AND deleted_at IS NULL) AS posted",
        *(member_ids * 9),
    )
    return {key: int(row[key]) for key in ("messages", "files", "answers", "posted")}


# -- "delete me" --------------------------------------------------------------------------------------
async def message_ids_of_author(member_id: str) -> list[str]:
    return [r["id"] for r in await DB.fetch("SELECT id FROM message WHERE author_id = ?", member_id)]


async def thread_ids_of_author(member_id: str) -> list[str]:
    return [r["id"] for r in await DB.fetch("SELECT id FROM thread WHERE author_id = ?", member_id)]


async def messages_erase_of_author(member_id: str, stamp: datetime) -> int:
    """Empty every message the membership wrote (and mark it deleted, by them, if it was not)."""
    return await DB.execute("UPDATE message SET body = '', author_name = '', deleted_at = COALESCE(deleted_at, ?),"
                            " deleted_by = COALESCE(deleted_by, ?) WHERE author_id = ?", stamp, member_id, member_id)


async def uploads_live_of(member_id: str) -> list[dict]:
    """The membership's files not deleted yet: id, stored_name."""
    return await DB.fetch("SELECT id, stored_name FROM file WHERE uploader_id = ? AND deleted_at IS NULL", member_id)


async def file_erase(file_id: str, stamp: datetime) -> None:
    """The file is deleted, its name gone, and it leaves every object it was attached to."""
    await DB.execute("UPDATE file SET deleted_at = ?, updated_at = ?, display_name = 'removed' WHERE id = ?",
                     stamp, stamp, file_id)
    await DB.execute("DELETE FROM attachment WHERE file_id = ?", file_id)


async def member_traces_delete(member_id: str) -> None:
    """Reactions, mentions, confirmations, reads, answers, assignments and token links of a membership."""
    for sql in ("DELETE FROM reaction WHERE member_id = ?",
                "DELETE FROM mention WHERE member_id = ?",
                "DELETE FROM announcement_ack WHERE member_id = ?",
                "DELETE FROM announcement_read WHERE member_id = ?",
                "DELETE FROM file_ack WHERE member_id = ?",
                "DELETE FROM event_seen WHERE member_id = ?",
                "DELETE FROM thread_read WHERE member_id = ?",
                "DELETE FROM rsvp WHERE member_id = ?",
                "DELETE FROM poll_vote WHERE member_id = ?",
                "DELETE FROM signup_commitment WHERE member_id = ?",
                "DELETE FROM task_assignee WHERE member_id = ?",
                "DELETE FROM connection_token_member WHERE member_id = ?"):
        await DB.execute(sql, member_id)


async def archive_imports_forget_importer(member_id: str, name: str) -> int:
    return await DB.execute("UPDATE archive_import SET imported_by_name = ? WHERE imported_by = ?", name, member_id)


async def connection_tokens_delete_of_profile(profile_id: str) -> None:
    await DB.execute("DELETE FROM connection_token_member WHERE token_id IN"
                     " (SELECT id FROM connection_token WHERE profile_id = ?)", profile_id)
    await DB.execute("DELETE FROM connection_token WHERE profile_id = ?", profile_id)
