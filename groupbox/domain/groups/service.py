"""Groups and their members (SPEC §6.7, §9).

Rules:
- A group is created by the instance owner or an admin of another group; the creator becomes
  its owner.
- Only the owner transfers ownership (the old owner becomes an admin); nobody demotes the owner;
  an admin cannot make anyone an owner.
- Admins change roles, remove members, reset access (the member's devices lose this group; a
  device that has nothing else is revoked with its sessions) and resend access (a fresh one-time
  sign-in link for that member).
- Leaving ends a member's access; their RSVPs and votes are removed, their messages stay and
  show them as a former member. The owner must hand over ownership before leaving.
- Every admin action lands in the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from groupbox.access import RANK, ROLES, Actor, can, require
from groupbox.db.engine import DB
from groupbox.domain import areas
from groupbox.domain.audit import service as audit
from groupbox.domain.groups import store
from groupbox.domain.groups.schemas import GroupCreate, GroupSettings
from groupbox.domain.identity import passkeys
from groupbox.domain.identity import service as identity
from groupbox.domain.notify import service as notify
from groupbox.errors import Conflict, Forbidden, Invalid, NotFound
from groupbox.i18n import _, lazy
from groupbox.timefmt import zone
from groupbox.util import new_id, now

NAME_MAX = 80
PURPOSE_MAX = 500
ASSIGNABLE_ROLES = ("admin", "moderator", "member", "guest")



# -- validation (one validator per input, shared by forms, API and CLI) -------------------------
def clean_group_name(raw: str | None) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise Invalid(_("Give the group a name."), field="name")
    if len(name) > NAME_MAX:
        raise Invalid(_("Please use at most {n} characters.", n=NAME_MAX), field="name")
    if re.search(r"[<>]", name):
        raise Invalid(_("Please leave out < and >."), field="name")
    return name


def clean_purpose(raw: str | None) -> str:
    purpose = (raw or "").strip()
    if len(purpose) > PURPOSE_MAX:
        raise Invalid(_("Please use at most {n} characters.", n=PURPOSE_MAX), field="purpose")
    return purpose


def clean_timezone(raw: str | None, default: str) -> str:
    name = (raw or "").strip() or default
    if zone(name).key != name:
        raise Invalid(_("{tz} is not a timezone we know (try Europe/Berlin).", tz=name), field="timezone")
    return name


def clean_role(raw: str | None, field: str = "role") -> str:
    role = (raw or "member").strip().lower()
    if role not in ROLES:
        raise Invalid(_("Role must be one of: {roles}.", roles=", ".join(ROLES)), field=field)
    return role


async def next_color_index() -> int:
    """Groups get the palette's colours in turn, so a person's first eight groups never share one."""
    return await store.group_count() % 8


# -- groups -------------------------------------------------------------------------------------
_KNOWN: ContextVar[dict[str, dict] | None] = ContextVar("groups_known", default=None)
# Member rows (None: no such member) and active-member counts read while a page builds.
_KNOWN_MEMBERS: ContextVar[dict[str, dict | None] | None] = ContextVar("members_known", default=None)
_KNOWN_COUNTS: ContextVar[dict[str, int] | None] = ContextVar("member_counts_known", default=None)


@contextmanager
def rows_known(*groups: dict) -> Iterator[None]:
    """While a page builds from a group row it has just read (the dashboard's sections, each
    asking its service, which asks `group_get`), `group_row` answers from it instead of reading
    it again: one read instead of seven. Member rows and the count of active members are read
    once each while it lasts, too (`members_rows`, `member_row` below, `member_count`): the sections
    each named their authors, mostly the same few organisers (issue 17: seven reads of members
    on a dashboard). A page that builds only reads, so nothing it read changes meanwhile."""
    tokens = (_KNOWN.set({group["id"]: group for group in groups}), _KNOWN_MEMBERS.set({}), _KNOWN_COUNTS.set({}))
    try:
        yield
    finally:
        _KNOWN_COUNTS.reset(tokens[2])
        _KNOWN_MEMBERS.reset(tokens[1])
        _KNOWN.reset(tokens[0])


async def members_rows(member_ids: list[str]) -> list[dict]:
    """These members (every column, whatever their status; unknown ids are left out), each read
    once while `rows_known` lasts. Copies: callers add keys to theirs."""
    known = _KNOWN_MEMBERS.get()
    if known is None:
        return await store.members_get(member_ids)
    ids = list(dict.fromkeys(member_ids))
    missing = [member_id for member_id in ids if member_id not in known]
    if missing:
        found = {row["id"]: row for row in await store.members_get(missing)}
        known.update((member_id, found.get(member_id)) for member_id in missing)
    return [dict(row) for row in (known[member_id] for member_id in ids) if row is not None]


async def group_row(group_id: str) -> dict | None:
    known = _KNOWN.get()
    if known is not None and group_id in known:
        return dict(known[group_id])  # a copy: callers add keys to theirs
    return await store.group_get(group_id)


async def group_get(actor: Actor | None, group_id: str) -> dict:
    """The group, if the actor is in it; NotFound otherwise (never a 403)."""
    group = await group_row(group_id)
    if group is None:
        raise NotFound(_("Not found"))
    require(actor, "group.view", group)
    return group


async def group_create(actor: Actor, data: GroupCreate, *, default_timezone: str = "Europe/Berlin") -> dict:
    """Create a group from `data` (the form's, the API's or the CLI's input); the creator becomes
    its owner. No timezone: `default_timezone`, the server's."""
    if not can(actor, "group.create", None):
        raise Forbidden(_("Only the server's owner and group admins can create groups."))
    clean_name = clean_group_name(data.name)
    clean_purp = clean_purpose(data.purpose)
    tz = clean_timezone(data.timezone, default_timezone)
    group_id = new_id()
    stamp = now()
    async with DB.write():
        await store.group_add(group_id=group_id, name=clean_name, purpose=clean_purp, timezone=tz,
                              color_index=await next_color_index(), created_by_id=actor.profile_id, created_at=stamp)
        await store.member_add(member_id=new_id(), group_id=group_id, profile_id=actor.profile_id,
                               display_name=actor.display_name, role="owner", status="active", joined_at=stamp)
        await audit.record("group.create", actor=actor, actor_name=actor.display_name, group_id=group_id,
                           target_type="group", target_id=group_id, target_name=clean_name)
    return await group_row(group_id)


async def groups_for(actor: Actor) -> list[dict]:
    """The actor's groups with their role and member count, by name."""
    if not actor.memberships:
        return []
    rows = await store.groups_with_member_count(list(actor.memberships))
    for row in rows:
        membership = actor.memberships[row["id"]]
        row["my_role"] = membership.role
        row["my_member_id"] = membership.member_id
        row["my_name"] = membership.display_name
    return rows


async def groups_visible(actor: Actor) -> list[dict]:
    """Every group on this server the actor may see, with its member count, by name: all of them
    for the server's shell (`access.SHELL_ACTIONS`, the CLI's `groupbox groups`), one's own for
    anyone else."""
    rows = await store.groups_with_member_count()
    return [row for row in rows if can(actor, "group.view", row)]


async def group_update(actor: Actor, group_id: str, data: GroupSettings) -> dict:
    """Admins edit name, purpose, timezone, settings and the expected size (for the funnel): only
    the fields given in `data` change."""
    changes = data.given()
    group = await group_get(actor, group_id)
    require(actor, "group.admin", group)
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = clean_group_name(changes["name"])
    if "purpose" in changes:
        values["purpose"] = clean_purpose(changes["purpose"])
    if "timezone" in changes:
        values["timezone"] = clean_timezone(changes["timezone"], group["timezone"])
    for flag in ("members_post_official", "members_upload"):
        if flag in changes:
            values[flag] = bool(changes[flag])
    if "expected_size" in changes:
        size = changes["expected_size"]
        if size == "" or size == 0:
            values["expected_size"] = None
        else:
            try:
                size = int(size)
            except (TypeError, ValueError):
                raise Invalid(_("Enter a number of people, e.g. 24."), field="expected_size") from None
            if not 1 <= size <= 100000:
                raise Invalid(_("Enter a number between 1 and 100000."), field="expected_size")
            values["expected_size"] = size
    if not values:
        return group
    values["updated_at"] = now()
    async with DB.write():
        await bump(group_id)
        await store.group_set(group_id, values)
        await audit.record("group.update", actor=actor, group_id=group_id, target_type="group", target_id=group_id,
                           target_name=values.get("name", group["name"]),
                           detail=", ".join(k for k in values if k != "updated_at"))
    return await group_row(group_id)


async def resolve_group_ref(ref: str) -> dict:
    """A group by id or exact name (CLI). Several groups with that name is an error listing ids."""
    row = await group_row(ref)
    if row:
        return row
    ids = await store.group_ids_named(ref)
    if not ids:
        raise NotFound(_("No group with id or name {ref!r}.", ref=ref))
    if len(ids) > 1:
        raise Invalid(_("Several groups are called {ref!r}; use an id: {ids}", ref=ref, ids=", ".join(ids)),
                      field="group")
    return await group_row(ids[0])


# -- members ------------------------------------------------------------------------------------
async def member_row(member_id: str) -> dict | None:
    """One member (every column), whatever its status; read once while `rows_known` lasts."""
    if _KNOWN_MEMBERS.get() is None:
        return await store.member_get(member_id)
    rows = await members_rows([member_id])
    return rows[0] if rows else None


async def _member_in_group(group_id: str, member_id: str) -> dict:
    member = await member_row(member_id)
    if member is None or member["group_id"] != group_id or member["status"] in ("left", "removed"):
        raise NotFound(_("That member is not in this group."))
    return member


async def members_list(actor: Actor, group_id: str) -> list[dict]:
    """Active members for everyone in the group; admins also see who waits for approval.
    Ordered by role, then name."""
    group = await group_get(actor, group_id)
    statuses = ["active", "pending"] if can(actor, "group.admin", group) else ["active"]
    rows = await store.member_list(group_id, statuses)
    rows.sort(key=lambda r: (r["status"] != "pending", -RANK.get(r["role"], 0), r["display_name"].lower()))
    return rows


async def member_rename(actor: Actor, group_id: str, display_name: str | None) -> str:
    """A person changes the name they go by in one group (each group may know them differently)."""
    group = await group_get(actor, group_id)
    me = require(actor, "group.view", group)
    name = identity.clean_display_name(display_name)
    if name != me.display_name:
        async with DB.write():
            await store.member_set_name(me.member_id, name)
            await bump(group_id)
    return name


async def member_count(group_id: str) -> int:
    """The group's active members; read once while `rows_known` lasts."""
    known = _KNOWN_COUNTS.get()
    if known is None:
        return await store.member_count_active(group_id)
    if group_id not in known:
        known[group_id] = await store.member_count_active(group_id)
    return known[group_id]


async def member_set_role(actor: Actor, group_id: str, member_id: str, role: str) -> dict:
    """Change a member's role. Read, decide and write in one write transaction: the admin's own
    role and the target's are read fresh there, so a change another admin made meanwhile (in any
    process) is decided on, never overwritten."""
    group = await group_get(actor, group_id)
    require(actor, "group.admin", group)
    new_role = clean_role(role)
    async with DB.write():
        me = await member_row(actor.memberships[group_id].member_id)
        if me is None or me["status"] != "active" or RANK.get(me["role"], 0) < RANK["admin"]:
            raise Forbidden(_("You are not allowed to do that in this group."))
        target = await _member_in_group(group_id, member_id)
        if target["role"] == new_role:
            return target
        if target["role"] == "owner":
            raise Forbidden(_("Nobody can change the owner's role. The owner can hand over ownership instead."))
        if new_role == "owner":
            if me["role"] != "owner":
                raise Forbidden(_("Only the owner can hand over ownership."))
            if target["status"] != "active":
                raise Conflict(_("Approve this person before handing over ownership."))
        await bump(group_id)
        await store.member_set_role(member_id, new_role)
        if new_role == "owner":
            await store.member_set_role(me["id"], "admin")
            await audit.record("owner.transfer", actor=actor, group_id=group_id, target_type="member",
                               target_id=member_id, target_name=target["display_name"])
        else:
            await audit.record("member.role", actor=actor, group_id=group_id, target_type="member",
                               target_id=member_id, target_name=target["display_name"],
                               detail=f"{target['role']} → {new_role}")
    return await member_row(member_id)


async def bump(group_id: str) -> None:
    """A change to the group itself (members, roles, settings) takes the next change number,
    like any object does, so caches and "changed since" notice it."""
    await store.group_bump(group_id, now())


async def end_membership(member: dict, status: str) -> None:
    """The member leaves ("left") or is removed ("removed"): what they gave (RSVPs, votes,
    places, tasks) goes through the member-left hooks, in the caller's transaction if any."""
    async with DB.write():
        await bump(member["group_id"])
        await store.member_end(member["id"], status, now())
        for hook in areas.member_left_hooks():
            await hook(member["id"])


async def member_remove(actor: Actor, group_id: str, member_id: str) -> None:
    group = await group_get(actor, group_id)
    require(actor, "group.admin", group)
    target = await _member_in_group(group_id, member_id)
    if target["role"] == "owner":
        raise Forbidden(_("The owner cannot be removed."))
    async with DB.write():
        await end_membership(target, "removed")
        # Barred: their devices and profile cannot rejoin through an invite until let back in.
        await store.member_bar(member_id)
        await audit.record("member.remove", actor=actor, group_id=group_id, target_type="member",
                           target_id=member_id, target_name=target["display_name"])


async def members_barred(actor: Actor, group_id: str) -> list[dict]:
    """People an admin removed, who cannot rejoin through an invite (admins only), newest first."""
    group = await group_get(actor, group_id)
    require(actor, "group.admin", group)
    return await store.members_barred(group_id)


async def member_let_back_in(actor: Actor, group_id: str, member_id: str) -> None:
    """Lift a removal's bar: the person may join again through an invite (as a new member)."""
    group = await group_get(actor, group_id)
    require(actor, "group.admin", group)
    async with DB.write():
        target = await member_row(member_id)
        if target is None or target["group_id"] != group_id or target["barred_at"] is None:
            raise NotFound(_("That person is not on the removed list."))
        await store.member_unbar(member_id)
        await audit.record("member.let_back_in", actor=actor, group_id=group_id, target_type="member",
                           target_id=member_id, target_name=target["display_name"])


async def barred_from(profile_id: str | None, group_id: str) -> bool:
    """Did an admin remove this profile from the group (and not let it back in)?"""
    if profile_id is None:
        return False
    return await store.profile_barred(group_id, profile_id)


async def member_approve(actor: Actor, group_id: str, member_id: str, approve: bool = True) -> None:
    group = await group_get(actor, group_id)
    require(actor, "group.admin", group)
    target = await _member_in_group(group_id, member_id)
    if target["status"] != "pending":
        raise Conflict(_("{name} is not waiting for approval.", name=target["display_name"]))
    async with DB.write():
        await bump(group_id)
        if approve:
            await store.member_activate(member_id, now())
        else:
            await store.member_end(member_id, "removed", now())
        await audit.record("member.approve" if approve else "member.decline", actor=actor, group_id=group_id,
                           target_type="member", target_id=member_id, target_name=target["display_name"])


async def member_reset_access(actor: Actor, group_id: str, member_id: str) -> None:
    """Cut every device of this member off this group. Devices that hold nothing else are
    revoked outright with their sessions; the member keeps their history and can get back in
    through a resent sign-in link."""
    group = await group_get(actor, group_id)
    require(actor, "group.admin", group)
    target = await _member_in_group(group_id, member_id)
    if target["role"] == "owner" and target["profile_id"] != actor.profile_id:
        raise Forbidden(_("The owner's access cannot be reset by others."))
    async with DB.write():
        profile_id = target["profile_id"]
        await store.member_set_profile(member_id, None)
        if profile_id:
            others = await store.open_membership_count(profile_id)
            profile = await identity.get_profile(profile_id)
            if others == 0 and profile and not profile["is_owner"]:
                await identity.revoke_devices(await store.device_ids_active(profile_id))
        await audit.record("member.reset_access", actor=actor, group_id=group_id, target_type="member",
                           target_id=member_id, target_name=target["display_name"])


async def member_resend_access(actor: Actor, group_id: str, member_id: str) -> str:
    """A fresh one-time sign-in link for someone who lost their device (plaintext token returned
    once). It signs a new device into this one membership only — never the person's other groups
    or profile (SPEC §6.2). Refused for members whose role is equal to or above the issuer's and
    for the instance owner; people who can recover by themselves (a confirmed email address) are
    pointed there instead. Audited, and the member is told."""
    group = await group_get(actor, group_id)
    me = require(actor, "group.admin", group)
    target = await _member_in_group(group_id, member_id)
    if RANK.get(target["role"], 0) >= RANK[me.role]:
        raise Forbidden(_("Only someone with a higher role than {name} can resend their access.",
                          name=target["display_name"]))
    profile = await identity.get_profile(target["profile_id"]) if target["profile_id"] else None
    if profile is not None and profile["is_owner"]:
        raise Forbidden(_("The server's owner signs in with `groupbox signin-link` on the server."))
    if profile is not None and profile["email_verified_at"] is not None:
        raise Conflict(_("{name} has a confirmed email address: ask them to use \"Lost access?\" on the start "
                         "page, so the link goes to them and nobody else.", name=target["display_name"]))
    if profile is not None and await passkeys.has_passkey(profile["id"]):
        raise Conflict(_("{name} has a passkey: ask them to sign in with it (\"Sign in with a passkey\" on the "
                         "start page), so nobody else can.", name=target["display_name"]))
    async with DB.write():
        token = await identity.issue_signin_link(member_id=member_id, created_by=actor.profile_id, bound=True)
        await audit.record("member.resend_access", actor=actor, group_id=group_id, target_type="member",
                           target_id=member_id, target_name=target["display_name"])
        await notify.notify([member_id], "access", group_id=group_id,
                            title=lazy("{admin} made a sign-in link for you in {group}", admin=me.display_name,
                                    group=group["name"]),
                            body=lazy("It signs one new device in to this group only. If you did not ask for it, "
                                   "tell the group's admins."),
                            url=f"/groups/{group_id}")
    return token


async def group_leave(actor: Actor, group_id: str) -> None:
    group = await group_get(actor, group_id)
    me = require(actor, "group.view", group)
    if me.role == "owner":
        raise Conflict(_("Hand over ownership to someone else before you leave."))
    member = await member_row(me.member_id)
    async with DB.write():
        await end_membership(member, "left")
        await audit.record("member.leave", actor=actor, group_id=group_id, target_type="member",
                           target_id=me.member_id, target_name=me.display_name)
