"""The migration kit's storage: WhatsApp archive imports, their messages, senders and search; the funnel's reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from groupbox.db.engine import DB

TABLES = ("archive_import", "archive_message", "archive_sender", "archive_fts")
READS = {
    "file": "an archive entry shows its media's type and size (LEFT JOIN per row of a page); media are"
            " served only while a finished import names them",
    "member": "the funnel: who joined through which invite, with the invite's creator (one query for the list)",
    "invite": "the funnel: each joiner's invite label and creation (joined to the member list)",
    "invite_view": "the funnel's 'opened': distinct browsers over the group's invites (a join)",
    "profile": "the funnel: a joiner's verified email (joined to the member list)",
    "device": "the funnel: a joiner's active devices (a correlated count per row)",
    "passkey": "the funnel: which joiners have a passkey (one IN query for the list)",
    "event": "reminder copy: the next RSVP-only event (no events store function for it yet)",
    "thread": "the legacy channel: the thread marked as the old chat (no threads store function for it yet)",
}
FOREIGN_WRITES = {
    "file": "the archive's media are `file` rows (source 'import') written in the importer's batch"
            " transaction and removed with the import; files.store should offer import_files_add(rows)"
            " and import_files_delete(stored_prefix)",
}

_MESSAGE_COLUMNS = (
    "m.id, m.at, m.kind, m.sender, m.text, m.media_name, m.media_omitted, m.deleted, m.file_id,"
    " f.content_type, f.size, f.display_name AS file_name"
)
_MESSAGE_FROM = (
    " FROM archive_message m JOIN archive_import i ON i.id = m.import_id"
    " LEFT JOIN file f ON f.id = m.file_id AND f.deleted_at IS NULL"
)


# -- imports ------------------------------------------------------------------------------------
async def import_get(import_id: str, group_id: str, status: str = "done") -> dict | None:
    return await DB.fetchone("SELECT * FROM archive_import WHERE id = ? AND group_id = ? AND status = ?",
                             import_id, group_id, status)


async def imports_done(group_id: str) -> list[dict]:
    return await DB.fetch(
        "SELECT * FROM archive_import WHERE group_id = ? AND status = 'done' ORDER BY finished_at DESC", group_id
    )


async def import_by_hash(group_id: str, content_hash: str, done_only: bool = False) -> dict | None:
    """The import of this chat text in the group: a finished one first, else one staging."""
    statuses = "('done')" if done_only else "('done', 'staging')"
    return await DB.fetchone(
        f"SELECT * FROM archive_import WHERE group_id = ? AND content_hash = ? AND status IN {statuses}"
        " ORDER BY status LIMIT 1",
        group_id, content_hash,
    )


async def import_add(import_id: str, group_id: str, *, content_hash: str, source_name: str, chat_name: str,
                     platform: str, language: str, date_order: str, imported_by: str, imported_by_name: str,
                     stamp: datetime) -> None:
    await DB.execute(
        "INSERT INTO archive_import (id, group_id, status, content_hash, source_name, chat_name, platform,"
        " language, date_order, imported_by, imported_by_name, created_at, updated_at)"
        " VALUES (?, ?, 'staging', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        import_id, group_id, content_hash, source_name, chat_name, platform, language, date_order, imported_by,
        imported_by_name, stamp, stamp,
    )


async def import_finish(import_id: str, *, messages: int, system_messages: int, media: int, media_files: int,
                        participants: int, first_at: datetime | None, last_at: datetime | None,
                        finished_at: datetime, senders: dict[str, int]) -> None:
    """Make a staged import visible ('done'), with its counts and its senders."""
    async with DB.write() as tx:
        await tx.connection.execute(
            "UPDATE archive_import SET status = 'done', messages = ?, system_messages = ?, media = ?,"
            " media_files = ?, participants = ?, first_at = ?, last_at = ?, finished_at = ? WHERE id = ?",
            (messages, system_messages, media, media_files, participants, first_at, last_at, finished_at,
             import_id),
        )
        if senders:
            await tx.connection.executemany(
                "INSERT INTO archive_sender (import_id, sender, messages) VALUES (?, ?, ?)",
                [(import_id, sender, n) for sender, n in senders.items()],
            )


async def import_touch(import_id: str, at: datetime) -> None:
    """The heartbeat that tells a live import from one left behind by a dead process."""
    await DB.execute("UPDATE archive_import SET updated_at = ? WHERE id = ?", at, import_id)


async def import_mark_deleting(import_id: str) -> None:
    await DB.execute("UPDATE archive_import SET status = 'deleting' WHERE id = ?", import_id)


async def import_remove(import_id: str) -> None:
    """The import's row (its senders go with it); its messages must be gone already."""
    await DB.execute("DELETE FROM archive_import WHERE id = ?", import_id)


async def imports_unfinished(import_id: str | None = None) -> list[dict]:
    """Imports staging or being deleted (all, or the one asked for)."""
    if import_id is None:
        return await DB.fetch("SELECT id FROM archive_import WHERE status IN ('staging', 'deleting')")
    return await DB.fetch("SELECT id FROM archive_import WHERE id = ? AND status IN ('staging', 'deleting')",
                          import_id)


async def any_import_unfinished() -> bool:
    """Whether a killed process may have left an import behind (checked at every start: cheap)."""
    return await DB.fetchone("SELECT 1 AS x FROM archive_import WHERE status IN ('staging', 'deleting') LIMIT 1") \
        is not None


async def archive_totals(group_id: str) -> dict:
    return await DB.fetchone(
        "SELECT COUNT(*) AS imports, COALESCE(SUM(messages), 0) AS messages, MIN(first_at) AS first_at,"
        " MAX(last_at) AS last_at FROM archive_import WHERE group_id = ? AND status = 'done'",
        group_id,
    )


async def senders_done(group_id: str) -> list[str]:
    rows = await DB.fetch(
        "SELECT DISTINCT s.sender FROM archive_sender s JOIN archive_import i ON i.id = s.import_id"
        " WHERE i.group_id = ? AND i.status = 'done'",
        group_id,
    )
    return [r["sender"] for r in rows]


# -- messages -----------------------------------------------------------------------------------
async def messages_add(import_id: str, rows: list[tuple], files: list[tuple]) -> None:
    """One batch of an import: its media's file rows, its messages (import_id, group_id, position,
    at, kind, sender, text, media_name, media_omitted, deleted, file_id) and, on SQLite, their
    full-text entries (PostgreSQL's index follows the rows by itself)."""
    async with DB.write() as tx:
        connection = tx.connection
        if files:
            await connection.executemany(
                "INSERT INTO file (id, group_id, uploader_id, display_name, stored_name, content_type, size, sha256,"
                " stays_here, source, seq, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, TRUE, 'import', 0, ?, ?)",
                files,
            )
        await connection.executemany(
            "INSERT INTO archive_message (import_id, group_id, position, at, kind, sender, text, media_name,"
            " media_omitted, deleted, file_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        if DB.dialect == "sqlite":
            await connection.execute(
                "INSERT INTO archive_fts (rowid, text, media_name) SELECT id, text, COALESCE(media_name, '')"
                " FROM archive_message WHERE import_id = ? AND position >= ?",
                (import_id, rows[0][2]),
            )


async def messages_remove_some(import_id: str, limit: int) -> int:
    """Delete up to `limit` of an import's messages (a short transaction each); how many went."""
    return await DB.execute(
        "DELETE FROM archive_message WHERE id IN (SELECT id FROM archive_message WHERE import_id = ? LIMIT ?)",
        import_id, limit,
    )


async def import_files_remove(prefix: str) -> None:
    """The file rows of an import's media: their stored names share `prefix` (hex digits)."""
    await DB.execute("DELETE FROM file WHERE source = 'import' AND stored_name >= ? AND stored_name < ?",
                     prefix, prefix + "g")


async def message_at(message_id: int, group_id: str) -> datetime | None:
    row = await DB.fetchone("SELECT at FROM archive_message WHERE id = ? AND group_id = ?", message_id, group_id)
    return row["at"] if row else None


def _filters(group_id: str, sender: str | None, since: datetime | None,
             until: datetime | None) -> tuple[list[str], list[Any]]:
    where = ["m.group_id = ?", "i.status = 'done'"]
    params: list[Any] = [group_id]
    if sender:
        where.append("m.sender = ?")
        params.append(sender)
    if since:
        where.append("m.at >= ?")
        params.append(since)
    if until:
        where.append("m.at < ?")
        params.append(until)
    return where, params


async def messages_page(group_id: str, *, sender: str | None, since: datetime | None, until: datetime | None,
                        cursor: tuple[datetime, int] | None, ascending: bool, limit: int) -> list[dict]:
    """Up to `limit` finished entries by (at, id), from past the cursor's (at, id)."""
    where, params = _filters(group_id, sender, since, until)
    if cursor is not None:
        where.append("(m.at, m.id) > (?, ?)" if ascending else "(m.at, m.id) < (?, ?)")
        params += list(cursor)
    order = "ASC" if ascending else "DESC"
    return await DB.fetch(
        f"SELECT {_MESSAGE_COLUMNS}{_MESSAGE_FROM} WHERE {' AND '.join(where)}"
        f" ORDER BY m.at {order}, m.id {order} LIMIT ?",
        *params, limit,
    )


def _search_window(words: list[str], low: int, high: int, ascending: bool, window: int) -> tuple[str, list[Any]]:
    """The ids of up to `window` messages between `low` and `high` (in id order) that contain every
    word, each also as the start of a longer word, without regard to case or accents: SQLite's
    FTS5 index (unicode61, remove_diacritics 2), or PostgreSQL's full-text index (m0006)."""
    order = "ASC" if ascending else "DESC"
    if DB.dialect == "postgresql":  # the functions and the index of m0023
        return ("SELECT id FROM archive_message"
                " WHERE groupbox_archive_words(text, media_name) @@ groupbox_archive_query(?)"
                f" AND id BETWEEN ? AND ? ORDER BY id {order} LIMIT {int(window)}", [" ".join(words), low, high])
    query = " ".join('"{}"*'.format(word.replace('"', '""')) for word in words)
    return (f"SELECT rowid AS id FROM archive_fts WHERE archive_fts MATCH ? AND rowid BETWEEN ? AND ?"
            f" ORDER BY rowid {order} LIMIT {int(window)}", [query, low, high])


async def messages_search(group_id: str, words: list[str], *, sender: str | None, since: datetime | None,
                          until: datetime | None, low: int, high: int, ascending: bool, limit: int,
                          window: int) -> tuple[list[dict], int | None]:
    """THE archive search: finished entries of the group whose text or media name holds every
    word, in id order, taken from a window of at most `window` hits of the full-text index between
    ids `low` and `high`. Returns up to `limit` rows and, when the window was full before `limit`
    rows were found, the last id it looked at (where the next page goes on)."""
    where, params = _filters(group_id, sender, since, until)
    hits, hit_params = _search_window(words, low, high, ascending, window)
    order = "ASC" if ascending else "DESC"
    rows = await DB.fetch(
        f"WITH hits AS MATERIALIZED ({hits}) SELECT {_MESSAGE_COLUMNS}{_MESSAGE_FROM} JOIN hits ON hits.id = m.id"
        f" WHERE {' AND '.join(where)} ORDER BY m.id {order} LIMIT ?",
        *hit_params, *params, limit,
    )
    if len(rows) >= limit:
        return rows, None
    seen = await DB.fetchone(f"SELECT COUNT(*) AS n, {'MAX' if ascending else 'MIN'}(id) AS edge FROM ({hits}) w",
                             *hit_params)
    return rows, seen["edge"] if seen["n"] == window else None


async def import_id_end(import_id: str, group_id: str, *, since: datetime | None, until: datetime | None,
                        last: bool) -> int | None:
    """The first (or `last`) message id of an import, on the days asked for (by time) or overall
    (by position: the export's order)."""
    order = "DESC" if last else "ASC"
    if since is None and until is None:
        row = await DB.fetchone(
            f"SELECT id FROM archive_message WHERE import_id = ? ORDER BY position {order} LIMIT 1", import_id)
        return row["id"] if row else None
    where, params = ["group_id = ?", "import_id = ?"], [group_id, import_id]
    if since is not None:
        where.append("at >= ?")
        params.append(since)
    if until is not None:
        where.append("at < ?")
        params.append(until)
    # SQLite would walk the import's (import_id, position) index and sort; the (group, at) one is the walk.
    hint = " INDEXED BY archive_message_group_at" if DB.dialect == "sqlite" else ""
    row = await DB.fetchone(
        f"SELECT id FROM archive_message{hint} WHERE {' AND '.join(where)} ORDER BY at {order}, id {order} LIMIT 1",
        *params,
    )
    return row["id"] if row else None


async def media_file(file_id: str, group_id: str) -> dict | None:
    """A media file of the group that a message of a finished import names."""
    return await DB.fetchone(
        "SELECT f.* FROM file f WHERE f.id = ? AND f.group_id = ? AND f.source = 'import' AND f.deleted_at IS NULL"
        " AND EXISTS (SELECT 1 FROM archive_message m JOIN archive_import i ON i.id = m.import_id"
        "             WHERE m.file_id = f.id AND i.status = 'done')",
        file_id, group_id,
    )


# -- the funnel and the legacy channel (reads of other areas' tables) ---------------------------------
def _not_creator(column: str, creator_profile_id: str | None) -> tuple[str, list[Any]]:
    """The group's creator is not part of the funnel."""
    if creator_profile_id is None:
        return "", []
    return f" AND ({column} IS NULL OR {column} != ?)", [creator_profile_id]


async def funnel_members(group_id: str, creator_profile_id: str | None) -> list[dict]:
    """Active members who came through an invite, with their invite and how far they got."""
    creator, params = _not_creator("m.profile_id", creator_profile_id)
    return await DB.fetch(
        "SELECT m.id, m.display_name, m.role, m.joined_at, m.notifications_on, m.profile_id, m.invite_id,"
        " i.label AS invite_label, i.created_at AS invite_created_at, c.display_name AS invite_created_by,"
        " p.email_verified_at,"
        " (SELECT COUNT(*) FROM device d WHERE d.profile_id = m.profile_id AND d.revoked_at IS NULL) AS devices"
        " FROM member m LEFT JOIN invite i ON i.id = m.invite_id LEFT JOIN member c ON c.id = i.created_by"
        " LEFT JOIN profile p ON p.id = m.profile_id"
        f" WHERE m.group_id = ? AND m.status = 'active' AND m.invite_id IS NOT NULL{creator}"
        " ORDER BY m.joined_at",
        group_id, *params,
    )


async def funnel_joined(group_id: str, creator_profile_id: str | None) -> int:
    creator, params = _not_creator("profile_id", creator_profile_id)
    row = await DB.fetchone(
        "SELECT COUNT(*) AS n FROM member WHERE group_id = ? AND status = 'active' AND invite_id IS NOT NULL"
        f"{creator}",
        group_id, *params,
    )
    return row["n"]


async def passkey_profiles(profile_ids: list[str]) -> set[str]:
    if not profile_ids:
        return set()
    marks = ",".join("?" * len(profile_ids))
    rows = await DB.fetch(f"SELECT DISTINCT profile_id FROM passkey WHERE profile_id IN ({marks})", *profile_ids)
    return {r["profile_id"] for r in rows}


async def invites_opened(group_id: str) -> int:
    row = await DB.fetchone(
        "SELECT COUNT(DISTINCT v.browser) AS n FROM invite_view v JOIN invite i ON i.id = v.invite_id"
        " WHERE i.group_id = ?",
        group_id,
    )
    return row["n"]


async def next_rsvp_only(group_id: str, reference: datetime) -> dict | None:
    return await DB.fetchone(
        "SELECT id, title, starts_at, rsvp_deadline FROM event WHERE group_id = ? AND rsvp_required"
        " AND cancelled_at IS NULL AND deleted_at IS NULL AND COALESCE(rsvp_deadline, starts_at) > ?"
        " ORDER BY COALESCE(rsvp_deadline, starts_at), starts_at LIMIT 1",
        group_id, reference,
    )


async def legacy_thread(group_id: str) -> dict | None:
    return await DB.fetchone(
        "SELECT id, title, readonly_from FROM thread WHERE group_id = ? AND legacy_channel AND deleted_at IS NULL"
        " ORDER BY readonly_from IS NULL, readonly_from LIMIT 1",
        group_id,
    )


async def legacy_candidates(group_id: str, limit: int = 200) -> list[dict]:
    return await DB.fetch(
        "SELECT id, title, legacy_channel, readonly_from FROM thread WHERE group_id = ? AND deleted_at IS NULL"
        " ORDER BY updated_at DESC LIMIT ?",
        group_id, limit,
    )


async def thread_group(thread_id: str) -> str | None:
    row = await DB.fetchone("SELECT group_id FROM thread WHERE id = ?", thread_id)
    return row["group_id"] if row else None
