"""SPEC §6.7 for tasks, polls and sign-ups, as a table: role × action through the API.

Creating, editing, closing and deleting tasks, polls and sign-up sheets is for owners, admins
and moderators, and for members only when the group's `members_post_official` setting is on.
Voting, signing up and moving one's own task is for everyone but guests. Outsiders get 404,
anonymous requests 401. The harness is in tests/api/test_permissions.py.
"""

import pytest

from groupbox.domain.groups import service as groups
from groupbox.domain.groups.schemas import GroupSettings
from groupbox.domain.objects import polls, signups, tasks
from groupbox.domain.objects.schemas import PollCreate, SignupCreate, SlotInput, TaskCreate
from tests.api.test_permissions import (  # noqa: F401 - `shared_instance` is the module's fixture
    EVERYONE,
    MODERATORS,
    NOT_GUESTS,
    Row,
    check_row,
    shared_instance,
)

CREATE_ROWS = [
    Row("create a task", "POST", "/api/groups/{group}/tasks", {"title": "Wash the shirts"}, MODERATORS),
    Row("create a poll", "POST", "/api/groups/{group}/polls", {"question": "Which day?", "options": ["Fri", "Sat"]},
        MODERATORS),
    Row("create a sign-up sheet", "POST", "/api/groups/{group}/signups",
        {"title": "Who helps?", "slots": [{"label": "Drive", "capacity": 3}]}, MODERATORS),
]

ACT_ROWS = [
    Row("vote", "POST", "/api/polls/{poll}/vote", {"option_ids": ["{option}"]}, NOT_GUESTS),
    Row("take a place", "POST", "/api/signups/slots/{slot}/commitment", {"note": "happy to"}, NOT_GUESTS),
    Row("give a place back", "DELETE", "/api/signups/slots/{slot}/commitment", None, NOT_GUESTS),
    Row("complete my own task", "PATCH", "/api/tasks/{task}", {"status": "done"}, NOT_GUESTS),
    Row("read the board", "GET", "/api/groups/{group}/tasks", None, EVERYONE),
    Row("read a poll", "GET", "/api/polls/{poll}", None, EVERYONE),
    Row("read a sign-up sheet", "GET", "/api/signups/{signup}", None, EVERYONE),
]

EDIT_ROWS = [
    Row("edit my task beyond its status", "PATCH", "/api/tasks/{task}", {"title": "Renamed"}, MODERATORS),
    Row("move someone else's task", "PATCH", "/api/tasks/{others_task}", {"status": "doing"}, MODERATORS),
    Row("delete a task", "DELETE", "/api/tasks/{task}", None, MODERATORS),
    Row("close a poll", "POST", "/api/polls/{poll}/close", None, MODERATORS),
    Row("delete a poll", "DELETE", "/api/polls/{poll}", None, MODERATORS),
    Row("close a sign-up sheet", "POST", "/api/signups/{signup}/close", None, MODERATORS),
    Row("delete a sign-up sheet", "DELETE", "/api/signups/{signup}", None, MODERATORS),
]

ROWS = ACT_ROWS + EDIT_ROWS + CREATE_ROWS


async def _targets(instance, role, wanted) -> dict:
    """Fresh objects for one call, made by the owner: a poll, a sheet, a task assigned to this
    person when they can be assigned (guests and outsiders cannot), and one assigned to nobody."""
    world = instance.world
    owner = await world.owner.actor()
    group = world.group["id"]
    names = {"group": group}
    if "task" in wanted:
        assignee = [world.member_id(role)] if role in NOT_GUESTS else []
        names["task"] = (await tasks.task_create(owner, group, TaskCreate(title=f"Task for {role}", assignee_ids=assignee)))["id"]
    if "others_task" in wanted:
        names["others_task"] = (await tasks.task_create(owner, group, TaskCreate(title=f"Nobody's task ({role})")))["id"]
    if "poll" in wanted:
        poll = await polls.poll_create(owner, group, PollCreate(question=f"Poll for {role}?", options=["Yes", "No"]))
        names.update(poll=poll["id"], option=poll["options"][0]["id"])
    if wanted & {"signup", "slot"}:
        sheet = await signups.signup_create(owner, group, SignupCreate(title=f"Sheet for {role}",
                                                                    slots=[SlotInput(label="Seats", capacity=10)]))
        names.update(signup=sheet["id"], slot=sheet["slots"][0]["id"])
    return names


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.action)
def test_action_matrix(row, instance):
    check_row(instance, row, _targets)


@pytest.mark.parametrize("row", CREATE_ROWS + EDIT_ROWS, ids=lambda r: r.action)
def test_members_create_and_edit_when_the_group_lets_them(row, instance):
    instance = instance.fresh()
    owner = instance.call(instance.world.owner.actor)
    instance.call(groups.group_update, owner, instance.world.group["id"], GroupSettings(members_post_official=True))
    # Editing here is someone else's object (the owner's): the setting lets members create, not edit others'.
    allowed = row.allowed | {"member"} if row in CREATE_ROWS else row.allowed
    check_row(instance, Row(row.action, row.method, row.path, row.body, allowed), _targets)


def test_members_edit_their_own_objects_only_while_they_may_create(instance):
    instance = instance.fresh()
    world, client = instance.world, instance.client
    owner = instance.call(world.owner.actor)
    instance.call(groups.group_update, owner, world.group["id"], GroupSettings(members_post_official=True))
    instance.as_person(world.people["member"])
    task = client.post(f"/api/groups/{world.group['id']}/tasks", json={"title": "Mine"},
                       headers=instance.csrf()).json()
    assert client.patch(f"/api/tasks/{task['id']}", json={"title": "Still mine"},
                        headers=instance.csrf()).status_code == 200
    instance.call(groups.group_update, owner, world.group["id"], GroupSettings(members_post_official=False))
    assert client.patch(f"/api/tasks/{task['id']}", json={"title": "Not any more"},
                        headers=instance.csrf()).status_code == 403
