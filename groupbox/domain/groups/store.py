"""Groups' storage: groups, their members, invites and who opened an invite.

Other areas read groups and members through the lookups here (`group_get`, `member_get`,
`member_ids_active`, ...) rather than querying `grp`/`member` themselves.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from groupbox.db.engine import DB

TABLES = ("grp", "member", "invite", "invite_view")
READS = {
    "profile": "the member list shows who confirmed an address and who owns the server (LEFT JOIN per member)",
    "passkey": "the member list shows who has a passkey (EXISTS per member)",
    "device": "resetting access revokes the devices of a profile left in no group; identity.store should"
              " offer device_ids_active(profile_id)",
    "event": "join and answer: the group's next event that asks for RSVPs, and the answered event's group"
             " (no events store function for it yet)",
}
FOREIGN_WRITES: dict[str, str] = {}

# Columns `group_set` may change (names are put into the statement, so they come from here only).
GROUP_SETTINGS = frozenset({"name", "purpose", "timezone", "members_post_official", "members_upload",
                            "expected_size", "updated_at"})
_WITH_COUNT = ("SELECT g.*, (SELECT COUNT(*) FROM member m WHERE m.group_id = g.id AND m.status = 'active')"
               " AS member_count FROM grp g")


def _marks(values) -> str:
    return ",".join("?" * len(values))


# -- groups -------------------------------------------------------------------------------------
async def group_get(group_id: str) -> dict | None:
    return await DB.fetchone("SELECT * FROM grp WHERE id = ?", group_id)


async def groups_get(group_ids: list[str]) -> list[dict]:
    """These groups (every column), by id; unknown ids are left out."""
    ids = list(dict.fromkeys(group_ids))
    if not ids:
        return []
    return await DB.fetch(f"SELECT * FROM grp WHERE id IN ({_marks(ids)}) ORDER BY id", *ids)


async def group_count() -> int:
    row = await DB.fetchone("SELECT COUNT(*) AS n FROM grp")
    return row["n"]


async def group_ids_named(name: str) -> list[str]:
    rows = await DB.fetch("SELECT id FROM grp WHERE name = ? ORDER BY id", name)
    return [row["id"] for row in rows]


async def groups_with_member_count(group_ids: list[str] | None = None) -> list[dict]:
    """Groups (these, or all with None) with their active member count, by name ignoring case."""
    if group_ids is None:
        return await DB.fetch(f"{_WITH_COUNT} ORDER BY lower(g.name), g.id")
    if not group_ids:
        return []
    return await DB.fetch(f"{_WITH_COUNT} WHERE g.id IN ({_marks(group_ids)}) ORDER BY lower(g.name), g.id",
                          *group_ids)


async def group_add(*, group_id: str, name: str, purpose: str, timezone: str, color_index: int,
                    created_by_id: str | None, created_at: datetime) -> None:
    await DB.execute(
        "INSERT INTO grp (id, name, purpose, timezone, color_index, created_by_id, created_at, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?)",
        group_id, name, purpose, timezone, color_index, created_by_id, created_at, created_at,
    )


async def group_set(group_id: str, values: dict[str, Any]) -> int:
    """Change settings (keys from GROUP_SETTINGS)."""
    unknown = set(values) - GROUP_SETTINGS
    if unknown:
        raise ValueError(f"not group settings: {sorted(unknown)}")
    if not values:
        return 0
    assignments = ", ".join(f"{key} = ?" for key in values)
    return await DB.execute(f"UPDATE grp SET {assignments} WHERE id = ?", *values.values(), group_id)


async def group_bump(group_id: str, stamp: datetime) -> None:
    """A change to the group itself: the next change number, and `updated_at`."""
    await DB.execute("UPDATE grp SET seq = seq + 1, updated_at = ? WHERE id = ?", stamp, group_id)


async def group_bump_seq(group_id: str) -> int:
    """Reserve the group's next change number (for an object's change) and return it; joins the
    caller's write transaction."""
    async with DB.write():
        row = await DB.fetchone("UPDATE grp SET seq = seq + 1 WHERE id = ? RETURNING seq", group_id)
    return row["seq"]


async def group_seq_sum(group_ids: list[str] | None = None) -> int:
    """The sum of these groups' change numbers (all groups with None): it grows with any change."""
    if group_ids is None:
        row = await DB.fetchone("SELECT COALESCE(SUM(seq), 0) AS s FROM grp")
    elif not group_ids:
        return 0
    else:
        row = await DB.fetchone(f"SELECT COALESCE(SUM(seq), 0) AS s FROM grp WHERE id IN ({_marks(group_ids)})",
                                *group_ids)
    return int(row["s"])


# -- members: lookups for every area ------------------------------------------------------------
async def member_get(member_id: str) -> dict | None:
    """A member (every column), whatever their status."""
    return await DB.fetchone("SELECT * FROM member WHERE id = ?", member_id)


async def active_member(member_id: str) -> dict | None:
    """A member (every column) who is active, else None."""
    return await DB.fetchone("SELECT * FROM member WHERE id = ? AND status = 'active'", member_id)


async def members_get(member_ids: list[str]) -> list[dict]:
    """These members (every column), whatever their status; unknown ids are left out."""
    ids = list(dict.fromkeys(member_ids))
    if not ids:
        return []
    return await DB.fetch(f"SELECT * FROM member WHERE id IN ({_marks(ids)})", *ids)


async def member_with_group(member_id: str) -> dict | None:
    """A member with its group's name as `group_name`."""
    return await DB.fetchone("SELECT m.*, g.name AS group_name FROM member m JOIN grp g ON g.id = m.group_id"
                             " WHERE m.id = ?", member_id)


async def member_ids_active(group_id: str) -> list[str]:
    rows = await DB.fetch("SELECT id FROM member WHERE group_id = ? AND status = 'active'", group_id)
    return [row["id"] for row in rows]


async def member_ids_all(group_id: str) -> list[str]:
    """Every member the group ever had (left and removed ones too)."""
    rows = await DB.fetch("SELECT id FROM member WHERE group_id = ?", group_id)
    return [row["id"] for row in rows]


async def members_active(group_id: str, roles: list[str] | None = None) -> list[dict]:
    """Active members (with one of `roles` when given): id, display_name, role, by name ignoring case."""
    sql = "SELECT id, display_name, role FROM member WHERE group_id = ? AND status = 'active'"
    params: list = [group_id]
    if roles is not None:
        if not roles:
            return []
        sql += f" AND role IN ({_marks(roles)})"
        params += roles
    return await DB.fetch(sql + " ORDER BY lower(display_name), id", *params)


async def members_active_among(group_id: str, member_ids: list[str]) -> list[dict]:
    """Which of these ids are active members of the group: id, role."""
    if not member_ids:
        return []
    return await DB.fetch(f"SELECT id, role FROM member WHERE id IN ({_marks(member_ids)}) AND group_id = ?"
                          f" AND status = 'active'", *member_ids, group_id)


async def members_active_in_groups(group_ids: list[str], roles: list[str] | None = None) -> list[dict]:
    """Active members (with one of `roles` when given) of these groups: id, group_id."""
    if not group_ids or (roles is not None and not roles):
        return []
    sql = f"SELECT id, group_id FROM member WHERE group_id IN ({_marks(group_ids)}) AND status = 'active'"
    params: list = list(group_ids)
    if roles is not None:
        sql += f" AND role IN ({_marks(roles)})"
        params += roles
    return await DB.fetch(sql, *params)


async def member_count_active(group_id: str, roles: list[str] | None = None) -> int:
    sql = "SELECT COUNT(*) AS n FROM member WHERE group_id = ? AND status = 'active'"
    params: list = [group_id]
    if roles is not None:
        if not roles:
            return 0
        sql += f" AND role IN ({_marks(roles)})"
        params += roles
    row = await DB.fetchone(sql, *params)
    return row["n"]


async def memberships_active(profile_id: str) -> list[dict]:
    """A profile's active memberships: id, group_id, role, display_name, joined_at."""
    return await DB.fetch("SELECT id, group_id, role, display_name, joined_at FROM member WHERE profile_id = ?"
                          " AND status = 'active'", profile_id)


async def memberships_of_profile(profile_id: str) -> list[dict]:
    """Every membership a profile has or had (every column, and `group_name`), oldest first."""
    return await DB.fetch("SELECT m.*, g.name AS group_name FROM member m JOIN grp g ON g.id = m.group_id"
                          " WHERE m.profile_id = ? ORDER BY m.joined_at, m.id", profile_id)


async def member_open_of_profile(group_id: str, profile_id: str) -> dict | None:
    """The profile's active or pending membership in the group: id, status."""
    return await DB.fetchone("SELECT id, status FROM member WHERE group_id = ? AND profile_id = ?"
                             " AND status IN ('active','pending')", group_id, profile_id)


async def member_pending_of_profile(group_id: str, profile_id: str) -> dict | None:
    """The profile's membership waiting for approval (every column, and `group_name`)."""
    return await DB.fetchone("SELECT m.*, g.name AS group_name FROM member m JOIN grp g ON g.id = m.group_id"
                             " WHERE m.group_id = ? AND m.profile_id = ? AND m.status = 'pending'", group_id, profile_id)


async def open_membership_count(profile_id: str) -> int:
    """How many groups the profile is active in or waiting for."""
    row = await DB.fetchone("SELECT COUNT(*) AS n FROM member WHERE profile_id = ? AND status IN ('active','pending')",
                            profile_id)
    return row["n"]


async def profile_barred(group_id: str, profile_id: str) -> bool:
    """Did an admin remove this profile from the group (and not let it back in)?"""
    row = await DB.fetchone("SELECT 1 AS barred FROM member WHERE group_id = ? AND profile_id = ?"
                            " AND barred_at IS NOT NULL LIMIT 1", group_id, profile_id)
    return row is not None


async def member_list(group_id: str, statuses: list[str]) -> list[dict]:
    """The member page's rows: members with these statuses and what admins need to see about
    their access (has_access, verified, instance_owner, has_passkey)."""
    if not statuses:
        return []
    return await DB.fetch(
        f"SELECT m.id, m.display_name, m.role, m.status, m.joined_at, m.notifications_on, m.invite_id,"
        f' m.profile_id IS NOT NULL AS "has_access [BOOLEAN]", p.email_verified_at IS NOT NULL AS "verified [BOOLEAN]",'
        f' COALESCE(p.is_owner, FALSE) AS "instance_owner [BOOLEAN]",'
        f' EXISTS (SELECT 1 FROM passkey k WHERE k.profile_id = m.profile_id) AS "has_passkey [BOOLEAN]"'
        f" FROM member m LEFT JOIN profile p ON p.id = m.profile_id"
        f" WHERE m.group_id = ? AND m.status IN ({_marks(statuses)})",
        group_id, *statuses,
    )


async def members_barred(group_id: str) -> list[dict]:
    """Removed members who may not rejoin, newest first: id, display_name, role, barred_at."""
    return await DB.fetch("SELECT id, display_name, role, barred_at FROM member WHERE group_id = ?"
                          " AND status = 'removed' AND barred_at IS NOT NULL ORDER BY barred_at DESC", group_id)


async def members_joined_by_invite(group_id: str) -> list[dict]:
    """Who joined the group through an invite: id, display_name, invite_id, status, role; by joining."""
    return await DB.fetch("SELECT id, display_name, invite_id, status, role FROM member WHERE group_id = ?"
                          " AND invite_id IS NOT NULL ORDER BY joined_at, id", group_id)


# -- members: writes ----------------------------------------------------------------------------
async def member_add(*, member_id: str, group_id: str, profile_id: str | None, display_name: str, role: str,
                     status: str, joined_at: datetime, invite_id: str | None = None) -> None:
    await DB.execute(
        "INSERT INTO member (id, group_id, profile_id, display_name, role, status, invite_id, joined_at)"
        " VALUES (?,?,?,?,?,?,?,?)",
        member_id, group_id, profile_id, display_name, role, status, invite_id, joined_at,
    )


async def member_set_name(member_id: str, display_name: str) -> None:
    await DB.execute("UPDATE member SET display_name = ? WHERE id = ?", display_name, member_id)


async def member_set_role(member_id: str, role: str) -> None:
    await DB.execute("UPDATE member SET role = ? WHERE id = ?", role, member_id)


async def member_end(member_id: str, status: str, left_at: datetime) -> None:
    """The member left or was removed/declined (`status`)."""
    await DB.execute("UPDATE member SET status = ?, left_at = ? WHERE id = ?", status, left_at, member_id)


async def member_activate(member_id: str, joined_at: datetime) -> None:
    await DB.execute("UPDATE member SET status = 'active', joined_at = ? WHERE id = ?", joined_at, member_id)


async def member_bar(member_id: str) -> None:
    """Barred from rejoining since they were removed."""
    await DB.execute("UPDATE member SET barred_at = left_at WHERE id = ?", member_id)


async def member_unbar(member_id: str) -> None:
    await DB.execute("UPDATE member SET barred_at = NULL WHERE id = ?", member_id)


async def member_set_profile(member_id: str, profile_id: str | None) -> None:
    """Attach a membership to a profile (a sign-in link), or detach it (None: access reset)."""
    await DB.execute("UPDATE member SET profile_id = ? WHERE id = ?", profile_id, member_id)


async def member_forget(member_id: str, display_name: str) -> None:
    """A person deleted themselves: the membership stays as a nameless former member."""
    await DB.execute("UPDATE member SET display_name = ?, profile_id = NULL, notifications_on = FALSE WHERE id = ?",
                     display_name, member_id)


async def member_set_notifications_on(member_ids: list[str]) -> int:
    """The migration funnel's "notifications on": these members chose how to be told."""
    if not member_ids:
        return 0
    return await DB.execute(f"UPDATE member SET notifications_on = TRUE WHERE id IN ({_marks(member_ids)})",
                            *member_ids)


async def member_set_notifications_on_for_profile(profile_id: str) -> int:
    """Every active membership of the profile has notifications on (an address was confirmed)."""
    return await DB.execute("UPDATE member SET notifications_on = TRUE WHERE profile_id = ? AND status = 'active'",
                            profile_id)


# -- invites ------------------------------------------------------------------------------------
async def invite_add(*, invite_id: str, group_id: str, token_hash: str, role: str, max_uses: int | None,
                     needs_approval: bool, label: str, created_by: str | None, created_at: datetime,
                     expires_at: datetime | None) -> None:
    await DB.execute(
        "INSERT INTO invite (id, group_id, token_hash, role, max_uses, needs_approval, label, created_by,"
        " created_at, expires_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        invite_id, group_id, token_hash, role, max_uses, needs_approval, label, created_by, created_at, expires_at,
    )


async def invite_get(invite_id: str) -> dict | None:
    return await DB.fetchone("SELECT * FROM invite WHERE id = ?", invite_id)


async def invite_group_id(invite_id: str) -> str | None:
    row = await DB.fetchone("SELECT group_id FROM invite WHERE id = ?", invite_id)
    return row["group_id"] if row else None


async def invite_by_token_hash(token_hash: str) -> dict | None:
    return await DB.fetchone("SELECT * FROM invite WHERE token_hash = ?", token_hash)


async def invites_of_group(group_id: str) -> list[dict]:
    """The group's invites, newest first, with their creator's name and how many browsers opened them."""
    return await DB.fetch(
        "SELECT i.*, c.display_name AS created_by_name,"
        " (SELECT COUNT(DISTINCT v.browser) FROM invite_view v WHERE v.invite_id = i.id) AS opened"
        " FROM invite i LEFT JOIN member c ON c.id = i.created_by"
        " WHERE i.group_id = ? ORDER BY i.created_at DESC, i.id",
        group_id,
    )


async def invite_revoke(invite_id: str, stamp: datetime) -> None:
    await DB.execute("UPDATE invite SET revoked_at = ? WHERE id = ?", stamp, invite_id)


async def invite_spend(invite_id: str) -> bool:
    """Count one use, unless it is revoked or used up (a guarded UPDATE: concurrent claims never
    exceed max_uses). True when the use was counted."""
    spent = await DB.execute("UPDATE invite SET uses = uses + 1 WHERE id = ? AND revoked_at IS NULL"
                             " AND (max_uses IS NULL OR uses < max_uses)", invite_id)
    return spent == 1


async def invite_view_add(view_id: str, invite_id: str, browser: str, viewed_at: datetime) -> None:
    """A browser opened the invite (once per browser)."""
    await DB.execute("INSERT INTO invite_view (id, invite_id, browser, viewed_at) VALUES (?,?,?,?)"
                     " ON CONFLICT (invite_id, browser) DO NOTHING", view_id, invite_id, browser, viewed_at)


# -- what joining reads elsewhere ---------------------------------------------------------------
async def device_ids_active(profile_id: str) -> list[str]:
    rows = await DB.fetch("SELECT id FROM device WHERE profile_id = ? AND revoked_at IS NULL", profile_id)
    return [row["id"] for row in rows]


async def next_answerable_event(group_id: str, stamp: datetime) -> dict | None:
    """The group's next event asking for RSVPs that can still be answered at `stamp`:
    id, title, starts_at, location, rsvp_deadline."""
    return await DB.fetchone(
        "SELECT id, title, starts_at, location, rsvp_deadline FROM event WHERE group_id = ? AND rsvp_required = TRUE"
        " AND deleted_at IS NULL AND cancelled_at IS NULL AND starts_at > ?"
        " AND (rsvp_deadline IS NULL OR rsvp_deadline > ?) ORDER BY starts_at, id LIMIT 1",
        group_id, stamp, stamp,
    )


async def event_group_id(event_id: str) -> str | None:
    """The group of an event that is not deleted."""
    row = await DB.fetchone("SELECT group_id FROM event WHERE id = ? AND deleted_at IS NULL", event_id)
    return row["group_id"] if row else None
