"""Files (SPEC §11): upload, download, lists per group and across groups, acknowledgement
tracking, and attachments to announcements and events.

Rules:
- Uploading needs `file.upload` (moderator and up; members unless the group switched
  `members_upload` off; never guests). Asking everyone to acknowledge a file needs
  `object.create`, like any other official item.
- Download and every read: members of the file's group only; anyone else gets NotFound.
- Acknowledging (`act:acknowledge`, members and up) is recorded once per member; the uploader
  needn't. Admins and the uploader see who has and who hasn't.
- Deleting: the uploader, or a moderator and up (the rule for messages). It leaves a tombstone and
  removes the stored file.
- Storing the bytes (size, type, names, nothing half-written) lives in `storage.py`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from groupbox.access import Actor, can, require, roles_that
from groupbox.config import Config
from groupbox.db.engine import DB
from groupbox.domain.files import sniff, store
from groupbox.domain.files.storage import store_file, stored_path
from groupbox.domain.groups import service as groups
from groupbox.domain.groups import store as groups_store
from groupbox.domain.objects import common
from groupbox.errors import Conflict, Forbidden, Invalid, NotFound
from groupbox.i18n import _
from groupbox.util import now

log = logging.getLogger("groupbox.files")


# -- validation ---------------------------------------------------------------------------------
def clean_ack_required(actor: Actor, group: dict, raw: Any) -> bool:
    wanted = bool(raw) and str(raw).lower() not in ("0", "false", "off", "no")
    if wanted and not can(actor, "object.create", group):
        raise Invalid(_("Only people who post official updates can ask everyone to confirm a file."),
                      field="ack_required")
    return wanted


def clean_flag(raw: Any) -> bool:
    """A form checkbox or a multipart field: present and not "0"/"false"/"off"/"no"."""
    return bool(raw) and str(raw).lower() not in ("0", "false", "off", "no")


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
                           ack_required=ack_required,
                           # "Stays on this server": home servers get a stub (domain/remote/sync.py).
                           stays_here=lambda: clean_flag(upload.fields.get("stays_here")))
    return await _decorate_one(actor, row, group)


# -- reading ------------------------------------------------------------------------------------
async def _eligible(group_ids: list[str]) -> dict[str, set[str]]:
    """group id -> member ids who are asked to acknowledge (active, not guests)."""
    if not group_ids:
        return {}
    rows = await groups_store.members_active_in_groups(group_ids, list(roles_that("act")))
    result: dict[str, set[str]] = {gid: set() for gid in group_ids}
    for row in rows:
        result[row["group_id"]].add(row["id"])
    return result


async def _acks(file_ids: list[str]) -> dict[str, dict[str, Any]]:
    """file id -> {member id: acked_at}."""
    if not file_ids:
        return {}
    rows = await store.acks_of(file_ids)
    result: dict[str, dict[str, Any]] = {fid: {} for fid in file_ids}
    for row in rows:
        result[row["file_id"]][row["member_id"]] = row["acked_at"]
    return result


async def _groups_brief(group_ids: list[str]) -> dict[str, dict]:
    if not group_ids:
        return {}
    rows = await groups_store.groups_get(list(group_ids))
    return {r["id"]: {key: r[key] for key in ("id", "name", "color_index", "timezone", "members_upload",
                                             "members_post_official")} for r in rows}


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
        row["stays_here"] = bool(row.get("stays_here"))
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
    row = await store.file_row(file_id)
    if row is None or row["deleted_at"] is not None:
        raise NotFound(_("Not found"))
    group = await groups.group_get(actor, row["group_id"])
    return row, group


async def files_list(actor: Actor, group_id: str, limit: int = 200) -> list[dict]:
    """The group's files, newest first."""
    group = await groups.group_get(actor, group_id)
    rows = await store.files_of_groups([group_id], limit)
    return await _decorate(actor, rows, {group_id: group})


async def files_for_person(actor: Actor, limit: int = 100) -> list[dict]:
    """Files of all the person's groups, newest first (the /files page, /api/home/files)."""
    ids = actor.group_ids
    if not ids:
        return []
    rows = await store.files_of_groups(list(ids), limit)
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
        added = await store.ack_add(file_id, me.member_id, now())
        if added:
            await common.touch("file", [row])
    return await _decorate_one(actor, row, group)


async def file_acks(actor: Actor, file_id: str) -> dict[str, list[dict]]:
    """Who has and who hasn't acknowledged (admins and the uploader)."""
    row, group = await _visible(actor, file_id)
    me = require(actor, "group.view", group)
    if not (row["uploader_id"] == me.member_id or can(actor, "group.admin", group)):
        raise Forbidden(_("Only admins and the person who shared the file see who confirmed it."))
    members = await store.askees(file_id, row["group_id"], list(roles_that("act")), row["uploader_id"] or "")
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
        await store.file_mark_deleted(file_id, seq, stamp)
        await common.tombstone(row["group_id"], "file", file_id)
    try:
        stored_path(config, row["stored_name"]).unlink(missing_ok=True)
    except OSError:  # the row is gone either way; a leftover is found by `doctor`
        log.exception("could not remove stored file %s", row["stored_name"])
    return row


# -- attachments --------------------------------------------------------------------------------
async def attach(group_id: str, object_type: str, object_id: str, file_ids: list[str] | None) -> None:
    """Attach files of the same group to an object (inside the caller's write transaction).
    Unknown files, or files of another group, are refused as a whole."""
    ids = list(dict.fromkeys(file_ids or []))
    if not ids:
        return
    if len(await store.file_ids_shown(group_id, ids)) != len(ids):
        raise Invalid(_("One of the attached files does not exist in this group."), field="file_ids")
    await store.attachments_add(object_type, object_id, ids)


async def detach_all(object_type: str, object_id: str) -> None:
    """Take every file off an object (inside the caller's write transaction), e.g. before
    attaching a new list."""
    await store.attachments_clear(object_type, object_id)


async def attachments(object_type: str, object_ids: list[str]) -> dict[str, list[dict]]:
    """object id -> its files (id, display_name, content_type, size, ack_required)."""
    if not object_ids:
        return {}
    rows = await store.attachments_of(object_type, object_ids)
    result: dict[str, list[dict]] = {}
    for row in rows:
        result.setdefault(row.pop("object_id"), []).append(row)
    return result


async def group_files_brief(group_id: str) -> list[dict]:
    """The group's files for an "attach" picker: id, display_name, content_type, newest first."""
    return await store.files_brief(group_id, 200)
