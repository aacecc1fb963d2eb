"""SQL for discussions: threads, their messages, mentions, reactions and read marks."""

from __future__ import annotations

from datetime import datetime

from groupbox.db.engine import DB
from groupbox.domain.objects.store.common import marks as _marks

TABLES = ("thread", "thread_read", "message", "mention", "reaction")
READS = {
    "member": "messages show their author's current name and status (one join per page of messages)",
}
FOREIGN_WRITES: dict[str, str] = {}

# Rows of equal time (an imported batch) keep a stable order without SQLite's rowid.
_NEWEST_MESSAGE = "m.created_at DESC, m.seq DESC, m.id DESC"


# -- threads ------------------------------------------------------------------------------------
async def thread_row(thread_id: str) -> dict | None:
    return await DB.fetchone("SELECT * FROM thread WHERE id = ?", thread_id)


async def thread_marks(thread_id: str) -> dict | None:
    """What the live page watches: the thread's change number and message count."""
    return await DB.fetchone("SELECT seq, message_count FROM thread WHERE id = ?", thread_id)


async def threads_of_group(group_id: str, member_id: str, floor: datetime, limit: int | None = None,
                           legacy: bool | None = None) -> list[dict]:
    """The group's threads (only the old chat, or all but it, with `legacy`), newest activity
    first, with my read mark and my unread count (messages by others after my mark, or after
    `floor` when I never read it)."""
    which = "" if legacy is None else " AND t.legacy_channel = ?"
    tail = " LIMIT ?" if limit else ""
    return await DB.fetch(
        "SELECT t.*, tr.last_read_at,"
        " (SELECT COUNT(*) FROM message x WHERE x.thread_id = t.id AND x.deleted_at IS NULL"
        "   AND x.created_at > COALESCE(tr.last_read_at, ?) AND (x.author_id IS NULL OR x.author_id != ?)) AS unread"
        " FROM thread t LEFT JOIN thread_read tr ON tr.thread_id = t.id AND tr.member_id = ?"
        " WHERE t.group_id = ? AND t.deleted_at IS NULL" + which +
        " ORDER BY t.last_message_at DESC, t.created_at DESC, t.id DESC" + tail,
        floor, member_id, member_id, group_id, *([bool(legacy)] if legacy is not None else []),
        *([limit] if limit else []),
    )


async def thread_count(group_id: str) -> int:
    row = await DB.fetchone("SELECT COUNT(*) AS n FROM thread WHERE group_id = ? AND deleted_at IS NULL", group_id)
    return row["n"] if row else 0


async def legacy_thread(group_id: str) -> dict | None:
    return await DB.fetchone(
        "SELECT * FROM thread WHERE group_id = ? AND legacy_channel = TRUE AND deleted_at IS NULL"
        " ORDER BY created_at LIMIT 1", group_id)


async def thread_insert(*, thread_id: str, group_id: str, author_id: str | None, title: str, off_topic: bool,
                        stamp: datetime, seq: int) -> None:
    """A new thread holding its first message (inserted by the caller with message_insert)."""
    await DB.execute(
        "INSERT INTO thread (id, group_id, author_id, title, off_topic, created_at, updated_at, last_message_at,"
        " message_count, seq) VALUES (?,?,?,?,?,?,?,?,1,?)",
        thread_id, group_id, author_id, title, bool(off_topic), stamp, stamp, stamp, seq,
    )


async def legacy_clear_others(group_id: str, keep_id: str, seq: int, stamp: datetime) -> None:
    """Unmark the group's other legacy channel (one per group)."""
    await DB.execute("UPDATE thread SET legacy_channel = FALSE, readonly_from = NULL, seq = ?, updated_at = ?"
                     " WHERE group_id = ? AND legacy_channel = TRUE AND id != ?", seq, stamp, group_id, keep_id)


async def thread_set_legacy(thread_id: str, legacy: bool, readonly_from: datetime | None, seq: int,
                            stamp: datetime) -> None:
    await DB.execute("UPDATE thread SET legacy_channel = ?, readonly_from = ?, seq = ?, updated_at = ? WHERE id = ?",
                     bool(legacy), readonly_from, seq, stamp, thread_id)


async def thread_add_messages(thread_id: str, count: int, last_message_at: datetime, seq: int,
                              stamp: datetime) -> None:
    """`count` more messages, the latest at `last_message_at`."""
    await DB.execute("UPDATE thread SET message_count = message_count + ?, last_message_at = ?, seq = ?,"
                     " updated_at = ? WHERE id = ?", count, last_message_at, seq, stamp, thread_id)


async def thread_drop_message(thread_id: str, seq: int, stamp: datetime) -> None:
    """One message fewer (never below zero)."""
    await DB.execute("UPDATE thread SET message_count = CASE WHEN message_count > 0 THEN message_count - 1 ELSE 0 END,"
                     " updated_at = ?, seq = ? WHERE id = ?", stamp, seq, thread_id)


async def read_mark(thread_id: str, member_id: str, stamp: datetime) -> None:
    """The member has read the thread up to `stamp`; so have they its mentions of them (m0030):
    those up to then are read, any after it (a mark set back) unread; each from an index range
    of the member's, almost always empty."""
    async with DB.write():
        await DB.execute(
            "INSERT INTO thread_read (thread_id, member_id, last_read_at) VALUES (?,?,?)"
            " ON CONFLICT (thread_id, member_id) DO UPDATE SET last_read_at = excluded.last_read_at",
            thread_id, member_id, stamp,
        )
        await DB.execute("UPDATE mention SET unread = FALSE WHERE member_id = ? AND unread = TRUE"
                         " AND created_at <= ? AND thread_id = ?", member_id, stamp, thread_id)
        await DB.execute("UPDATE mention SET unread = TRUE WHERE member_id = ? AND created_at > ?"
                         " AND unread = FALSE AND thread_id = ?", member_id, stamp, thread_id)


# -- messages -----------------------------------------------------------------------------------
_MESSAGE_AUTHOR = "a.display_name AS author_display, a.status AS author_status"


async def message_row(message_id: str) -> dict | None:
    """The message with its author's current name and status."""
    return await DB.fetchone(
        f"SELECT m.*, {_MESSAGE_AUTHOR} FROM message m LEFT JOIN member a ON a.id = m.author_id WHERE m.id = ?",
        message_id)


async def last_messages(thread_ids: list[str]) -> list[dict]:
    """Each thread's latest message that is not deleted, with its author."""
    if not thread_ids:
        return []
    return await DB.fetch(
        f"SELECT m.thread_id, m.id, m.body, m.author_id, m.author_name, m.created_at, {_MESSAGE_AUTHOR}"
        f" FROM message m LEFT JOIN member a ON a.id = m.author_id"
        f" WHERE m.id IN (SELECT (SELECT x.id FROM message x WHERE x.thread_id = t.id AND x.deleted_at IS NULL"
        f"   ORDER BY x.created_at DESC, x.seq DESC, x.id DESC LIMIT 1) FROM thread t WHERE t.id IN ({_marks(thread_ids)}))",
        *thread_ids,
    )


async def messages_of_thread(thread_id: str, before: datetime | None, limit: int) -> list[dict]:
    """Up to `limit` messages, newest first (before a time if given)."""
    where, params = "m.thread_id = ?", [thread_id]
    if before is not None:
        where += " AND m.created_at < ?"
        params.append(before)
    return await DB.fetch(
        f"SELECT m.id, m.thread_id, m.group_id, m.author_id, m.author_name, m.body, m.source, m.created_at,"
        f" m.edited_at, m.deleted_at, m.deleted_by, m.seq, {_MESSAGE_AUTHOR}"
        f" FROM message m LEFT JOIN member a ON a.id = m.author_id WHERE {where}"
        f" ORDER BY {_NEWEST_MESSAGE} LIMIT ?",
        *params, limit,
    )


async def message_authors(thread_id: str) -> set[str]:
    """Members who wrote in the thread."""
    rows = await DB.fetch(
        "SELECT DISTINCT author_id FROM message WHERE thread_id = ? AND author_id IS NOT NULL", thread_id)
    return {r["author_id"] for r in rows}


async def message_insert(*, message_id: str, thread_id: str, group_id: str, author_id: str | None, body: str,
                         stamp: datetime, seq: int) -> None:
    await DB.execute(
        "INSERT INTO message (id, thread_id, group_id, author_id, body, created_at, seq) VALUES (?,?,?,?,?,?,?)",
        message_id, thread_id, group_id, author_id, body, stamp, seq,
    )


async def messages_import(rows: list[tuple], seq: int) -> None:
    """Imported messages: (id, thread_id, group_id, author_id, author_name, body, created_at) each."""
    async with DB.write() as tx:
        await tx.connection.executemany(
            "INSERT INTO message (id, thread_id, group_id, author_id, author_name, body, source, created_at, seq)"
            " VALUES (?,?,?,?,?,?,'import',?,?)", [(*row, seq) for row in rows])


async def message_erase(message_id: str, deleted_by: str, seq: int, stamp: datetime) -> None:
    """The text goes, the message stays as deleted; its mentions and reactions go with it."""
    await DB.execute("UPDATE message SET body = '', deleted_at = ?, deleted_by = ?, seq = ? WHERE id = ?",
                     stamp, deleted_by, seq, message_id)
    await DB.execute("DELETE FROM mention WHERE message_id = ?", message_id)
    await DB.execute("DELETE FROM reaction WHERE message_id = ?", message_id)


async def message_set_seq(message_id: str, seq: int) -> None:
    await DB.execute("UPDATE message SET seq = ? WHERE id = ?", seq, message_id)


# -- mentions and reactions ---------------------------------------------------------------------
async def mention_add(message_id: str, member_id: str) -> None:
    """With its message's thread and time, unread unless the member read the thread since (m0030)."""
    await DB.execute(
        "INSERT INTO mention (message_id, member_id, thread_id, created_at, unread)"
        " SELECT m.id, ?, m.thread_id, m.created_at, NOT EXISTS (SELECT 1 FROM thread_read tr"
        " WHERE tr.thread_id = m.thread_id AND tr.member_id = ? AND tr.last_read_at >= m.created_at)"
        " FROM message m WHERE m.id = ? ON CONFLICT DO NOTHING",
        member_id, member_id, message_id)


async def mentioned_among(member_id: str, message_ids: list[str]) -> set[str]:
    """Which of these messages mention the member."""
    if not message_ids:
        return set()
    rows = await DB.fetch(f"SELECT message_id FROM mention WHERE member_id = ? AND message_id IN ({_marks(message_ids)})",
                          member_id, *message_ids)
    return {r["message_id"] for r in rows}


async def reaction_counts(member_id: str, message_ids: list[str]) -> list[dict]:
    """Per message and emoji: how many (`n`) and whether the member gave it (`mine`, 0/1)."""
    if not message_ids:
        return []
    return await DB.fetch(
        f"SELECT message_id, emoji, COUNT(*) AS n, MAX(CASE WHEN member_id = ? THEN 1 ELSE 0 END) AS mine"
        f" FROM reaction WHERE message_id IN ({_marks(message_ids)}) GROUP BY message_id, emoji",
        member_id, *message_ids)


async def reaction_remove(message_id: str, member_id: str, emoji: str) -> int:
    return await DB.execute("DELETE FROM reaction WHERE message_id = ? AND member_id = ? AND emoji = ?",
                            message_id, member_id, emoji)


async def reaction_add(message_id: str, member_id: str, emoji: str, stamp: datetime) -> None:
    await DB.execute("INSERT INTO reaction (message_id, member_id, emoji, created_at) VALUES (?,?,?,?)",
                     message_id, member_id, emoji, stamp)


# -- home dashboard -----------------------------------------------------------------------------
async def busy_threads(group_id: str, member_id: str, since: datetime) -> list[dict]:
    """Threads with posts by others since `since`: how many and the latest, busiest first."""
    return await DB.fetch(
        "SELECT m.thread_id AS id, t.title, COUNT(*) AS count, MAX(m.created_at) AS latest"
        " FROM message m JOIN thread t ON t.id = m.thread_id"
        " WHERE m.group_id = ? AND m.created_at > ? AND m.deleted_at IS NULL AND t.deleted_at IS NULL"
        " AND (m.author_id IS NULL OR m.author_id != ?) AND m.source = 'post'"
        " GROUP BY m.thread_id, t.title ORDER BY count DESC, latest DESC",
        group_id, since, member_id,
    )


async def mention_count_since(member_id: str, since: datetime) -> int:
    row = await DB.fetchone(
        # An erased message takes its mentions along (`message_erase`): the mentions' index alone.
        "SELECT COUNT(*) AS n FROM mention WHERE member_id = ? AND created_at > ?", member_id, since)
    return row["n"] if row else 0
