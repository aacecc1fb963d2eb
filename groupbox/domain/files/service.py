"""Files (SPEC §11): upload, download, lists per group and across groups, acknowledgement
tracking, and attachments to announcements and events.

Rules:
- Uploading needs `file.upload` (moderator and up; members unless the group switched
  `members_upload` off; never guests). Asking everyone to acknowledge a file needs
  `object.create`, like any other official item.
- Size: at most `config.upload_max_bytes` (default 20 MB) → TooLarge (413). An empty file → Invalid.
- Type: decided by the bytes (`sniff.py`), never by the name. Off the allow-list (an .exe renamed
  .pdf, a zip, …) → Invalid (422, field "file"): a 422 like every other refused input, so the
  form shows it beside the field.
- Names: the display name is sanitised (no folders, control or direction characters, leading
  dots; at most 120 characters) and its extension made to agree with the sniffed type. The
  stored name is random and never derived from what a person sent.
- Nothing half-written: an upload streams into DATA/files/.incoming/ and is moved into place as
  the last step of the transaction that writes its row; any refusal removes the temporary file.
- Download and every read: members of the file's group only; anyone else gets NotFound.
- Acknowledging (`act:acknowledge`, members and up) is recorded once per member; the uploader
  needn't. Admins and the uploader see who has and who hasn't.
- Deleting: the uploader, or a moderator and up (the rule for messages). It leaves a tombstone and
  removes the stored file.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from groupbox.access import Actor, can, require
from groupbox.config import Config
from groupbox.db.engine import DB
from groupbox.domain.files import sniff
from groupbox.domain.groups import service as groups
from groupbox.domain.notify import service as notify
from groupbox.domain.objects import common
from groupbox.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from groupbox.i18n import _
from groupbox.util import new_id, now

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


def clean_ack_required(actor: Actor, group: dict, raw: Any) -> bool:
    wanted = bool(raw) and str(raw).lower() not in ("0", "false", "off", "no")
    if wanted and not can(actor, "object.create", group):
        raise Invalid(_("Only people who post official updates can ask everyone to confirm a file."),
                      field="ack_required")
    return wanted


def too_large(config: Config) -> TooLarge:
    """The one message for an upload over the limit (used by the service and the web layer)."""
    return TooLarge(_("That file is too large. Files can be at most {n} MB.", n=config.upload_max_mb),
                    field="file")


@dataclass
class Upload:
    """One uploaded file as the web layer (or a test, or the CLI) hands it over: the name as
    sent, the bytes as a stream (None: no file was chosen), and the form's other fields, which
    are complete once the stream has been consumed."""

    filename: str | None
    chunks: AsyncIterable[bytes] | None
    fields: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_bytes(cls, filename: str, data: bytes, **fields: str) -> Upload:
        async def one_chunk():
            yield data

        return cls(filename, one_chunk(), dict(fields))


# -- storage ------------------------------------------------------------------------------------
@dataclass
class Staged:
    path: Path
    size: int
    sha256: str


def _incoming_dir(config: Config) -> Path:
    path = config.files_dir / INCOMING
    path.mkdir(parents=True, exist_ok=True)
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
        with path.open("xb") as handle:
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
                     notify_members: bool = True) -> dict:
    """Check, store and record one file for a group, with no permission check (the caller has
    done it: `file_upload` for people, the migration kit for imported media). `ack_required`
    may be a function, asked once the bytes are in (form fields can follow the file)."""
    display = clean_display_name(filename)
    staged = await _stage(chunks, config)
    final: Path | None = None
    try:
        if callable(ack_required):
            ack_required = ack_required()
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
            await DB.execute(
                "INSERT INTO file (id, group_id, uploader_id, display_name, stored_name, content_type, size, sha256,"
                " ack_required, source, seq, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                file_id, group_id, uploader_id, display, stored, kind.content_type, staged.size, staged.sha256,
                ack_required, source, seq, stamp, stamp,
            )
            if notify_members:
                uploader = await common.member_names([uploader_id]) if uploader_id else {}
                who = uploader.get(uploader_id, {}).get("display_name") or _("Someone")
                members = await DB.fetch("SELECT id FROM member WHERE group_id = ? AND status = 'active'", group_id)
                await notify.notify(
                    [m["id"] for m in members], "new_file", group_id=group_id,
                    title=_("{who} shared “{name}”", who=who, name=display), url=f"/files/{file_id}",
                    object_type="file", object_id=file_id, exclude_member=uploader_id,
                )
            # Last step before commit: a failed commit removes the file again (below).
            os.replace(staged.path, final)
    except BaseException:
        staged.path.unlink(missing_ok=True)
        if final is not None:
            final.unlink(missing_ok=True)
        raise
    return await _file_row(file_id)


async def file_upload(actor: Actor, group_id: str, upload: Upload, *, config: Config) -> dict:
    """A person uploads a file to a group (see the module rules). The permission is checked
    before a single byte is read; `ack_required` (a form field) once the stream is complete."""
    group = await groups.group_get(actor, group_id)
    me = require(actor, "file.upload", group)
    clean_ack_required(actor, group, upload.fields.get("ack_required"))
    if upload.chunks is None:
        raise Invalid(_("Choose a file to upload."), field="file")

    def ack_required() -> bool:
        return clean_ack_required(actor, group, upload.fields.get("ack_required"))

    row = await store_file(group_id, me.member_id, upload.filename, upload.chunks, config=config,
                           ack_required=ack_required)
    return await _decorate_one(actor, row, group)


# -- reading ------------------------------------------------------------------------------------
_FILE_SELECT = (
    "SELECT f.id, f.group_id, f.uploader_id, f.display_name, f.stored_name, f.content_type, f.size, f.sha256,"
    " f.ack_required, f.stays_here, f.source, f.seq, f.created_at, f.updated_at, f.deleted_at,"
    " m.display_name AS uploader_name, m.status AS uploader_status"
    " FROM file f LEFT JOIN member m ON m.id = f.uploader_id"
)


async def _file_row(file_id: str) -> dict | None:
    return await DB.fetchone(f"{_FILE_SELECT} WHERE f.id = ?", file_id)


async def _eligible(group_ids: list[str]) -> dict[str, set[str]]:
    """group id -> member ids who are asked to acknowledge (active, not guests)."""
    if not group_ids:
        return {}
    marks = ",".join("?" * len(group_ids))
    rows = await DB.fetch(
        f"SELECT id, group_id FROM member WHERE group_id IN ({marks}) AND status = 'active' AND role != 'guest'",
        *group_ids,
    )
    result: dict[str, set[str]] = {gid: set() for gid in group_ids}
    for row in rows:
        result[row["group_id"]].add(row["id"])
    return result


async def _acks(file_ids: list[str]) -> dict[str, dict[str, Any]]:
    """file id -> {member id: acked_at}."""
    if not file_ids:
        return {}
    marks = ",".join("?" * len(file_ids))
    rows = await DB.fetch(f"SELECT file_id, member_id, acked_at FROM file_ack WHERE file_id IN ({marks})", *file_ids)
    result: dict[str, dict[str, Any]] = {fid: {} for fid in file_ids}
    for row in rows:
        result[row["file_id"]][row["member_id"]] = row["acked_at"]
    return result


async def _groups_brief(group_ids: list[str]) -> dict[str, dict]:
    if not group_ids:
        return {}
    ids = list(dict.fromkeys(group_ids))
    marks = ",".join("?" * len(ids))
    rows = await DB.fetch(f"SELECT id, name, color_index, timezone, members_upload, members_post_official"
                          f" FROM grp WHERE id IN ({marks})", *ids)
    return {r["id"]: r for r in rows}


async def _decorate(actor: Actor, rows: list[dict], groups_by_id: dict[str, dict] | None = None) -> list[dict]:
    """Add what people see: type badge, uploader (or "former member"), my acknowledgement,
    "19 of 24 acknowledged" where I may see it, what I may do."""
    if not rows:
        return []
    groups_by_id = groups_by_id or await _groups_brief([r["group_id"] for r in rows])
    eligible = await _eligible(list(groups_by_id))
    acks = await _acks([r["id"] for r in rows if r["ack_required"]])
    for row in rows:
        group = groups_by_id[row["group_id"]]
        me = actor.membership(row["group_id"])
        my_id = me.member_id if me else None
        label, family = sniff.badge(row["content_type"], row["display_name"])
        row["type_label"], row["type_family"] = label, family
        row["is_image"] = sniff.is_image(row["content_type"])
        row["group"] = {"id": group["id"], "name": group["name"], "color_index": group["color_index"],
                        "timezone": group["timezone"]}
        row["uploader"] = row.get("uploader_name") if row.get("uploader_status") == "active" \
            else _("former member") if row.get("uploader_id") else _("imported")
        row["mine"] = bool(my_id and row["uploader_id"] == my_id)
        row["ack_required"] = bool(row["ack_required"])
        row["url"] = f"/files/{row['id']}"
        row["download_url"] = f"/files/{row['id']}/download"
        row["can_delete"] = can(actor, "message.delete", {"group_id": row["group_id"], "author_id": row["uploader_id"]})
        row["can_see_acks"] = row["ack_required"] and (row["mine"] or can(actor, "group.admin", group))
        if row["ack_required"]:
            asked = eligible[row["group_id"]] - {row["uploader_id"]}
            done = acks.get(row["id"], {})
            row["ack_count"] = len(asked & set(done))
            row["ack_total"] = len(asked)
            row["acked_by_me"] = bool(my_id and my_id in done)
            row["acked_at"] = done.get(my_id) if my_id else None
            row["needs_my_ack"] = bool(my_id and my_id in asked and my_id not in done)
        else:
            row.update(ack_count=0, ack_total=0, acked_by_me=False, acked_at=None, needs_my_ack=False)
        row.pop("stored_name", None)
    return rows


async def _decorate_one(actor: Actor, row: dict, group: dict | None = None) -> dict:
    return (await _decorate(actor, [row], {group["id"]: group} if group else None))[0]


async def _visible(actor: Actor, file_id: str) -> tuple[dict, dict]:
    """The raw row and its group, if the actor is in that group and the file is not deleted."""
    row = await _file_row(file_id)
    if row is None or row["deleted_at"] is not None:
        raise NotFound(_("Not found"))
    group = await groups.group_get(actor, row["group_id"])
    return row, group


async def files_list(actor: Actor, group_id: str, limit: int = 200) -> list[dict]:
    """The group's files, newest first."""
    group = await groups.group_get(actor, group_id)
    rows = await DB.fetch(
        f"{_FILE_SELECT} WHERE f.group_id = ? AND f.deleted_at IS NULL AND f.source != 'import' ORDER BY f.created_at DESC LIMIT ?",
        group_id, limit,
    )
    return await _decorate(actor, rows, {group_id: group})


async def files_for_person(actor: Actor, limit: int = 100) -> list[dict]:
    """Files of all the person's groups, newest first (the /files page, /api/home/files)."""
    ids = actor.group_ids
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = await DB.fetch(
        f"{_FILE_SELECT} WHERE f.group_id IN ({marks}) AND f.deleted_at IS NULL AND f.source != 'import' ORDER BY f.created_at DESC LIMIT ?",
        *ids, limit,
    )
    return await _decorate(actor, rows)


async def file_get(actor: Actor, file_id: str) -> dict:
    row, group = await _visible(actor, file_id)
    return await _decorate_one(actor, row, group)


async def file_download(actor: Actor, file_id: str, config: Config) -> tuple[dict, Path]:
    """The file's row and where its bytes are, for members of its group."""
    row, group = await _visible(actor, file_id)
    path = stored_path(config, row["stored_name"])
    if not path.is_file():
        log.error("stored file %s of %s is missing", row["stored_name"], file_id)
        raise NotFound(_("This file's content is missing on the server. Ask an admin to upload it again."))
    return await _decorate_one(actor, row, group), path


async def file_ack(actor: Actor, file_id: str) -> dict:
    """I confirm I've read a file that asks for it (idempotent)."""
    row, group = await _visible(actor, file_id)
    me = require(actor, "act:acknowledge", row, group)
    if not row["ack_required"]:
        raise Conflict(_("This file doesn't ask anyone to confirm it."))
    async with DB.write():
        added = await DB.execute(
            "INSERT INTO file_ack (file_id, member_id, acked_at) VALUES (?,?,?) ON CONFLICT DO NOTHING",
            file_id, me.member_id, now(),
        )
        if added:
            await common.touch("file", [row])
    return await _decorate_one(actor, row, group)


async def file_acks(actor: Actor, file_id: str) -> dict[str, list[dict]]:
    """Who has and who hasn't acknowledged (admins and the uploader)."""
    row, group = await _visible(actor, file_id)
    me = require(actor, "group.view", group)
    if not (row["uploader_id"] == me.member_id or can(actor, "group.admin", group)):
        raise Forbidden(_("Only admins and the person who shared the file see who confirmed it."))
    members = await DB.fetch(
        "SELECT m.id, m.display_name, a.acked_at FROM member m"
        " LEFT JOIN file_ack a ON a.member_id = m.id AND a.file_id = ?"
        " WHERE m.group_id = ? AND m.status = 'active' AND m.role != 'guest' AND m.id != ?"
        " ORDER BY m.display_name COLLATE NOCASE",
        file_id, row["group_id"], row["uploader_id"] or "",
    )
    done = sorted((m for m in members if m["acked_at"] is not None), key=lambda m: m["acked_at"])
    return {
        "acknowledged": [{"member_id": m["id"], "display_name": m["display_name"], "acked_at": m["acked_at"]}
                         for m in done],
        "waiting": [{"member_id": m["id"], "display_name": m["display_name"]} for m in members
                    if m["acked_at"] is None],
    }


async def file_delete(actor: Actor, file_id: str, config: Config) -> dict:
    """The uploader or a moderator removes a file: tombstone, and the bytes leave the disk."""
    row, group = await _visible(actor, file_id)
    # Same rule as for messages: your own, or anyone's for moderators and up.
    require(actor, "message.delete", {"group_id": row["group_id"], "author_id": row["uploader_id"]}, group)
    stamp = now()
    async with DB.write():
        seq = await common.next_seq(row["group_id"])
        await DB.execute("UPDATE file SET deleted_at = ?, updated_at = ?, seq = ? WHERE id = ?",
                         stamp, stamp, seq, file_id)
        await DB.execute("DELETE FROM attachment WHERE file_id = ?", file_id)
        await common.tombstone(row["group_id"], "file", file_id)
    try:
        stored_path(config, row["stored_name"]).unlink(missing_ok=True)
    except OSError:  # the row is gone either way; a leftover is found by `doctor`
        log.exception("could not remove stored file %s", row["stored_name"])
    return row


# -- home dashboard -----------------------------------------------------------------------------
# -- attachments --------------------------------------------------------------------------------
async def attach(group_id: str, object_type: str, object_id: str, file_ids: list[str] | None) -> None:
    """Attach files of the same group to an object (inside the caller's write transaction).
    Unknown files, or files of another group, are refused as a whole."""
    ids = list(dict.fromkeys(file_ids or []))
    if not ids:
        return
    marks = ",".join("?" * len(ids))
    rows = await DB.fetch(
        f"SELECT id FROM file WHERE id IN ({marks}) AND group_id = ? AND deleted_at IS NULL AND source != 'import'", *ids, group_id
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
        " AND source != 'import'"
        " ORDER BY created_at DESC LIMIT 200",
        group_id,
    )
