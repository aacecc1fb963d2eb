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
from groupbox.domain.files import storage
from groupbox.domain.groups import service as groups
from groupbox.errors import Conflict, Forbidden, NotFound
from groupbox.i18n import _
from groupbox.util import new_id, now

log = logging.getLogger("groupbox")

FORMER = "Former member"

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


def _marks(values: list[str]) -> str:
    return ",".join("?" * len(values)) or "NULL"


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _rows(rows: list[dict]) -> list[dict]:
    return [{key: _jsonable(value) for key, value in row.items()} for row in rows]


async def _member_rows(profile_id: str) -> list[dict]:
    return await DB.fetch("SELECT m.*, g.name AS group_name FROM member m JOIN grp g ON g.id = m.group_id"
                          " WHERE m.profile_id = ? ORDER BY m.joined_at", profile_id)


# -- export -------------------------------------------------------------------------------------
async def export_zip(actor: Actor, config: Config) -> Path:
    """Everything about the person in one zip under DATA/tmp (the caller streams it, then
    deletes it)."""
    require_whole_profile(actor)
    profile = await DB.fetchone("SELECT id, display_name, email, email_verified_at, is_owner, language, created_at"
                                " FROM profile WHERE id = ?", actor.profile_id)
    members = await _member_rows(actor.profile_id)
    member_ids = [m["id"] for m in members]
    marks = _marks(member_ids)
    data: dict[str, Any] = {
        "profile": _rows([profile])[0] if profile else {},
        "memberships": _rows([{k: m[k] for k in ("id", "group_id", "group_name", "display_name", "role", "status",
                                                  "joined_at", "left_at")} for m in members]),
    }
    for name, sql in _MEMBER_QUERIES.items():
        data[name] = _rows(await DB.fetch(sql.format(m=marks), *member_ids)) if member_ids else []
    data["devices"] = _rows(await DB.fetch(
        "SELECT id, label, user_agent, created_at, last_seen_at, revoked_at FROM device WHERE profile_id = ?",
        actor.profile_id))
    data["passkeys"] = _rows(await DB.fetch(
        "SELECT id, name, created_at, last_used_at FROM passkey WHERE profile_id = ?", actor.profile_id))
    data["connection_tokens"] = _rows(await DB.fetch(
        "SELECT id, label, scopes, created_at, expires_at, last_used_at, revoked_at FROM connection_token"
        " WHERE profile_id = ?", actor.profile_id))
    # Titles only: a notification's body quotes what someone else wrote.
    data["notifications"] = _rows(await DB.fetch(
        "SELECT id, group_id, category, title, url, created_at, read_at FROM notification WHERE profile_id = ?",
        actor.profile_id))
    device_ids = [d["id"] for d in data["devices"]]
    targets = [actor.profile_id, *member_ids, *device_ids]
    data["audit_entries"] = _rows(await DB.fetch(
        f"SELECT id, group_id, actor_name, action, target_type, target_name, detail, created_at FROM audit_entry"
        f" WHERE actor_profile_id = ? OR target_id IN ({_marks(targets)}) ORDER BY created_at",
        actor.profile_id, *targets))

    folder = config.data_dir / "tmp"
    folder.mkdir(exist_ok=True)
    path = folder / f"export-{new_id()}.zip"
    uploads = await DB.fetch(f"SELECT id, display_name, stored_name FROM file WHERE uploader_id IN ({marks})"
                             " AND deleted_at IS NULL", *member_ids) if member_ids else []
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
    marks = _marks(member_ids)

    async def count(sql: str) -> int:
        row = await DB.fetchone(sql.format(m=marks), *(member_ids * sql.count("{m}"))) if member_ids else None
        return row["n"] if row else 0

    return {
        "messages": await count("SELECT COUNT(*) AS n FROM message WHERE author_id IN ({m}) AND deleted_at IS NULL"),
        "files": await count("SELECT COUNT(*) AS n FROM file WHERE uploader_id IN ({m}) AND deleted_at IS NULL"),
        "answers": await count("SELECT (SELECT COUNT(*) FROM rsvp WHERE member_id IN ({m}))"
                               " + (SELECT COUNT(*) FROM poll_vote WHERE member_id IN ({m}))"
                               " + (SELECT COUNT(*) FROM signup_commitment WHERE member_id IN ({m})) AS n"),
        "posted": await count("SELECT (SELECT COUNT(*) FROM event WHERE author_id IN ({m}) AND deleted_at IS NULL)"
                              " + (SELECT COUNT(*) FROM announcement WHERE author_id IN ({m}) AND deleted_at IS NULL)"
                              " + (SELECT COUNT(*) FROM poll WHERE author_id IN ({m}) AND deleted_at IS NULL)"
                              " + (SELECT COUNT(*) FROM task WHERE author_id IN ({m}) AND deleted_at IS NULL) AS n"),
        "owner_of": blocked,
        "server_owner": actor.is_owner and group_id is None,
    }


async def _names_of(profile_id: str | None, member: dict) -> set[str]:
    names = {member["display_name"]}
    if profile_id:
        profile = await DB.fetchone("SELECT display_name FROM profile WHERE id = ?", profile_id)
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
    for row in await DB.fetch("SELECT id FROM message WHERE author_id = ?", member_id):
        await DB.execute("UPDATE notification SET body = '' WHERE group_id = ? AND url LIKE ?", group_id,
                         f"%#m-{row['id']}")
    await DB.execute("UPDATE notification SET body = '' WHERE object_type = 'thread' AND object_id IN"
                     " (SELECT id FROM thread WHERE author_id = ?)", member_id)
    await DB.execute("UPDATE message SET body = '', author_name = '', deleted_at = COALESCE(deleted_at, ?),"
                     " deleted_by = COALESCE(deleted_by, ?) WHERE author_id = ?", stamp, member_id, member_id)
    files = await DB.fetch("SELECT id, stored_name FROM file WHERE uploader_id = ? AND deleted_at IS NULL", member_id)
    for row in files:
        await DB.execute("UPDATE file SET deleted_at = ?, updated_at = ?, display_name = 'removed' WHERE id = ?",
                         stamp, stamp, row["id"])
        await DB.execute("DELETE FROM attachment WHERE file_id = ?", row["id"])
    for table in ("reaction", "mention", "announcement_ack", "announcement_read", "file_ack", "event_seen",
                  "thread_read", "rsvp", "poll_vote", "signup_commitment", "task_assignee",
                  "connection_token_member"):
        await DB.execute(f"DELETE FROM {table} WHERE member_id = ?", member_id)
    await DB.execute("DELETE FROM notification WHERE member_id = ?", member_id)
    await DB.execute("UPDATE device SET revoked_at = COALESCE(revoked_at, ?) WHERE member_id = ?", stamp, member_id)
    await DB.execute("UPDATE member SET display_name = ?, profile_id = NULL, notifications_on = 0 WHERE id = ?",
                     FORMER, member_id)
    await DB.execute("UPDATE audit_entry SET target_name = ? WHERE target_id = ?", FORMER, member_id)
    await DB.execute("UPDATE archive_import SET imported_by_name = ? WHERE imported_by = ?", FORMER, member_id)
    for name in names:
        await DB.execute("UPDATE audit_entry SET actor_name = REPLACE(actor_name, ?, ?),"
                         " target_name = REPLACE(target_name, ?, ?), detail = REPLACE(detail, ?, ?)"
                         " WHERE group_id = ?", name, FORMER, name, FORMER, name, FORMER, group_id)
        await DB.execute("UPDATE notification SET title = REPLACE(title, ?, ?), body = REPLACE(body, ?, ?)"
                         " WHERE group_id = ?", name, FORMER, name, FORMER, group_id)
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
        for sql in ("DELETE FROM session WHERE device_id IN (SELECT id FROM device WHERE profile_id = ?)",
                    "DELETE FROM device WHERE profile_id = ?",
                    "DELETE FROM connection_token_member WHERE token_id IN"
                    " (SELECT id FROM connection_token WHERE profile_id = ?)",
                    "DELETE FROM connection_token WHERE profile_id = ?",
                    "DELETE FROM email_token WHERE profile_id = ?",
                    "DELETE FROM signin_token WHERE profile_id = ?",
                    "DELETE FROM notification WHERE profile_id = ?",
                    "DELETE FROM notification_pref WHERE profile_id = ?",
                    "DELETE FROM passkey WHERE profile_id = ?",
                    "UPDATE audit_entry SET actor_profile_id = NULL, actor_name = 'Former member'"
                    " WHERE actor_profile_id = ?",
                    "UPDATE audit_entry SET target_name = 'Former member' WHERE target_id = ?",
                    "DELETE FROM profile WHERE id = ?"):
            await DB.execute(sql, profile_id)
        await audit.record("profile.erase", actor_name=FORMER, target_type="profile", target_id=profile_id,
                           target_name=FORMER)
    _remove_files(config, stored)
    await DB.checkpoint()
