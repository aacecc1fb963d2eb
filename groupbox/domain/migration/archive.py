"""The WhatsApp archive of a group: importing an export, reading and searching it (SPEC §13).

Rules:
- Admins import; everyone in the group reads and searches. The archive is read-only: there is
  no way to post into it, and it is shown as an archive, never as a live chat.
- All or nothing without a long lock: entries are written in batches (`BATCH`), each in its
  own short write transaction, under an `archive_import` row with status 'staging'. One last
  short transaction flips it to 'done'; readers only ever see 'done' imports. Any failure — a
  refusal found mid-stream, a damaged media file, a cancelled request, Ctrl-C in the CLI —
  deletes the staged rows in batches and every media file written so far. A staging import
  left behind by a killed process (no batch for `STALE_AFTER`) is cleaned up by the next import.
- Refused whole, with the parser's short message: not an export, empty, wrong encoding, unsafe
  or damaged zip, suspicious compression ratio or unpacked size (Invalid, 422); a file over the
  instance's import limit (TooLarge, 413).
- The same chat text becomes part of a group's archive once: a repeat import answers "already
  imported" and writes nothing (the SHA-256 of the chat text, checked before any write and
  enforced by a unique index when the import becomes visible).
- Media named in messages are copied out of the zip into DATA/files under random names, as
  `file` rows with source 'import', stays_here set and no change number: they belong to the
  archive, are served only through it, never leave this server and never show in the group's
  file list. Media in the zip that no message names are skipped.
- Times are the export's wall clock read in the group's timezone, stored as UTC.
- The app never talks to any messenger: an export file is all it reads.
"""

from __future__ import annotations

import asyncio
import codecs
import hashlib
import mimetypes
import re
import secrets
import sqlite3
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from groupbox.access import Actor, can, require
from groupbox.db.engine import DB
from groupbox.domain.audit import service as audit
from groupbox.domain.groups.service import group_get
from groupbox.domain.migration.whatsapp import Counts, ExportInfo, detect, parse
from groupbox.domain.migration.whatsapp_source import CHUNK, ExportSource, WhatsAppImportError
from groupbox.errors import Conflict, Invalid, NotFound, TooLarge
from groupbox.i18n import _
from groupbox.timefmt import zone
from groupbox.util import as_utc, new_id, now

BATCH = 2000  # entries per write transaction
STALE_AFTER = timedelta(minutes=15)  # a staging import silent this long was left by a dead process
PAGE = 50
MAX_QUERY_TERMS = 12
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
PLAYABLE_TYPES = {"audio/ogg", "audio/mpeg", "audio/mp4", "audio/aac", "video/mp4"}
_TYPES = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
    ".webp": "image/webp", ".heic": "image/heic", ".opus": "audio/ogg", ".ogg": "audio/ogg",
    ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".aac": "audio/aac", ".mp4": "video/mp4",
    ".3gp": "video/3gpp", ".mov": "video/quicktime", ".pdf": "application/pdf", ".vcf": "text/vcard",
    ".txt": "text/plain",
}  # fmt: skip
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f/\\]")
_WORD_RE = re.compile(r"\w+", re.UNICODE)

Progress = Callable[[int, int], None]  # (lines done, lines in total)


@dataclass(frozen=True)
class ImportResult:
    import_id: str
    messages: int
    system_messages: int
    media: int
    participants: int
    media_files: int = 0
    already_imported: bool = False
    imported_at: datetime | None = None
    chat_name: str | None = None

    def counts(self) -> dict[str, int]:
        """SPEC §13 counts, as the CLI's --json and the API print them."""
        return {"messages": self.messages, "system_messages": self.system_messages, "media": self.media,
                "participants": self.participants}


# -- validation ---------------------------------------------------------------------------------
def clean_date_order(raw: str | None) -> str | None:
    order = (raw or "").strip().lower()
    if order in ("", "auto"):
        return None
    if order not in ("dmy", "mdy"):
        raise Invalid(_("Date order must be dmy (day first) or mdy (month first)."), field="date_order")
    return order


def clean_source_name(raw: str | None) -> str:
    """A file name fit to show and to keep the chat's name hint: no folders, no control characters."""
    name = _CONTROL_RE.sub("", (raw or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return name[:150] or "export"


def clean_query(raw: str | None) -> str | None:
    """Words typed into the search box -> a safe FTS5 query: every word must appear, each also
    as the start of a longer word ("train" finds "training"). Nothing of FTS5's syntax leaks."""
    words = _WORD_RE.findall(raw or "")[:MAX_QUERY_TERMS]
    if not words:
        return None
    return " ".join(f'"{word}"*' for word in words)


def clean_day(raw: str | None, tz: str, field: str) -> datetime | None:
    """'2024-03-01' (a day in the group's zone) -> the UTC instant that day starts."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise Invalid(_("Use a date like 2024-03-01."), field=field) from None
    return day.replace(tzinfo=zone(tz)).astimezone(UTC)


def _at_text(value: datetime) -> str:
    """UTC as stored in TIMESTAMPTZ columns ('2024-01-13 07:00:00+00:00'), for comparisons."""
    return as_utc(value).isoformat(" ")


# -- import -------------------------------------------------------------------------------------
class _Reader:
    """Runs on the import's own thread: parses the next batch and copies its media out of the
    zip. Everything written to disk is listed in `written` before it is created."""

    def __init__(self, source: ExportSource, info: ExportInfo, *, tz: str, import_id: str, group_id: str,
                 files_dir: Path, uploader_id: str | None, stamp: datetime):
        self.source = source
        self.entries = parse(source, info)
        self.zone = zone(tz)
        self.import_id = import_id
        self.group_id = group_id
        self.files_dir = files_dir
        self.uploader_id = uploader_id
        self.stamp = stamp
        self.media_available = set(source.media_names())
        self.media_files: dict[str, str] = {}  # name in the zip -> file id
        self.written: list[Path] = []
        self.counts = Counts()
        self.lines = 0
        self.first_at: datetime | None = None
        self.last_at: datetime | None = None

    @property
    def prefix(self) -> str:
        return stored_prefix(self.import_id)

    def next_batch(self) -> tuple[list[tuple], list[tuple]]:
        rows: list[tuple] = []
        files: list[tuple] = []
        add = self.counts.add
        tz = self.zone
        for entry in islice(self.entries, BATCH):
            add(entry)
            at = entry.at.replace(tzinfo=tz).astimezone(UTC)
            if self.first_at is None:
                self.first_at = at
            self.last_at = at
            self.lines += 1 + entry.text.count("\n")
            file_id = None
            if entry.media_name is not None and entry.media_name in self.media_available:
                file_id = self._store(entry.media_name, files)
            rows.append((
                self.import_id, self.group_id, entry.index, at.isoformat(" "), entry.kind, entry.sender,
                entry.text, entry.media_name, entry.media_omitted, entry.deleted, file_id,
            ))
        return rows, files

    def _store(self, name: str, files: list[tuple]) -> str:
        known = self.media_files.get(name)
        if known is not None:
            return known
        stored = self.prefix + secrets.token_hex(10)
        path = self.files_dir / stored
        self.written.append(path)
        digest = hashlib.sha256()
        size = 0
        try:
            with self.source.open_media(name) as media, open(path, "xb") as out:
                while chunk := media.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise WhatsAppImportError(_("The zip file is damaged or incomplete.")) from exc
        file_id = new_id()
        content_type = _TYPES.get(Path(name).suffix.lower()) or mimetypes.guess_type(name)[0]
        files.append((
            file_id, self.group_id, self.uploader_id, clean_source_name(name)[:200], stored,
            (content_type or "application/octet-stream")[:100], size, digest.hexdigest(), self.stamp, self.stamp,
        ))
        self.media_files[name] = file_id
        return file_id


def stored_prefix(import_id: str) -> str:
    """Media of one import share a stored-name prefix, so a cleanup finds every file even after
    a crash between writing a file and recording it. Stored names stay 32 hex digits like
    every other stored file: 12 from the import, 20 random."""
    return hashlib.sha256(import_id.encode()).hexdigest()[:12]


def _fingerprint(source: ExportSource) -> tuple[str, int]:
    """SHA-256 of the chat text and its number of lines (for the progress bar)."""
    digest = hashlib.sha256()
    lines = 0
    decoder = codecs.getincrementaldecoder(source.encoding)("replace") if source.encoding == "utf-16" else None
    for chunk in source.chat_bytes():
        digest.update(chunk)
        lines += decoder.decode(chunk).count("\n") if decoder else chunk.count(b"\n")
    return digest.hexdigest(), lines + 1


async def import_export(actor: Actor, group_id: str, path: str | Path, *, files_dir: Path, max_bytes: int,
                        date_order: str | None = None, source_name: str | None = None,
                        progress: Progress | None = None) -> ImportResult:
    """Import a WhatsApp export (`.txt` or `.zip`) into the group's archive. See the module's rules."""
    group = await group_get(actor, group_id)
    me = require(actor, "group.admin", group)
    order = clean_date_order(date_order)
    path = Path(path)
    name = clean_source_name(source_name or path.name)
    try:
        size = path.stat().st_size
    except OSError:
        raise Invalid(_("The file could not be read."), field="file") from None
    if size > max_bytes:
        raise TooLarge(_("The export is larger than this server's import limit of {mb} MB.",
                         mb=max_bytes // 2**20), field="file")
    files_dir.mkdir(parents=True, exist_ok=True)
    await discard_stale(files_dir)

    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(1, thread_name_prefix="whatsapp-import")

    async def off_loop(fn, *args, **kwargs):
        return await asyncio.wrap_future(pool.submit(fn, *args, **kwargs), loop=loop)

    source: ExportSource | None = None
    import_id: str | None = None
    reader: _Reader | None = None
    try:
        try:
            source = await off_loop(ExportSource.open, path, max_total_bytes=max_bytes)
            info = await off_loop(detect, source, order)
            content_hash, total_lines = await off_loop(_fingerprint, source)
        except WhatsAppImportError as exc:
            raise Invalid(exc.message, field="file") from None
        previous = await DB.fetchone(
            "SELECT * FROM archive_import WHERE group_id = ? AND content_hash = ? AND status IN ('done', 'staging')"
            " ORDER BY status LIMIT 1",
            group_id, content_hash,
        )
        if previous is not None and previous["status"] == "done":
            return _already(previous)
        if previous is not None:
            raise Conflict(_("This export is being imported right now. Wait a moment and reload."))

        import_id = new_id()
        stamp = now()
        async with DB.write():
            await DB.execute(
                "INSERT INTO archive_import (id, group_id, status, content_hash, source_name, chat_name, platform,"
                " language, date_order, imported_by, imported_by_name, created_at, updated_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                import_id, group_id, "staging", content_hash, name, (info.chat_name or "")[:200], info.platform,
                info.language or "", info.date_order, me.member_id, me.display_name, stamp, stamp,
            )
        reader = _Reader(source, info, tz=group["timezone"], import_id=import_id, group_id=group_id,
                         files_dir=files_dir, uploader_id=me.member_id, stamp=stamp)
        if progress:
            progress(0, total_lines)
        try:
            batch = await off_loop(reader.next_batch)
            while batch[0]:
                upcoming = pool.submit(reader.next_batch)  # parse the next batch while this one is written
                await _write_batch(import_id, *batch)
                if progress:
                    progress(min(reader.lines, total_lines), total_lines)
                batch = await asyncio.wrap_future(upcoming, loop=loop)
        except WhatsAppImportError as exc:
            raise Invalid(exc.message, field="file") from None
        counts = reader.counts
        try:
            async with DB.write():
                await DB.execute(
                    "UPDATE archive_import SET status = 'done', messages = ?, system_messages = ?, media = ?,"
                    " media_files = ?, participants = ?, first_at = ?, last_at = ?, finished_at = ? WHERE id = ?",
                    counts.messages, counts.system_messages, counts.media, len(reader.media_files),
                    counts.participants, reader.first_at, reader.last_at, now(), import_id,
                )
                await audit.record("archive.import", actor=actor, group_id=group_id, target_type="archive_import",
                                   target_id=import_id, target_name=name,
                                   detail=f"messages={counts.messages} system={counts.system_messages}"
                                          f" media={counts.media} participants={counts.participants}")
        except sqlite3.IntegrityError:
            # Another import of the same text became visible first: keep that one.
            winner = await DB.fetchone(
                "SELECT * FROM archive_import WHERE group_id = ? AND content_hash = ? AND status = 'done'",
                group_id, content_hash,
            )
            await _discard(import_id, files_dir, reader.written, pool)
            import_id = None
            return _already(winner)
        done, import_id = import_id, None  # visible now: nothing may undo it any more
        if progress:
            progress(total_lines, total_lines)
        return ImportResult(done, counts.messages, counts.system_messages, counts.media, counts.participants,
                            len(reader.media_files), False, now(), info.chat_name)
    except BaseException:
        if import_id is not None:
            await _discard(import_id, files_dir, reader.written if reader else [], pool)
        raise
    finally:
        await asyncio.to_thread(pool.shutdown, True)
        if source is not None:
            source.close()


def _already(row: dict) -> ImportResult:
    return ImportResult(row["id"], row["messages"], row["system_messages"], row["media"], row["participants"],
                        row["media_files"], True, row["finished_at"], row["chat_name"] or None)


async def _write_batch(import_id: str, rows: list[tuple], files: list[tuple]) -> None:
    async with DB.write() as tx:
        connection = tx.connection
        if files:
            await connection.executemany(
                "INSERT INTO file (id, group_id, uploader_id, display_name, stored_name, content_type, size, sha256,"
                " stays_here, source, seq, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,1,'import',0,?,?)",
                files,
            )
        await connection.executemany(
            "INSERT INTO archive_message (import_id, group_id, position, at, kind, sender, text, media_name,"
            " media_omitted, deleted, file_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        await connection.execute(
            "INSERT INTO archive_fts (rowid, text, media_name) SELECT id, text, COALESCE(media_name, '')"
            " FROM archive_message WHERE import_id = ? AND position >= ?",
            (import_id, rows[0][2]),
        )
        # The heartbeat that tells a live import from one left behind by a dead process.
        await connection.execute("UPDATE archive_import SET updated_at = ? WHERE id = ?", (now(), import_id))


async def _discard(import_id: str, files_dir: Path, written: list[Path], pool: ThreadPoolExecutor | None = None,
                   *, group_id: str | None = None) -> None:
    """Remove an import that must not exist: its rows in short batches, then its files."""
    if pool is not None:
        # Let the import's thread finish whatever file it is writing before files are removed.
        await asyncio.to_thread(pool.shutdown, True)
    while True:
        async with DB.write():
            rows = await DB.fetch("SELECT id FROM archive_message WHERE import_id = ? LIMIT ?", import_id, BATCH)
            if not rows:
                break
            marks = ",".join("?" * len(rows))
            await DB.execute(f"DELETE FROM archive_message WHERE id IN ({marks})", *[r["id"] for r in rows])
    prefix = stored_prefix(import_id)
    async with DB.write():
        await DB.execute(
            "DELETE FROM file WHERE source = 'import' AND stored_name >= ? AND stored_name < ?", prefix, prefix + "g"
        )
        await DB.execute("DELETE FROM archive_import WHERE id = ?", import_id)

    def unlink() -> None:
        for path in [*written, *files_dir.glob(prefix + "*")]:
            path.unlink(missing_ok=True)

    await asyncio.to_thread(unlink)


async def discard_stale(files_dir: Path) -> int:
    """Clean up staging imports left behind by a process that died mid-import."""
    cutoff = now() - STALE_AFTER
    rows = await DB.fetch(
        "SELECT id FROM archive_import WHERE status IN ('staging', 'deleting') AND updated_at < ?", cutoff
    )
    for row in rows:
        await _discard(row["id"], files_dir, [])
    return len(rows)


async def import_delete(actor: Actor, group_id: str, import_id: str, *, files_dir: Path) -> dict:
    """An admin removes one import from the archive, with its media files."""
    group = await group_get(actor, group_id)
    require(actor, "group.admin", group)
    row = await DB.fetchone(
        "SELECT * FROM archive_import WHERE id = ? AND group_id = ? AND status = 'done'", import_id, group_id
    )
    if row is None:
        raise NotFound(_("Not found"))
    async with DB.write():
        # Hidden at once; the rows then go in short batches.
        await DB.execute("UPDATE archive_import SET status = 'deleting' WHERE id = ?", import_id)
        await audit.record("archive.delete", actor=actor, group_id=group_id, target_type="archive_import",
                           target_id=import_id, target_name=row["source_name"], detail=f"messages={row['messages']}")
    await _discard(import_id, files_dir, [])
    return row


# -- reading ------------------------------------------------------------------------------------
async def archive_overview(actor: Actor, group_id: str) -> dict:
    """The group's finished imports, totals, the first and last day, and the senders."""
    group = await group_get(actor, group_id)
    require(actor, "group.view", group)
    imports = await DB.fetch(
        "SELECT * FROM archive_import WHERE group_id = ? AND status = 'done' ORDER BY finished_at DESC", group_id
    )
    senders: list[str] = []
    if imports:
        rows = await DB.fetch(
            "SELECT DISTINCT m.sender FROM archive_message m JOIN archive_import i ON i.id = m.import_id"
            " WHERE m.group_id = ? AND m.sender IS NOT NULL AND i.status = 'done'",
            group_id,
        )
        senders = sorted((r["sender"] for r in rows), key=str.casefold)
    firsts = [i["first_at"] for i in imports if i["first_at"] is not None]
    lasts = [i["last_at"] for i in imports if i["last_at"] is not None]
    return {
        "imports": imports,
        "messages": sum(i["messages"] for i in imports),
        "system_messages": sum(i["system_messages"] for i in imports),
        "media": sum(i["media"] for i in imports),
        "first_at": min(firsts) if firsts else None,
        "last_at": max(lasts) if lasts else None,
        "senders": senders,
        "can_import": can(actor, "group.admin", group),
    }


async def archive_counts(group_id: str) -> dict:
    """Totals for a dashboard line (no permission check: callers already hold the group)."""
    row = await DB.fetchone(
        "SELECT COUNT(*) AS imports, COALESCE(SUM(messages), 0) AS messages, MIN(first_at) AS first_at,"
        " MAX(last_at) AS last_at FROM archive_import WHERE group_id = ? AND status = 'done'",
        group_id,
    )
    return row


@dataclass
class SearchResult:
    items: list[dict] = field(default_factory=list)
    older: int | None = None  # message id to continue from (`before=`), when there is more
    newer: int | None = None  # message id to go back from (`after=`)
    query: str | None = None
    words: list[str] = field(default_factory=list)


async def archive_search(actor: Actor, group_id: str, *, q: str | None = None, sender: str | None = None,
                         date_from: str | None = None, date_to: str | None = None, before: int | None = None,
                         after: int | None = None, limit: int = PAGE) -> SearchResult:
    """Archive entries, newest first: words in the text (FTS5), one sender, a range of days
    (inclusive, in the group's zone); `before`/`after` page from an entry's id."""
    group = await group_get(actor, group_id)
    require(actor, "group.view", group)
    limit = max(1, min(int(limit), 200))
    match = clean_query(q)
    start = clean_day(date_from, group["timezone"], "from")
    end = clean_day(date_to, group["timezone"], "to")
    if start and end and end < start:
        raise Invalid(_("The end date is before the start date."), field="to")
    where = ["m.group_id = ?", "i.status = 'done'"]
    params: list[Any] = [group_id]
    if match:
        where.append("m.id IN (SELECT rowid FROM archive_fts WHERE archive_fts MATCH ?)")
        params.append(match)
    if sender:
        where.append("m.sender = ?")
        params.append(sender.strip())
    if start:
        where.append("m.at >= ?")
        params.append(_at_text(start))
    if end:
        where.append("m.at < ?")
        params.append(_at_text(end + timedelta(days=1)))
    cursor_id = before if before is not None else after
    ascending = before is None and after is not None
    if cursor_id is not None:
        anchor = await DB.fetchone("SELECT at || '' AS at_text FROM archive_message WHERE id = ? AND group_id = ?",
                                   int(cursor_id), group_id)
        if anchor is None:
            raise NotFound(_("Not found"))
        where.append("(m.at, m.id) > (?, ?)" if ascending else "(m.at, m.id) < (?, ?)")
        params += [anchor["at_text"], int(cursor_id)]
    order = "ASC" if ascending else "DESC"
    rows = await DB.fetch(
        "SELECT m.id, m.at, m.kind, m.sender, m.text, m.media_name, m.media_omitted, m.deleted, m.file_id,"
        " f.content_type, f.size, f.display_name AS file_name"
        " FROM archive_message m JOIN archive_import i ON i.id = m.import_id"
        " LEFT JOIN file f ON f.id = m.file_id AND f.deleted_at IS NULL"
        f" WHERE {' AND '.join(where)} ORDER BY m.at {order}, m.id {order} LIMIT ?",
        *params, limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    if ascending:
        rows.reverse()
    words = _WORD_RE.findall(q or "")[:MAX_QUERY_TERMS]
    for row in rows:
        row["media_kind"] = _media_kind(row.get("content_type"))
        row["parts"] = highlight(row["text"], words)
    result = SearchResult(items=rows, query=match, words=words)
    if rows and ascending:
        result.older = rows[-1]["id"]  # the anchor itself is older
        result.newer = rows[0]["id"] if more else None
    elif rows:
        result.older = rows[-1]["id"] if more else None
        result.newer = rows[0]["id"] if cursor_id is not None else None
    return result


def _media_kind(content_type: str | None) -> str | None:
    if not content_type:
        return None
    if content_type in INLINE_TYPES:
        return "image"
    if content_type in PLAYABLE_TYPES:
        return content_type.split("/")[0]
    return "file"


def highlight(text: str, words: list[str]) -> list[tuple[str, bool]]:
    """Split text into (piece, is_match) for <mark>; words match at the start of a word."""
    if not words or not text:
        return [(text, False)]
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\w*", re.IGNORECASE | re.UNICODE)
    parts: list[tuple[str, bool]] = []
    last = 0
    for m in pattern.finditer(text):
        if m.start() > last:
            parts.append((text[last:m.start()], False))
        parts.append((m.group(0), True))
        last = m.end()
    if last < len(text):
        parts.append((text[last:], False))
    return parts or [(text, False)]


async def archive_media(actor: Actor, group_id: str, file_id: str) -> dict:
    """A media file of a finished import, for people in the group; NotFound otherwise."""
    group = await group_get(actor, group_id)
    require(actor, "group.view", group)
    row = await DB.fetchone(
        "SELECT f.* FROM file f WHERE f.id = ? AND f.group_id = ? AND f.source = 'import' AND f.deleted_at IS NULL"
        " AND EXISTS (SELECT 1 FROM archive_message m JOIN archive_import i ON i.id = m.import_id"
        "             WHERE m.file_id = f.id AND i.status = 'done')",
        file_id, group_id,
    )
    if row is None:
        raise NotFound(_("Not found"))
    row["inline"] = row["content_type"] in INLINE_TYPES or row["content_type"] in PLAYABLE_TYPES
    return row
