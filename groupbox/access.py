"""THE permission function. Nothing else in groupbox decides who may do what.

`can(actor, action, target)` answers for a signed-in person (an `Actor`), an action name from
`ACTIONS`, and a `Target` that belongs to a group (a group row, or any row with a `group_id`).
`require(...)` is the form services use: a person who is not in the target's group gets
`NotFound` (they must not learn it exists), a member whose role is too low gets `Forbidden`.

The matrix is SPEC §6.7:

| action            | owner | admin | moderator | member              | guest |
|-------------------|-------|-------|-----------|---------------------|-------|
| group.admin       | yes   | yes   | no        | no                  | no    |  invites, members, migration, audit
| invite.create     | yes   | yes   | no        | no                  | no    |  new invite links
| object.create     | yes   | yes   | yes       | group setting       | no    |  official announcements, events, polls, tasks, sign-ups
| object.edit       | yes   | yes   | yes       | own, if may create  | no    |  edit, move, cancel, delete such objects
| act               | yes   | yes   | yes       | yes                 | no    |  RSVP, vote, comment, own tasks, acknowledge
| file.upload       | yes   | yes   | yes       | group setting (yes) | no    |
| message.delete    | yes   | yes   | yes       | own only            | no    |
| token.create      | yes   | yes   | yes       | yes                 | no    |
| owner.transfer    | yes   | no    | no        | no                  | no    |

Creating a group (`group.create`, no target) is for the instance owner and anyone who already
administers a group on this server.

The server shell: the CLI acts as the instance owner with `Actor.shell` set, and then may do
`SHELL_ACTIONS` in every group on the server, member or not (`groupbox invite GROUP` works for the
demo's groups). Whoever has a shell on the server can read the database anyway, so this opens
nothing new; the web never builds such an actor, so the owner's pages and API still show only
the groups they are in. Everything else still needs a membership.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

from groupbox.errors import Forbidden, NotFound
from groupbox.i18n import N_, _

ROLES = (N_("owner"), N_("admin"), N_("moderator"), N_("member"), N_("guest"))
RANK = {"guest": 0, "member": 1, "moderator": 2, "admin": 3, "owner": 4}


@dataclass(frozen=True)
class Membership:
    member_id: str
    group_id: str
    role: str
    display_name: str
    joined_at: Any = None  # a datetime where the membership was read with it (a signed-in person's)


@dataclass(frozen=True)
class Actor:
    """A signed-in person as seen by one request: their profile, this device, their groups."""

    profile_id: str
    display_name: str
    device_id: str | None = None
    session_id: str | None = None
    is_owner: bool = False
    memberships: Mapping[str, Membership] = field(default_factory=dict)
    # Set for requests that act through a connection token (SPEC §14): the scopes it carries.
    scopes: frozenset[str] | None = None
    # Set for a device an admin signed in through "resend access" (SPEC §6.2): it holds this one
    # membership and nothing of the profile (no other groups, email, devices, tokens, feed).
    bound_member_id: str | None = None
    # Set only by the CLI: the instance owner at a shell on the server (see SHELL_ACTIONS).
    shell: bool = False
    # The language chosen on /me ("" = none: the browser's, else the instance's).
    language: str = ""

    @property
    def whole_profile(self) -> bool:
        """Does this request speak for the whole profile (not a one-group device, not a token)?"""
        return self.bound_member_id is None and self.scopes is None

    def membership(self, group_id: str) -> Membership | None:
        return self.memberships.get(group_id)

    @property
    def group_ids(self) -> list[str]:
        return list(self.memberships)

    @property
    def member_ids(self) -> list[str]:
        return [m.member_id for m in self.memberships.values()]

    def members_in(self, group_ids: Iterable[str] | None = None) -> dict[str, str]:
        """group id -> my member id, for the groups asked about (all of mine by default) that I am in."""
        wanted = self.group_ids if group_ids is None else group_ids
        return {g: self.memberships[g].member_id for g in wanted if g in self.memberships}


# -- targets ------------------------------------------------------------------------------------
class GroupRow(TypedDict, total=False):
    """What the rules read of a group: its id and the settings that let members post or upload."""

    id: str
    timezone: str
    members_post_official: bool
    members_upload: bool


class ObjectRow(TypedDict, total=False):
    """What the rules read of anything in a group (an event, a message, a file, ...): its group
    and, for "own" rules, the member who made it."""

    id: str
    group_id: str
    author_id: str | None


# A target is a row as the stores return it (or a literal like `{"id": group_id}`): a group row or
# an object row. Rows carry more columns than the rules read, hence the plain mapping beside them.
Target = GroupRow | ObjectRow | Mapping[str, Any]


def _get(target: Target | None, name: str, default: Any = None) -> Any:
    return default if target is None else target.get(name, default)


def group_id_of(target: Target) -> str:
    """A group row has `id` and `timezone`; every other target carries `group_id`."""
    return _get(target, "group_id") or _get(target, "id") or ""


def _at_least(role: str, minimum: str) -> bool:
    return RANK.get(role, -1) >= RANK[minimum]


# A rule answers for a role in a group (its settings), a target in it (None when asked for a role
# alone) and the acting member's id (for "their own" rules).
Rule = Callable[[str, Target, Target | None, str], bool]


def _role(minimum: str) -> Rule:
    """A rule that asks for a role of at least `minimum` and nothing else."""
    return lambda role, group, target, member_id: _at_least(role, minimum)


def _object_create(role: str, group: Target, target: Target | None, member_id: str) -> bool:
    if _at_least(role, "moderator"):
        return True
    return role == "member" and bool(_get(group, "members_post_official", False))


def _file_upload(role: str, group: Target, target: Target | None, member_id: str) -> bool:
    if _at_least(role, "moderator"):
        return True
    return role == "member" and bool(_get(group, "members_upload", True))


def _object_edit(role: str, group: Target, target: Target | None, member_id: str) -> bool:
    """Moderators and up edit any object; an author edits their own while they may still create."""
    if _at_least(role, "moderator"):
        return True
    return _get(target, "author_id") == member_id and _object_create(role, group, target, member_id)


def _message_delete(role: str, group: Target, target: Target | None, member_id: str) -> bool:
    if _at_least(role, "moderator"):
        return True
    return _at_least(role, "member") and _get(target, "author_id") == member_id


ACTIONS: dict[str, Rule] = {
    "group.view": _role("guest"),
    "group.admin": _role("admin"),
    "invite.create": _role("admin"),
    "object.create": _object_create,
    "object.edit": _object_edit,
    "act": _role("member"),
    "file.upload": _file_upload,
    "message.delete": _message_delete,
    "token.create": _role("member"),
    "owner.transfer": lambda role, group, target, member_id: role == "owner",
}

# What the instance owner may do from the server's shell in any group, member or not.
SHELL_ACTIONS = frozenset({"group.view", "invite.create"})

# Which connection-token scope lets a remote home server do an action (SPEC §14).
SCOPE_FOR_ACTION = {"act.rsvp": "act:rsvp", "act.vote": "act:vote", "act.acknowledge": "act:acknowledge"}


def can(actor: Actor | None, action: str, target: Target | None, group: Target | None = None) -> bool:
    """May `actor` do `action` on `target`? `group` is the target's group row when the target
    is an object (for group settings); it defaults to the target itself.

    Instance-level actions take `target=None`: `group.create` (the instance owner, or anyone
    who administers a group here)."""
    if actor is None:
        return False
    if action == "group.create":
        return actor.whole_profile and (
            actor.is_owner or any(_at_least(m.role, "admin") for m in actor.memberships.values())
        )
    base_action, _, detail = action.partition(":")
    rule = ACTIONS.get(base_action)
    if rule is None:
        raise KeyError(f"unknown action {action!r}")
    if actor.shell and actor.is_owner and action in SHELL_ACTIONS:
        return True
    if target is None:
        return False  # only `group.create` (above) is asked without a target
    membership = actor.membership(group_id_of(target))
    if membership is None:
        return False
    if actor.scopes is not None and base_action == "act":
        # A token acts only within its scopes: `act:rsvp`, `act:vote`, `act:acknowledge`.
        if detail and f"act:{detail}" not in actor.scopes:
            return False
        if not detail:
            return False
    if actor.scopes is not None and base_action not in {"group.view", "act"}:
        return False
    return rule(membership.role, group if group is not None else target, target, membership.member_id)


# -- the twin for lists ---------------------------------------------------------------------------
def role_may(role: str, action: str, group: Target | None = None) -> bool:
    """Does the role allow `action` (for rules that depend on the role and group settings only:
    `act`, `group.admin`, `object.create`, `file.upload`, `token.create`, …)?"""
    return ACTIONS[action](role, group if group is not None else {}, None, "")


def roles_that(action: str, group: Target | None = None) -> tuple[str, ...]:
    """The roles that may do `action` in `group`: what `can` answers, for queries over people."""
    return tuple(role for role in ROLES if role_may(role, action, group))


def role_filter(action: str, column: str = "role", group: Target | None = None) -> tuple[str, list[str]]:
    """SQL for "members who may do `action`": (`"<column> IN (?,…)"`, the roles as parameters).
    Lists of people (who is asked to answer, who counts, who may be assigned) filter with this,
    so the rule stays in this module."""
    roles = roles_that(action, group)
    return f"{column} IN ({','.join('?' * len(roles))})", list(roles)


def acting_groups(actor: Actor, action: str = "act") -> dict[str, Membership]:
    """The actor's memberships in which they may do `action` (e.g. answer, vote, acknowledge)."""
    return {gid: m for gid, m in actor.memberships.items() if can(actor, action, {"id": gid})}


def require_whole_profile(actor: Actor) -> None:
    """Profile-wide settings (email, devices, tokens, the calendar feed) are not for a device that
    an admin signed in to one group, nor for a connection token."""
    if not actor.whole_profile:
        raise Forbidden(_("This device is signed in to one group only, so your other groups and settings are "
                          "not open here."))


def require(actor: Actor | None, action: str, target: Target, group: Target | None = None) -> Membership:
    """Like `can`, but raises: NotFound for people outside the group, Forbidden otherwise.
    Returns the actor's membership in the target's group (None only for the server shell in a
    group the owner is not in, and only for `SHELL_ACTIONS`)."""
    if actor is None:
        raise NotFound("Not found")
    membership = actor.membership(group_id_of(target))
    allowed = can(actor, action, target, group)
    if membership is None and not allowed:
        raise NotFound("Not found")
    if not allowed:
        raise Forbidden("You are not allowed to do that in this group.")
    return membership
