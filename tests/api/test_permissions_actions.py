"""SPEC §6.7 for tasks, polls and sign-ups, as a table: role × action through the API.

Creating tasks, polls and sign-up sheets is for owners, admins and moderators, and for members
only when the group's `members_post_official` setting is on. Voting, signing up and moving
one's own task is for everyone but guests. Outsiders get 404, anonymous requests 401.
"""

import pytest

from groupbox.domain.groups import service as groups
from groupbox.domain.objects import polls, signups, tasks
from tests.api.test_permissions import ROLES, Row, _person

CREATORS = {"owner", "admin", "moderator"}
ACTORS = {"owner", "admin", "moderator", "member"}

CREATE_ROWS = [
    Row("create a task", "POST", "/api/groups/{group}/tasks", {"title": "Wash the shirts"}, CREATORS),
    Row("create a poll", "POST", "/api/groups/{group}/polls", {"question": "Which day?", "options": ["Fri", "Sat"]},
        CREATORS),
    Row("create a sign-up sheet", "POST", "/api/groups/{group}/signups",
        {"title": "Who helps?", "slots": [{"label": "Drive", "capacity": 3}]}, CREATORS),
]

ACT_ROWS = [
    Row("vote", "POST", "/api/polls/{poll}/vote", {"option_ids": ["{option}"]}, ACTORS),
    Row("take a place", "POST", "/api/signups/slots/{slot}/commitment", {"note": "happy to"}, ACTORS),
    Row("give a place back", "DELETE", "/api/signups/slots/{slot}/commitment", None, ACTORS),
    Row("complete my own task", "PATCH", "/api/tasks/{task}", {"status": "done"}, ACTORS),
    Row("read the board", "GET", "/api/groups/{group}/tasks", None, ACTORS | {"guest"}),
    Row("read a poll", "GET", "/api/polls/{poll}", None, ACTORS | {"guest"}),
    Row("read a sign-up sheet", "GET", "/api/signups/{signup}", None, ACTORS | {"guest"}),
]

EDIT_ROWS = [
    Row("edit someone else's task", "PATCH", "/api/tasks/{task}", {"title": "Renamed"}, CREATORS),
    Row("close a poll", "POST", "/api/polls/{poll}/close", None, CREATORS),
    Row("delete a sign-up sheet", "DELETE", "/api/signups/{signup}", None, CREATORS),
]


def _fill(value, names):
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


async def _targets(world, role) -> dict:
    """Fresh objects for one role, made by the owner: a poll, a sheet, and a task assigned to
    this person when they can be assigned (guests and outsiders cannot)."""
    owner = await world.owner.actor()
    gid = world.group["id"]
    assignee = [world.member_id(role)] if role in ACTORS else []
    task = await tasks.task_create(owner, gid, f"Task for {role}", assignee_ids=assignee)
    poll = await polls.poll_create(owner, gid, f"Poll for {role}?", ["Yes", "No"])
    sheet = await signups.signup_create(owner, gid, f"Sheet for {role}", [{"label": "Seats", "capacity": 10}])
    return {"group": gid, "task": task["id"], "poll": poll["id"], "option": poll["options"][0]["id"],
            "signup": sheet["id"], "slot": sheet["slots"][0]["id"]}


def _expected(role, allowed):
    if role == "anonymous":
        return {401}
    if role == "outsider":
        return {404}
    return {200, 201, 204} if role in allowed else {403}


def _check(row, role, client, call, world, as_person, csrf):
    names = call(_targets, world, role)
    as_person(_person(world, role))
    response = client.request(row.method, _fill(row.path, names), json=_fill(row.body, names), headers=csrf(client))
    assert response.status_code in _expected(role, row.allowed), \
        f"{row.action} as {role}: {response.status_code} {response.text}"
    if response.status_code >= 400:
        assert set(response.json()) >= {"detail", "status_code"}


@pytest.mark.parametrize("row", ACT_ROWS + EDIT_ROWS + CREATE_ROWS, ids=lambda r: r.action)
def test_action_matrix(row, client, call, world, as_person, csrf):
    for role in ROLES:
        _check(row, role, client, call, world, as_person, csrf)


@pytest.mark.parametrize("row", CREATE_ROWS, ids=lambda r: r.action)
def test_members_create_when_the_group_lets_them(row, client, call, world, as_person, csrf):
    owner = call(world.owner.actor)
    call(groups.group_update, owner, world.group["id"], members_post_official=True)
    allowed = Row(row.action, row.method, row.path, row.body, row.allowed | {"member"})
    for role in ROLES:
        _check(allowed, role, client, call, world, as_person, csrf)


def test_members_edit_their_own_objects_only_while_they_may_create(client, call, world, as_person, csrf):
    owner = call(world.owner.actor)
    call(groups.group_update, owner, world.group["id"], members_post_official=True)
    as_person(world.people["member"])
    task = client.post(f"/api/groups/{world.group['id']}/tasks", json={"title": "Mine"}, headers=csrf(client)).json()
    assert client.patch(f"/api/tasks/{task['id']}", json={"title": "Still mine"},
                        headers=csrf(client)).status_code == 200
    call(groups.group_update, owner, world.group["id"], members_post_official=False)
    assert client.patch(f"/api/tasks/{task['id']}", json={"title": "Not any more"},
                        headers=csrf(client)).status_code == 403
