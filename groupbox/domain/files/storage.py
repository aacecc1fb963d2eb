"""Storing files (SPEC §11): one file's bytes checked and written to DATA/files with its row,
and where a stored file lives. No permission checks here: `service.py` decides who uploads,
reads and deletes, and calls this.

Rules:
- Size: at most `config.upload_max_bytes` (default 20 MB) → TooLarge (413). An empty file → Invalid.
- Type: decided by the bytes (`sniff.py`), never by the name. Off the allow-list (an .exe renamed
  .pdf, a zip, …) → Invalid (422, field "file"): a 422 like every other refused input, so the
  form shows it beside the field.
- Names: the display name is sanitised (no folders, control or direction characters, leading
  dots; at most 120 characters) and its extension made to agree with the sniffed type. The
  stored name is random and never derived from what a person sent.
- Nothing half-written: an upload streams into DATA/files/.incoming/ and is moved into place as
  the last step of the transaction that writes its row; any refusal removes the temporary file.
- Private: DATA/files is 0700 and every stored file 0600 (only the server's user reads them).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import time
import unicodedata
from collections.abc import AsyncIterable, Callable
from dataclasses import dataclass
from pathlib import Path

from groupbox.config import Config
from groupbox.db.engine import DB
from groupbox.domain.files import sniff, store
from groupbox.domain.groups import store as groups_store
from groupbox.domain.notify import service as notify
from groupbox.domain.objects import common
from groupbox.errors import Invalid, NotFound, TooLarge
from groupbox.i18n import _, lazy
from groupbox.util import create_private, new_id, now

log = logging.getLogger("groupbox.files")

NAME_MAX = 120
INCOMING = ".incoming"
_UNSAFE = re.compile(r'[:*?"<>|]')
_EXT = re.compile(r"^(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{1,5}$")  # "pdf", "mp3"; not "27"


# -- validation ---------------------------------------------------------------------------------
def clean_display_name(raw: str | None) -> str:
    """A name safe to show and to offer on download: `../../etc/passwd` → `passwd`."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Control, format (e.g. right-to-left override, which disguises "exe.pdf"), separators.
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Zl", "Zp"})
    name = _UNSAFE.sub("_", name)
    name = " ".join(name.split()).strip(". ")
    if len(name) > NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and _EXT.match(ext):
            name = stem[: NAME_MAX - len(ext) - 1].rstrip(". ") + "." + ext
        else:
            name = name[:NAME_MAX].rstrip(". ")
    return name or "file"


def name_for_kind(name: str, kind: sniff.Kind) -> str:
    """The display name with an extension that agrees with what the bytes are."""
    stem, dot, ext = name.rpartition(".")
    if dot and stem and _EXT.match(ext):
        if kind.accepts(ext):
            return name
        name = stem
    name = name[: NAME_MAX - len(kind.ext) - 1]
    return f"{name}.{kind.ext}"


def too_large(config: Config) -> TooLarge:
    """The one message for an upload over the limit (used by the service and the web layer)."""
    return TooLarge(_("That file is too large. Files can be at most {n} MB.", n=config.upload_max_mb),
                    field="file")


# -- storage ------------------------------------------------------------------------------------
@dataclass
class Staged:
    path: Path
    size: int
    sha256: str


def private_files_dir(config: Config) -> Path:
    """DATA/files, 0700 (also for a folder made before files were private)."""
    path = config.files_dir
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o777 != 0o700:
        path.chmod(0o700)
    return path


def _incoming_dir(config: Config) -> Path:
    path = private_files_dir(config) / INCOMING
    path.mkdir(mode=0o700, exist_ok=True)
    _sweep(path)
    return path


def _sweep(incoming: Path, max_age: float = 6 * 3600) -> None:
    """Remove uploads a crash left half-way (normally every refusal cleans up after itself)."""
    cutoff = time.time() - max_age
    try:
        for entry in os.scandir(incoming):
            if entry.is_file() and entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
    except OSError:
        log.warning("could not sweep %s", incoming)


async def _stage(chunks: AsyncIterable[bytes], config: Config) -> Staged:
    """Stream the bytes into a temporary file under DATA/files/.incoming, counting and hashing."""
    path = _incoming_dir(config) / secrets.token_hex(16)
    digest = hashlib.sha256()
    size = 0
    limit = config.upload_max_bytes
    try:
        with create_private(path) as handle:
            async for chunk in chunks:
                if not chunk:
                    continue
                size += len(chunk)
                if size > limit:
                    raise too_large(config)
                digest.update(chunk)
                handle.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size == 0:
        path.unlink(missing_ok=True)
        raise Invalid(_("That file is empty. Choose another one."), field="file")
    return Staged(path, size, digest.hexdigest())


def stored_path(config: Config, stored_name: str) -> Path:
    # Stored names are ours (hex), but never let one leave the folder.
    if not re.fullmatch(r"[0-9a-f]{32}", stored_name or ""):
        raise NotFound(_("Not found"))
    return config.files_dir / stored_name


async def store_file(group_id: str, uploader_id: str | None, filename: str | None,
                     chunks: AsyncIterable[bytes], *, config: Config,
                     ack_required: bool | Callable[[], bool] = False, source: str = "upload",
                     notify_members: bool = True, stays_here: bool | Callable[[], bool] = False) -> dict:
    """Check, store and record one file for a group, with no permission check (the caller has
    done it: `file_upload` for people, the migration kit for imported media). `ack_required`
    may be a function, asked once the bytes are in (form fields can follow the file)."""
    display = clean_display_name(filename)
    staged = await _stage(chunks, config)
    final: Path | None = None
    try:
        if callable(ack_required):
            ack_required = ack_required()
        if callable(stays_here):
            stays_here = stays_here()
        ext = display.rpartition(".")[2].lower() if "." in display else ""
        try:
            kind = sniff.sniff(staged.path, ext)
        except sniff.Refused as exc:
            raise Invalid(str(exc), field="file") from None
        display = name_for_kind(display, kind)
        file_id = new_id()
        stored = secrets.token_hex(16)
        final = config.files_dir / stored
        stamp = now()
        async with DB.write():
            seq = await common.next_seq(group_id)
            await store.file_insert(
                file_id=file_id, group_id=group_id, uploader_id=uploader_id, display_name=display, stored_name=stored,
                content_type=kind.content_type, size=staged.size, sha256=staged.sha256,
                ack_required=bool(ack_required), stays_here=bool(stays_here), source=source, seq=seq, stamp=stamp,
            )
            if notify_members:
                uploader = await common.member_names([uploader_id]) if uploader_id else {}
                who = uploader.get(uploader_id, {}).get("display_name") or _("Someone")
                await notify.notify(
                    await groups_store.member_ids_active(group_id), "new_file", group_id=group_id,
                    title=lazy("{who} shared “{name}”", who=who, name=display), url=f"/files/{file_id}",
                    object_type="file", object_id=file_id, exclude_member=uploader_id,
                )
            # Last step before commit: a failed commit removes the file again (below).
            os.replace(staged.path, final)
    except BaseException:
        staged.path.unlink(missing_ok=True)
        if final is not None:
            final.unlink(missing_ok=True)
        raise
    return await store.file_row(file_id)
