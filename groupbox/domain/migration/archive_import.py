"""Importing a WhatsApp export into a group's archive (SPEC §13). Reading and searching it live
in `archive.py`, with the validators the import shares.

Rules:
- Admins import. All or nothing without a long lock: entries are written in batches (`BATCH`),
  each in its own short write transaction, under an `archive_import` row with status 'staging'.
  One last short transaction flips it to 'done'; readers only ever see 'done' imports. Any
  failure — a refusal found mid-stream, a damaged media file, a cancelled request, Ctrl-C in the
  CLI — deletes the staged rows in batches and every media file written so far. While it stages
  (or is being deleted) an import holds the lock DATA/tmp/import-<id>.lock (`groupbox.scratch`);
  one whose lock nobody holds was left by a killed process and is cleaned up at once, when the
  server starts and before the next import.
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
import contextlib
import hashlib
import mimetypes
import secrets
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from groupbox import scratch
from groupbox.access import Actor, require
from groupbox.db.engine import DB
from groupbox.db.errors import IntegrityError
from groupbox.domain.audit import service as audit
from groupbox.domain.groups.service import group_get
from groupbox.domain.migration import store
from groupbox.domain.migration.archive import clean_date_order, clean_source_name
from groupbox.domain.migration.whatsapp import Counts, ExportInfo, detect, parse
from groupbox.domain.migration.whatsapp_source import CHUNK, ExportSource, WhatsAppImportError
from groupbox.errors import Conflict, Invalid, NotFound, TooLarge
from groupbox.i18n import _
from groupbox.timefmt import zone
from groupbox.util import create_private, new_id, now

BATCH = 2000  # entries per write transaction
_TYPES = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
    ".webp": "image/webp", ".heic": "image/heic", ".opus": "audio/ogg", ".ogg": "audio/ogg",
    ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".aac": "audio/aac", ".mp4": "video/mp4",
    ".3gp": "video/3gpp", ".mov": "video/quicktime", ".pdf": "application/pdf", ".vcf": "text/vcard",
    ".txt": "text/plain",
}  # fmt: skip

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
        self.senders: Counter[str] = Counter()  # messages per sender, for the archive's "From" list
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
        senders = self.senders
        tz = self.zone
        for entry in islice(self.entries, BATCH):
            add(entry)
            if entry.kind != "system" and entry.sender:
                senders[entry.sender] += 1
            at = entry.at.replace(tzinfo=tz).astimezone(UTC)
            # The archive's range is its earliest and latest entry: exports are not always in order.
            if self.first_at is None or at < self.first_at:
                self.first_at = at
            if self.last_at is None or at > self.last_at:
                self.last_at = at
            self.lines += 1 + entry.text.count("\n")
            file_id = None
            if entry.media_name is not None and entry.media_name in self.media_available:
                file_id = self._store(entry.media_name, files)
            rows.append((
                self.import_id, self.group_id, entry.index, at, entry.kind, entry.sender,
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
            with self.source.open_media(name) as media, create_private(path) as out:
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
    files_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    await discard_abandoned(files_dir)

    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(1, thread_name_prefix="whatsapp-import")

    async def off_loop(fn, *args, **kwargs):
        return await asyncio.wrap_future(pool.submit(fn, *args, **kwargs), loop=loop)

    source: ExportSource | None = None
    import_id: str | None = None
    reader: _Reader | None = None
    lock = contextlib.ExitStack()
    try:
        try:
            source = await off_loop(ExportSource.open, path, max_total_bytes=max_bytes)
            info = await off_loop(detect, source, order)
            content_hash, total_lines = await off_loop(_fingerprint, source)
        except WhatsAppImportError as exc:
            raise Invalid(exc.message, field="file") from None
        previous = await store.import_by_hash(group_id, content_hash)
        if previous is not None and previous["status"] == "done":
            return _already(previous)
        if previous is not None:
            raise Conflict(_("This export is being imported right now. Wait a moment and reload."))

        import_id = new_id()
        lock.enter_context(scratch.holding(_data_dir(files_dir), _lock_name(import_id)))
        stamp = now()
        async with DB.write():
            await store.import_add(import_id, group_id, content_hash=content_hash, source_name=name,
                                   chat_name=(info.chat_name or "")[:200], platform=info.platform,
                                   language=info.language or "", date_order=info.date_order,
                                   imported_by=me.member_id, imported_by_name=me.display_name, stamp=stamp)
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
                await store.import_finish(import_id, messages=counts.messages, system_messages=counts.system_messages,
                                          media=counts.media, media_files=len(reader.media_files),
                                          participants=counts.participants, first_at=reader.first_at,
                                          last_at=reader.last_at, finished_at=now(), senders=dict(reader.senders))
                await audit.record("archive.import", actor=actor, group_id=group_id, target_type="archive_import",
                                   target_id=import_id, target_name=name,
                                   detail=f"messages={counts.messages} system={counts.system_messages}"
                                          f" media={counts.media} participants={counts.participants}")
        except IntegrityError:
            # Another import of the same text became visible first: keep that one.
            winner = await store.import_by_hash(group_id, content_hash, done_only=True)
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
        lock.close()
        if source is not None:
            source.close()


def _already(row: dict) -> ImportResult:
    return ImportResult(row["id"], row["messages"], row["system_messages"], row["media"], row["participants"],
                        row["media_files"], True, row["finished_at"], row["chat_name"] or None)


async def _write_batch(import_id: str, rows: list[tuple], files: list[tuple]) -> None:
    async with DB.write():
        await store.messages_add(import_id, rows, files)
        await store.import_touch(import_id, now())  # the heartbeat: a live import, not one left behind


async def _discard(import_id: str, files_dir: Path, written: list[Path], pool: ThreadPoolExecutor | None = None,
                   *, group_id: str | None = None) -> None:
    """Remove an import that must not exist: its rows in short batches, then its files."""
    if pool is not None:
        # Let the import's thread finish whatever file it is writing before files are removed.
        await asyncio.to_thread(pool.shutdown, True)
    while True:
        async with DB.write():
            if not await store.messages_remove_some(import_id, BATCH):
                break
    prefix = stored_prefix(import_id)
    async with DB.write():
        await store.import_files_remove(prefix)
        await store.import_remove(import_id)

    def unlink() -> None:
        for path in [*written, *files_dir.glob(prefix + "*")]:
            path.unlink(missing_ok=True)

    await asyncio.to_thread(unlink)


def _data_dir(files_dir: Path) -> Path:
    return files_dir.parent  # DATA/files -> DATA


def _lock_name(import_id: str) -> str:
    return f"import-{import_id}.lock"


async def discard_abandoned(files_dir: Path) -> int:
    """Clean up the imports a killed process left staging or half deleted: those whose lock
    nobody holds. Safe beside imports running in other workers or the CLI (they hold theirs)."""
    rows = await store.imports_unfinished()
    discarded = 0
    for row in rows:
        with scratch.holding(_data_dir(files_dir), _lock_name(row["id"]), wait=False) as mine:
            # Under the lock, again: the import may have finished between the query and the lock.
            if mine and await store.imports_unfinished(row["id"]):
                await _discard(row["id"], files_dir, [])
                discarded += 1
    return discarded


async def import_delete(actor: Actor, group_id: str, import_id: str, *, files_dir: Path) -> dict:
    """An admin removes one import from the archive, with its media files."""
    group = await group_get(actor, group_id)
    require(actor, "group.admin", group)
    row = await store.import_get(import_id, group_id)
    if row is None:
        raise NotFound(_("Not found"))
    with scratch.holding(_data_dir(files_dir), _lock_name(import_id), wait=False) as mine:
        if not mine:  # another request is deleting it right now
            return row
        async with DB.write():
            # Hidden at once; the rows then go in short batches.
            await store.import_mark_deleting(import_id)
            await audit.record("archive.delete", actor=actor, group_id=group_id, target_type="archive_import",
                               target_id=import_id, target_name=row["source_name"],
                               detail=f"messages={row['messages']}")
        await _discard(import_id, files_dir, [])
    return row
