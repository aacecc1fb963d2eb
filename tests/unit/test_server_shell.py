"""The instance owner at the server's shell (the CLI) may invite into any group; the owner on the
web still sees only the groups they are in (access.SHELL_ACTIONS)."""

import dataclasses

import pytest

from groupbox.access import Actor, Membership, can, require
from groupbox.domain.audit import service as audit
from groupbox.domain.groups import invites
from groupbox.domain.groups import service as groups
from groupbox.domain.groups.schemas import InviteOptions
from groupbox.errors import NotFound
from tests.factories import build_world, create_group

GROUP = {"id": "g1", "timezone": "Europe/Berlin"}


def _actor(*, shell=False, is_owner=True, role=None) -> Actor:
    memberships = {"g1": Membership("m1", "g1", role, "Olivia")} if role else {}
    return Actor("p1", "Olivia", is_owner=is_owner, shell=shell, memberships=memberships)


# (who, action) -> may they, in a group they are not in unless a role is given
MATRIX = [
    ("shell owner, not a member", _actor(shell=True), "group.view", True),
    ("shell owner, not a member", _actor(shell=True), "invite.create", True),
    ("shell owner, not a member", _actor(shell=True), "group.admin", False),
    ("shell owner, not a member", _actor(shell=True), "act", False),
    ("shell owner, a plain member", _actor(shell=True, role="member"), "invite.create", True),
    ("shell, not the owner", _actor(shell=True, is_owner=False), "invite.create", False),
    ("web owner, not a member", _actor(), "group.view", False),
    ("web owner, not a member", _actor(), "invite.create", False),
    ("web owner, a plain member", _actor(role="member"), "invite.create", False),
    ("web owner, an admin", _actor(role="admin"), "invite.create", True),
]


@pytest.mark.parametrize(("who", "actor", "action", "allowed"), MATRIX, ids=[f"{r[0]}-{r[2]}" for r in MATRIX])
def test_who_may_see_and_invite_into_a_group(who, actor, action, allowed):
    assert can(actor, action, GROUP) is allowed


def test_owner_outside_a_group_is_not_found_on_the_web_but_the_shell_gets_through():
    with pytest.raises(NotFound):
        require(_actor(), "invite.create", GROUP)
    assert require(_actor(shell=True), "invite.create", GROUP) is None  # no membership to speak of


@pytest.fixture
async def outsiders_group(db):
    """A group the instance owner is not in: an admin of another group created it."""
    world = await build_world()
    return world, await create_group(world.outsider, "Outsiders' Club")


async def test_owner_invites_from_the_shell_into_a_group_they_are_not_in(outsiders_group):
    world, group = outsiders_group
    owner = await world.owner.actor()
    with pytest.raises(NotFound):  # the owner's browser: the group does not exist for them
        await invites.invite_create(owner, group["id"], InviteOptions())
    assert group["id"] not in [g["id"] for g in await groups.groups_visible(owner)]

    shell = dataclasses.replace(owner, shell=True)
    invite, token = await invites.invite_create(shell, group["id"], InviteOptions(max_uses=3))
    assert invite["created_by"] is None and invite["max_uses"] == 3
    assert (await invites.invite_by_token(token))[1]["id"] == group["id"]
    entry = (await audit.group_log(await world.outsider.actor(), group))[0]
    assert entry["action"] == "invite.create"
    assert entry["actor_name"] == f"{owner.display_name} (server owner)" and entry["detail"].endswith("from shell")
    assert group["id"] in [g["id"] for g in await groups.groups_visible(shell)]


def test_owner_on_the_web_still_cannot_see_or_invite_into_a_group_they_are_not_in(client, call, world, as_person,
                                                                                   csrf):
    group = call(create_group, world.outsider, "Outsiders' Club")
    as_person(world.owner)
    assert client.get(f"/api/groups/{group['id']}").status_code == 404
    assert group["id"] not in [g["id"] for g in client.get("/api/groups").json()["items"]]
    answer = client.post(f"/api/groups/{group['id']}/invites", json={}, headers=csrf(client))
    assert answer.status_code == 404
    mine = client.post(f"/api/groups/{world.group['id']}/invites", json={}, headers=csrf(client))
    assert mine.status_code == 201  # in a group the owner is in, the web invites as before
