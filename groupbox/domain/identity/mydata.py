"""A person's own data (SPEC §6, issue 13): download it, or be deleted from a group or entirely.

Rules:
- Only the person asks, from a device that holds their whole profile: there is no way for an
  admin (or anyone) to see or trigger another person's export or deletion.
- The export is one zip: JSON files of what is theirs (profile, memberships, answers, votes,
  messages, what they created, tasks, commitments, confirmations, devices, tokens, notifications,
  audit entries about them) and the bytes of the files they uploaded. Nobody else's objects.
- "Delete me" from a group ends the membership (RSVPs, votes, places and tasks go, as when
  leaving) and erases what they wrote: their messages are emptied, their uploads removed, their
  reactions and confirmations dropped, and their name leaves the group — the member row, the
  audit log, and other people's notifications say "Former member". What the group needs stays:
  events, announcements, polls and tasks they posted (by "Former member"), and other people's
  replies. The owner of a group hands it over first.
- "Delete me" entirely does that for every group, then removes the profile: devices, sessions,
  tokens, passkeys, email and its links, notifications and preferences. The server's owner
  cannot.
- Deleted content does not linger in the database file: secure_delete is on, and the write-ahead
  log is checkpointed after an erasure.
"""

from __future__ import annotations

import json
import logging
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from groupbox.access import Actor, require, require_whole_profile
from groupbox.config import Config
from groupbox.db.engine import DB
from groupbox.domain.audit import service as audit
from groupbox.domain.audit import store as audit_store
from groupbox.domain.files import storage
from groupbox.domain.groups import service as groups
from groupbox.domain.groups import store as groups_store
from groupbox.domain.identity.store import emails, mydata, passkeys, profiles, sessions
from groupbox.domain.notify import store as notify_store
from groupbox.errors import Conflict, Forbidden, NotFound
from groupbox.i18n import _
from groupbox.util import new_id, now

log = logging.getLogger("groupbox")

FORMER = "Former member"

def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _rows(rows: list[dict]) -> list[dict]:
    return [{key: _jsonable(value) for key, value in row.items()} for row in rows]


async def _member_rows(profile_id: str) -> list[dict]:
    return await groups_store.memberships_of_profile(profile_id)


# -- export -------------------------------------------------------------------------------------
async def export_zip(actor: Actor, config: Config) -> Path:
    """Everything about the person in one zip under DATA/tmp (the caller streams it, then
    deletes it)."""
    require_whole_profile(actor)
    profile = await profiles.profile_export(actor.profile_id)
    members = await _member_rows(actor.profile_id)
    member_ids = [m["id"] for m in members]
    data: dict[str, Any] = {
        "profile": _rows([profile])[0] if profile else {},
        "memberships": _rows([{k: m[k] for k in ("id", "group_id", "group_name", "display_name", "role", "status",
                                                  "joined_at", "left_at")} for m in members]),
    }
    for name, rows in (await mydata.member_export(member_ids)).items():
        data[name] = _rows(rows)
    data["devices"] = _rows(await sessions.devices_of_profile(actor.profile_id))
    data["passkeys"] = _rows(await passkeys.passkeys_export(actor.profile_id))
    data["connection_tokens"] = _rows(await mydata.connection_tokens_export(actor.profile_id))
    # Titles only: a notification's body quotes what someone else wrote.
    data["notifications"] = _rows(await notify_store.notifications_export(actor.profile_id))
    device_ids = [d["id"] for d in data["devices"]]
    targets = [actor.profile_id, *member_ids, *device_ids]
    data["audit_entries"] = _rows(await audit_store.entries_about(actor.profile_id, targets))

    folder = config.data_dir / "tmp"
    folder.mkdir(exist_ok=True)
    path = folder / f"export-{new_id()}.zip"
    uploads = await mydata.uploads_of(member_ids)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", _readme(config, data))
        for name, value in data.items():
            archive.writestr(f"{name}.json", json.dumps(value, ensure_ascii=False, indent=2))
        for upload in uploads:
            source = storage.stored_path(config, upload["stored_name"])
            if source.is_file():
                archive.write(source, f"files/{upload['id']}-{storage.clean_display_name(upload['display_name'])}")
    path.chmod(0o600)
    await audit.record("profile.export", actor=actor, target_type="profile", target_id=actor.profile_id,
                       target_name=actor.display_name)
    return path


def _readme(config: Config, data: dict[str, Any]) -> str:
    counts = "\n".join(f"  {name}.json: {len(value) if isinstance(value, list) else 1}" for name, value in data.items())
    return (f"Your data on {config.name} ({config.base_url}), exported {now().isoformat()}.\n\n"
            f"Each .json file holds one kind of thing; files/ holds what you uploaded.\n{counts}\n")


# -- what a deletion does -----------------------------------------------------------------------
async def erase_preview(actor: Actor, group_id: str | None = None) -> dict:
    """What "Delete me" would remove and what stays, for the confirmation page."""
    require_whole_profile(actor)
    if group_id is not None:
        group = await groups.group_get(actor, group_id)
        me = require(actor, "group.view", group)
        member_ids, blocked = [me.member_id], [group["name"]] if me.role == "owner" else []
    else:
        members = [m for m in await _member_rows(actor.profile_id)]
        member_ids = [m["id"] for m in members]
        blocked = [m["group_name"] for m in members if m["role"] == "owner" and m["status"] == "active"]
    return {
        **await mydata.erase_counts(member_ids),
        "owner_of": blocked,
        "server_owner": actor.is_owner and group_id is None,
    }


async def _names_of(profile_id: str | None, member: dict) -> set[str]:
    names = {member["display_name"]}
    if profile_id:
        profile = await profiles.profile_get(profile_id)
        if profile:
            names.add(profile["display_name"])
    return {n for n in names if n and len(n) >= 3 and n != FORMER}


async def _erase_member(member: dict, names: set[str], config: Config) -> list[str]:
    """Inside the caller's write transaction: end the membership and erase what it wrote.
    Returns the stored names of files to remove from disk after the transaction."""
    member_id, group_id = member["id"], member["group_id"]
    stamp = now()
    if member["status"] in ("active", "pending"):
        await groups.end_membership(member, "left")
    # Other people's notifications quote what they wrote: the quotes go too.
    for message_id in await mydata.message_ids_of_author(member_id):
        await notify_store.notification_bodies_clear_by_url(group_id, f"#m-{message_id}")
    await notify_store.notification_bodies_clear_about("thread", await mydata.thread_ids_of_author(member_id))
    await mydata.messages_erase_of_author(member_id, stamp)
    files = await mydata.uploads_live_of(member_id)
    for row in files:
        await mydata.file_erase(row["id"], stamp)
    await mydata.member_traces_delete(member_id)
    await notify_store.notifications_delete_for_member(member_id)
    await sessions.devices_revoke_of_member(member_id, stamp)
    await groups_store.member_forget(member_id, FORMER)
    await audit_store.forget_target(member_id, FORMER)
    await mydata.archive_imports_forget_importer(member_id, FORMER)
    for name in names:
        await audit_store.replace_name(group_id, name, FORMER)
        await notify_store.notifications_replace_name(group_id, name, FORMER)
    await groups.bump(group_id)
    return [row["stored_name"] for row in files]


def _remove_files(config: Config, stored_names: list[str]) -> None:
    for stored in stored_names:
        try:
            storage.stored_path(config, stored).unlink(missing_ok=True)
        except (OSError, NotFound):  # the rows are gone either way; doctor finds leftovers
            log.exception("could not remove stored file %s", stored)


async def erase_membership(actor: Actor, group_id: str, config: Config) -> None:
    """Delete me from one group (see the module's rules)."""
    require_whole_profile(actor)
    group = await groups.group_get(actor, group_id)
    me = require(actor, "group.view", group)
    if me.role == "owner":
        raise Conflict(_("Hand over ownership to someone else before you delete yourself from this group."))
    async with DB.write():
        member = await groups.member_row(me.member_id)
        names = await _names_of(actor.profile_id, member)
        stored = await _erase_member(member, names, config)
        await audit.record("member.erase", actor_name=FORMER, group_id=group_id, target_type="member",
                           target_id=me.member_id, target_name=FORMER)
    _remove_files(config, stored)
    await DB.checkpoint()


async def erase_profile(actor: Actor, config: Config) -> None:
    """Delete me entirely: every group, then the profile and everything that hangs on it."""
    require_whole_profile(actor)
    if actor.is_owner:
        raise Forbidden(_("The server's owner cannot delete themselves; the server would have nobody to run it."))
    members = await _member_rows(actor.profile_id)
    owning = [m["group_name"] for m in members if m["role"] == "owner" and m["status"] == "active"]
    if owning:
        raise Conflict(_("Hand over ownership of {groups} before you delete yourself.", groups=", ".join(owning)))
    stored: list[str] = []
    async with DB.write():
        for member in members:
            stored += await _erase_member(member, await _names_of(actor.profile_id, member), config)
        profile_id = actor.profile_id
        await sessions.devices_delete_of_profile(profile_id)
        await mydata.connection_tokens_delete_of_profile(profile_id)
        await emails.email_tokens_delete_of_profile(profile_id)
        await sessions.signins_delete_of_profile(profile_id)
        await notify_store.notifications_delete_for_profile(profile_id)
        await passkeys.passkeys_delete_of_profile(profile_id)
        await audit_store.forget_actor(profile_id, FORMER)
        await audit_store.forget_target(profile_id, FORMER)
        await profiles.profile_delete(profile_id)
        await audit.record("profile.erase", actor_name=FORMER, target_type="profile", target_id=profile_id,
                           target_name=FORMER)
    _remove_files(config, stored)
    await DB.checkpoint()
