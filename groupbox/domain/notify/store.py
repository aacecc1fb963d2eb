"""Notifications' storage: in-app notifications, their mail state, and people's notification choices."""

from __future__ import annotations

from datetime import datetime

from groupbox.db.engine import DB

TABLES = ("notification", "notification_pref")
READS = {
    "member": "the recipients of a notification: active members (of one group) with their profile (one query)",
    "profile": "a recipient's language and verified address, joined to the notifications being mailed",
    "grp": "a notification's group name, joined to the list and to the mails (LEFT JOIN per row)",
    "event": "mail leaves out objects deleted since (one IN query per kind)",
    "announcement": "mail leaves out objects deleted since (one IN query per kind)",
    "task": "mail leaves out objects deleted since (one IN query per kind)",
    "poll": "mail leaves out objects deleted since (one IN query per kind)",
    "signup": "mail leaves out objects deleted since (one IN query per kind)",
    "thread": "mail leaves out objects deleted since (one IN query per kind)",
    "file": "mail leaves out objects deleted since (one IN query per kind)",
}
FOREIGN_WRITES: dict[str, str] = {}

# object_type -> its table, for the objects notifications point at (see `objects_live`).
OBJECT_TABLES = {"event": "event", "announcement": "announcement", "task": "task", "poll": "poll",
                 "signup": "signup", "thread": "thread", "file": "file"}


def _marks(values) -> str:
    return ",".join("?" * len(values))


def _mine(profile_id: str, member_id: str | None, prefix: str = "") -> tuple[str, list]:
    """The WHERE part for one profile's notifications, or one membership's of it."""
    if member_id is not None:
        return f"{prefix}profile_id = ? AND {prefix}member_id = ?", [profile_id, member_id]
    return f"{prefix}profile_id = ?", [profile_id]


# -- recipients ---------------------------------------------------------------------------------
async def recipients(member_ids: list[str], group_id: str | None) -> list[dict]:
    """Active members among these ids (of `group_id` when given): id, profile_id, language."""
    if not member_ids:
        return []
    sql = (f"SELECT m.id, m.profile_id, p.language FROM member m JOIN profile p ON p.id = m.profile_id"
           f" WHERE m.id IN ({_marks(member_ids)}) AND m.status = 'active'")
    params: list = list(member_ids)
    if group_id is not None:
        sql += " AND m.group_id = ?"
        params.append(group_id)
    return await DB.fetch(sql, *params)


async def profile_exists(profile_id: str) -> bool:
    return await DB.fetchone("SELECT id FROM profile WHERE id = ?", profile_id) is not None


# -- notifications ------------------------------------------------------------------------------
async def notification_add(*, profile_id: str, member_id: str, group_id: str | None, category: str, title: str,
                           body: str, url: str, object_type: str | None, object_id: str | None, mode: str,
                           notification_id: str, created_at: datetime) -> None:
    await DB.execute(
        "INSERT INTO notification (id, profile_id, member_id, group_id, category, title, body, url,"
        " object_type, object_id, mode, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        notification_id, profile_id, member_id, group_id, category, title, body, url, object_type, object_id,
        mode, created_at,
    )


async def notification_unread_count(profile_id: str, member_id: str | None) -> int:
    where, params = _mine(profile_id, member_id)
    row = await DB.fetchone(f"SELECT COUNT(*) AS n FROM notification WHERE {where} AND read_at IS NULL", *params)
    return row["n"] if row else 0


async def notification_list(profile_id: str, member_id: str | None, *, unread_only: bool, limit: int) -> list[dict]:
    """Newest first, with the group's name and colour."""
    where, params = _mine(profile_id, member_id, "n.")
    where += " AND n.read_at IS NULL" if unread_only else ""
    return await DB.fetch(
        f"SELECT n.*, g.name AS group_name, g.color_index FROM notification n LEFT JOIN grp g ON g.id = n.group_id"
        f" WHERE {where} ORDER BY n.created_at DESC LIMIT ?",
        *params, limit,
    )


async def notification_read_all(profile_id: str, member_id: str | None, read_at: datetime,
                                before: datetime | None = None) -> int:
    where, params = _mine(profile_id, member_id)
    if before is not None:
        where += " AND created_at < ?"
        params.append(before)
    return await DB.execute(f"UPDATE notification SET read_at = ? WHERE {where} AND read_at IS NULL",
                            read_at, *params)


async def notification_read(notification_id: str, profile_id: str, member_id: str | None, read_at: datetime) -> int:
    where, params = _mine(profile_id, member_id)
    return await DB.execute(f"UPDATE notification SET read_at = COALESCE(read_at, ?) WHERE id = ? AND {where}",
                            read_at, notification_id, *params)


async def notification_stop_mail(profile_id: str, category: str, stamp: datetime) -> int:
    """Mark what waits to be mailed in this category as if mailed (it never will be)."""
    return await DB.execute("UPDATE notification SET mailed_at = ? WHERE profile_id = ? AND category = ?"
                            " AND mailed_at IS NULL", stamp, profile_id, category)


# -- mail ---------------------------------------------------------------------------------------
async def mail_claim(notification_id: str, stamp: datetime) -> bool:
    """Claim one notification for mailing (one attempt more); False when another worker has it."""
    return await DB.execute(
        "UPDATE notification SET mailed_at = ?, mail_attempts = mail_attempts + 1 WHERE id = ? AND mailed_at IS NULL",
        stamp, notification_id,
    ) == 1


async def mail_release(notification_ids: list[str], max_attempts: int) -> int:
    if not notification_ids:
        return 0
    return await DB.execute(
        f"UPDATE notification SET mailed_at = NULL WHERE id IN ({_marks(notification_ids)}) AND mail_attempts < ?",
        *notification_ids, max_attempts,
    )


async def mail_immediate_pending(max_attempts: int, since: datetime, limit: int) -> list[dict]:
    """Immediate notifications created after `since`, not yet mailed, to verified addresses."""
    return await DB.fetch(
        "SELECT n.id, n.profile_id, n.category, n.title, n.body, n.url, n.object_type, n.object_id, p.email, p.language,"
        " g.name AS group_name FROM notification n"
        " JOIN profile p ON p.id = n.profile_id LEFT JOIN grp g ON g.id = n.group_id"
        " WHERE n.mode = 'immediate' AND n.mailed_at IS NULL AND n.mail_attempts < ? AND n.created_at > ?"
        " AND p.email IS NOT NULL AND p.email_verified_at IS NOT NULL"
        " ORDER BY n.created_at LIMIT ?",
        max_attempts, since, limit,
    )


async def mail_digest_pending(max_attempts: int, immediate_before: datetime) -> list[dict]:
    """Digest notifications (and immediate ones from before `immediate_before`) neither mailed nor
    read, to verified addresses; by person, group name, time."""
    return await DB.fetch(
        "SELECT n.id, n.profile_id, n.category, n.title, n.url, n.object_type, n.object_id, n.created_at, p.email,"
        " p.language, g.name AS group_name FROM notification n JOIN profile p ON p.id = n.profile_id"
        " LEFT JOIN grp g ON g.id = n.group_id"
        " WHERE (n.mode = 'digest' OR (n.mode = 'immediate' AND n.created_at <= ?))"
        " AND n.mailed_at IS NULL AND n.read_at IS NULL AND n.mail_attempts < ?"
        " AND p.email IS NOT NULL AND p.email_verified_at IS NOT NULL ORDER BY n.profile_id, g.name, n.created_at",
        immediate_before, max_attempts,
    )


async def objects_live(kind: str, object_ids: list[str]) -> set[str]:
    """Which of these objects of one kind (a key of OBJECT_TABLES) exist and are not deleted."""
    if not object_ids:
        return set()
    rows = await DB.fetch(
        f"SELECT id FROM {OBJECT_TABLES[kind]} WHERE id IN ({_marks(object_ids)}) AND deleted_at IS NULL",
        *object_ids,
    )
    return {row["id"] for row in rows}


# -- preferences --------------------------------------------------------------------------------
async def prefs_for(profile_ids: list[str], group_id: str | None, category: str) -> list[dict]:
    """These people's choices for a category, for all groups ('') and this group; '' first."""
    if not profile_ids:
        return []
    return await DB.fetch(
        f"SELECT profile_id, group_id, mode FROM notification_pref WHERE category = ?"
        f" AND profile_id IN ({_marks(profile_ids)}) AND group_id IN ('', ?) ORDER BY group_id",
        category, *profile_ids, group_id or "",
    )


async def prefs_of(profile_id: str) -> list[dict]:
    """Every choice of one person: group_id ('' = all groups), category, mode."""
    return await DB.fetch("SELECT group_id, category, mode FROM notification_pref WHERE profile_id = ?", profile_id)


async def pref_set(profile_id: str, group_id: str, category: str, mode: str) -> None:
    await DB.execute(
        "INSERT INTO notification_pref (profile_id, group_id, category, mode) VALUES (?,?,?,?)"
        " ON CONFLICT (profile_id, group_id, category) DO UPDATE SET mode = excluded.mode",
        profile_id, group_id, category, mode,
    )


async def pref_clear(profile_id: str, group_id: str, category: str) -> None:
    await DB.execute("DELETE FROM notification_pref WHERE profile_id = ? AND group_id = ? AND category = ?",
                     profile_id, group_id, category)


async def pref_mute_everywhere(profile_id: str, category: str) -> None:
    """Mute a category for all groups and in every group the person chose something for."""
    await pref_set(profile_id, "", category, "mute")
    await DB.execute("UPDATE notification_pref SET mode = 'mute' WHERE profile_id = ? AND category = ?",
                     profile_id, category)


async def pref_any_loud(profile_id: str, categories: list[str]) -> bool:
    """Whether any stored choice for these categories is not mute."""
    if not categories:
        return False
    row = await DB.fetchone(
        f"SELECT 1 AS x FROM notification_pref WHERE profile_id = ? AND mode != 'mute'"
        f" AND category IN ({_marks(categories)})", profile_id, *categories,
    )
    return row is not None


# -- a person's data (export and erasure, identity/mydata.py) ------------------------------------
async def notifications_export(profile_id: str) -> list[dict]:
    """Titles only: a notification's body quotes what someone else wrote."""
    return await DB.fetch("SELECT id, group_id, category, title, url, created_at, read_at FROM notification"
                          " WHERE profile_id = ? ORDER BY created_at, id", profile_id)


async def notification_bodies_clear_by_url(group_id: str, url_suffix: str) -> int:
    """Blank the body of the group's notifications whose link ends with `url_suffix` (they quote
    an erased message)."""
    return await DB.execute("UPDATE notification SET body = '' WHERE group_id = ? AND lower(url) LIKE lower(?)",
                            group_id, f"%{url_suffix}")


async def notification_bodies_clear_about(object_type: str, object_ids: list[str]) -> int:
    """Blank the body of notifications about these objects (they quote erased text)."""
    if not object_ids:
        return 0
    return await DB.execute(f"UPDATE notification SET body = '' WHERE object_type = ? AND object_id IN"
                            f" ({_marks(object_ids)})", object_type, *object_ids)


async def notifications_replace_name(group_id: str, old: str, new: str) -> int:
    """An erased person's name, wherever the group's notifications quote it, becomes `new`."""
    return await DB.execute("UPDATE notification SET title = REPLACE(title, ?, ?), body = REPLACE(body, ?, ?)"
                            " WHERE group_id = ?", old, new, old, new, group_id)


async def notifications_delete_for_member(member_id: str) -> int:
    return await DB.execute("DELETE FROM notification WHERE member_id = ?", member_id)


async def notifications_delete_for_profile(profile_id: str) -> int:
    """A profile's notifications and its choices of how to be told."""
    count = await DB.execute("DELETE FROM notification WHERE profile_id = ?", profile_id)
    await DB.execute("DELETE FROM notification_pref WHERE profile_id = ?", profile_id)
    return count
