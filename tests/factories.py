"""Build real data through the services (never raw SQL): people, groups, memberships."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from groupbox.domain.groups import invites
from groupbox.domain.groups import service as groups
from groupbox.domain.groups.schemas import GroupCreate, InviteOptions
from groupbox.domain.identity import service as identity


@dataclass
class Person:
    name: str
    profile_id: str
    session_token: str
    member_ids: dict[str, str] = field(default_factory=dict)  # group_id -> member_id

    async def actor(self):
        return await identity.load_actor(self.profile_id)


@dataclass
class World:
    owner: Person
    group: dict
    other_group: dict
    people: dict[str, Person]  # role -> person in `group`
    outsider: Person  # a member of `other_group` only

    def member_id(self, role: str) -> str:
        return self.people[role].member_ids[self.group["id"]]


async def owner_person() -> Person:
    owner = await identity.owner_profile()
    _device, token = await identity.start_browser(owner["id"], "pytest")
    return Person(owner["display_name"], owner["id"], token)


async def join(person_or_none: Person | None, group_id: str, name: str, *, admin: Person, role: str = "member",
               approval: bool = False) -> Person:
    """`name` joins `group_id` through a fresh invite made by `admin` (as a real claim does)."""
    admin_actor = await admin.actor()
    _invite, token = await invites.invite_create(admin_actor, group_id, InviteOptions(
        role=role, needs_approval=approval))
    actor = await person_or_none.actor() if person_or_none else None
    result = await invites.invite_claim(token, name, actor=actor, user_agent="pytest",
                                        ip=f"test-{hashlib.sha256(name.encode()).hexdigest()[:12]}",
                                        rate="1000/minute")
    if person_or_none is None:
        member = await groups.member_row(result.member_id)
        person_or_none = Person(name, member["profile_id"], result.session_token)
    person_or_none.member_ids[group_id] = result.member_id
    return person_or_none


async def create_group(owner: Person, name: str, purpose: str = "") -> dict:
    group = await groups.group_create(await owner.actor(), GroupCreate(name=name, purpose=purpose))
    owner.member_ids[group["id"]] = (await owner.actor()).membership(group["id"]).member_id
    return group


PARENT_GROUPS = ("FC Kreuzberg U12 Parents", "Tenant Association")


async def parent_in_two_groups() -> Person:
    """Anna Weber, a member of two groups the owner made (PARENT_GROUPS); one browser."""
    owner = await owner_person()
    football = await create_group(owner, PARENT_GROUPS[0])
    tenants = await create_group(owner, PARENT_GROUPS[1])
    anna = await join(None, football["id"], "Anna Weber", admin=owner)
    return await join(anna, tenants["id"], "Anna W.", admin=owner)


async def build_world() -> World:
    owner = await owner_person()
    group = await create_group(owner, "FC Kreuzberg U12 Parents", "Training, matches and carpools")
    other = await create_group(owner, "Tenant Association")
    people = {"owner": owner}
    for role, name in (("admin", "Coach Mark"), ("moderator", "Lisa Becker"), ("member", "Samir Khan"),
                       ("guest", "Priya N.")):
        people[role] = await join(None, group["id"], name, admin=owner, role=role)
    outsider = await join(None, other["id"], "Tenant Admin", admin=owner, role="admin")
    return World(owner, group, other, people, outsider)


async def needs(actor, group_ids: list[str] | None = None, kind: str | None = None) -> list:
    """The actor's "Needs me" items (actions.derive, ranked), optionally of one kind."""
    from groupbox.domain.actions import service as actions

    return [item for item in await actions.derive(actor, group_ids=group_ids) if kind in (None, item.kind)]
