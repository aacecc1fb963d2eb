"""Tasks: creating, assigning, moving across the board, the no-JS pages, and what leaving does."""

from datetime import UTC, datetime, timedelta

import pytest

from groupbox.db.engine import DB
from groupbox.domain.objects import tasks
from groupbox.domain.objects.schemas import TaskCreate
from groupbox.util import now


def count(call, sql, *params):
    return call(DB.fetchone, sql, *params)["n"]


@pytest.fixture
def make_task(client, world, as_person, csrf):
    def make(by="owner", **body):
        as_person(world.people[by])
        body.setdefault("title", "Book the minibus")
        response = client.post(f"/api/groups/{world.group['id']}/tasks", json=body, headers=csrf(client))
        assert response.status_code == 201, response.text
        return response.json()

    return make


def test_admin_adds_a_task_for_two_people_with_a_due_date(client, call, world, as_person, csrf):
    group = world.group["id"]
    samir, lisa = world.member_id("member"), world.member_id("moderator")
    as_person(world.people["admin"])
    response = client.post(f"/api/groups/{group}/tasks", json={
        "title": "  Book   the minibus ", "description": "Call **Kiezbus** first", "assignee_ids": [samir, lisa],
        "due_at": "2031-05-28T18:00",
    }, headers=csrf(client))
    assert response.status_code == 201, response.text
    task = response.json()
    assert task["title"] == "Book the minibus" and task["status"] == "open"
    assert {a["id"] for a in task["assignees"]} == {samir, lisa}
    # A naive time is the group's (Europe/Berlin, summer time: UTC+2).
    assert task["due_at"] == "2031-05-28T16:00:00Z"
    assert task["url"] == f"/tasks/{task['id']}" and task["seq"] > 0
    told = call(DB.fetch, "SELECT member_id, category FROM notification WHERE object_id = ?", task["id"])
    assert {(n["member_id"], n["category"]) for n in told} == {(samir, "task_assigned"), (lisa, "task_assigned")}
    assert client.get(f"/api/tasks/{task['id']}").json()["description"] == "Call **Kiezbus** first"


def test_a_bare_due_date_means_the_end_of_that_day(make_task):
    task = make_task(due_at="2031-01-10")
    assert task["due_at"] == "2031-01-10T22:59:00Z"


def test_assigning_yourself_sends_you_no_notification(call, world, make_task):
    task = make_task(by="admin", assignee_ids=[world.member_id("admin")])
    assert count(call, "SELECT COUNT(*) AS n FROM notification WHERE object_id = ?", task["id"]) == 0


@pytest.mark.parametrize("body, field", [
    ({"title": "   "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": "Wash shirts", "due_at": "next friday"}, "due_at"),
    ({"title": "Wash shirts", "assignee_ids": ["nobody-like-this"]}, "assignee_ids"),
])
def test_bad_task_input_is_refused_and_nothing_is_written(client, call, world, as_person, csrf, body, field):
    as_person(world.owner)
    before = count(call, "SELECT COUNT(*) AS n FROM task")
    response = client.post(f"/api/groups/{world.group['id']}/tasks", json=body, headers=csrf(client))
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"]
    assert count(call, "SELECT COUNT(*) AS n FROM task") == before
    assert count(call, "SELECT COUNT(*) AS n FROM task_assignee") == 0


def test_assignees_must_be_people_of_this_group_who_can_act(client, call, world, as_person, csrf):
    as_person(world.owner)
    outsider = world.outsider.member_ids[world.other_group["id"]]
    for assignee, words in ((outsider, "in this group"), (world.member_id("guest"), "Guests can only read")):
        response = client.post(f"/api/groups/{world.group['id']}/tasks",
                               json={"title": "Wash shirts", "assignee_ids": [world.member_id("member"), assignee]},
                               headers=csrf(client))
        assert response.status_code == 422 and words in response.json()["detail"]
    assert count(call, "SELECT COUNT(*) AS n FROM task") == 0


def test_assignee_moves_their_own_task_across_the_board(client, world, as_person, csrf, make_task):
    task = make_task(assignee_ids=[world.member_id("member")])
    as_person(world.people["member"])
    moved = client.patch(f"/api/tasks/{task['id']}", json={"status": "doing"}, headers=csrf(client))
    assert moved.status_code == 200 and moved.json()["status"] == "doing" and moved.json()["done_at"] is None
    done = client.patch(f"/api/tasks/{task['id']}", json={"status": "done"}, headers=csrf(client)).json()
    assert done["status"] == "done" and done["done_at"] and done["done_by_name"] == "Samir Khan"
    assert done["seq"] > moved.json()["seq"] > task["seq"]
    reopened = client.patch(f"/api/tasks/{task['id']}", json={"status": "open"}, headers=csrf(client)).json()
    assert reopened["done_at"] is None and reopened["done_by_name"] == ""
    bad = client.patch(f"/api/tasks/{task['id']}", json={"status": "finished"}, headers=csrf(client))
    assert bad.status_code == 422 and "status" in bad.json()["errors"]


def test_assignee_may_move_but_not_rewrite_a_task(client, world, as_person, csrf, make_task):
    task = make_task(assignee_ids=[world.member_id("member")])
    as_person(world.people["member"])
    response = client.patch(f"/api/tasks/{task['id']}", json={"title": "Something easier"}, headers=csrf(client))
    assert response.status_code == 403
    assert client.get(f"/api/tasks/{task['id']}").json()["title"] == "Book the minibus"


def test_others_cannot_move_a_task_that_is_not_theirs(client, world, as_person, csrf, make_task):
    task = make_task(assignee_ids=[world.member_id("moderator")])
    for role, status in (("member", 403), ("guest", 403)):
        as_person(world.people[role])
        assert client.patch(f"/api/tasks/{task['id']}", json={"status": "done"},
                            headers=csrf(client)).status_code == status
    as_person(world.outsider)
    assert client.patch(f"/api/tasks/{task['id']}", json={"status": "done"}, headers=csrf(client)).status_code == 404
    assert client.get(f"/api/tasks/{task['id']}").status_code == 404
    assert client.get(f"/api/groups/{world.group['id']}/tasks").status_code == 404
    as_person(world.people["admin"])  # editors move any task
    assert client.patch(f"/api/tasks/{task['id']}", json={"status": "done"}, headers=csrf(client)).status_code == 200


def test_editor_reassigns_and_only_the_new_person_hears_about_it(client, call, world, as_person, csrf, make_task):
    samir, lisa = world.member_id("member"), world.member_id("moderator")
    task = make_task(assignee_ids=[samir])
    as_person(world.owner)
    response = client.patch(f"/api/tasks/{task['id']}", json={"assignee_ids": [samir, lisa], "due_at": "2031-02-01"},
                            headers=csrf(client))
    assert response.status_code == 200
    assert {a["id"] for a in response.json()["assignees"]} == {samir, lisa}
    told = call(DB.fetch, "SELECT member_id FROM notification WHERE object_id = ?", task["id"])
    assert sorted(n["member_id"] for n in told) == sorted([samir, lisa])  # Samir once (at creation), Lisa now
    cleared = client.patch(f"/api/tasks/{task['id']}", json={"due_at": None}, headers=csrf(client)).json()
    assert cleared["due_at"] is None and len(cleared["assignees"]) == 2  # leaving fields out keeps them


def test_board_lists_by_due_date_then_newest_and_filters_mine(client, world, as_person, make_task):
    samir = world.member_id("member")
    late = make_task(title="Late", due_at="2031-03-01")
    undated_old = make_task(title="Undated old", assignee_ids=[samir])
    soon = make_task(title="Soon", due_at="2031-02-01", assignee_ids=[samir])
    undated_new = make_task(title="Undated new")
    as_person(world.people["member"])
    items = client.get(f"/api/groups/{world.group['id']}/tasks").json()["items"]
    assert [t["id"] for t in items] == [soon["id"], late["id"], undated_new["id"], undated_old["id"]]
    mine = client.get(f"/api/groups/{world.group['id']}/tasks?mine=1").json()["items"]
    assert [t["id"] for t in mine] == [soon["id"], undated_old["id"]]
    assert all(t["mine"] and t["may_move"] and not t["may_edit"] for t in mine)
    board = client.get(f"/groups/{world.group['id']}/tasks?mine=1")
    assert "Soon" in board.text and "Late" not in board.text


def test_deleting_a_task_leaves_a_tombstone(client, call, world, as_person, csrf, make_task):
    task = make_task(by="moderator")
    as_person(world.people["member"])
    assert client.delete(f"/api/tasks/{task['id']}", headers=csrf(client)).status_code == 403
    as_person(world.people["moderator"])
    assert client.delete(f"/api/tasks/{task['id']}", headers=csrf(client)).status_code == 204
    assert client.get(f"/api/tasks/{task['id']}").status_code == 404
    stone = call(DB.fetchone, "SELECT * FROM tombstone WHERE object_id = ?", task["id"])
    assert stone["object_type"] == "task" and stone["seq"] > task["seq"]


def test_someone_who_leaves_is_taken_off_their_tasks(client, call, world, as_person, csrf, make_task):
    samir = world.member_id("member")
    task = make_task(assignee_ids=[samir, world.member_id("moderator")])
    as_person(world.people["member"])
    assert client.post(f"/api/groups/{world.group['id']}/leave", headers=csrf(client)).status_code == 200
    as_person(world.owner)
    after = client.get(f"/api/tasks/{task['id']}").json()
    assert [a["display_name"] for a in after["assignees"]] == ["Lisa Becker"]
    assert after["seq"] > task["seq"]


# -- pages ----------------------------------------------------------------------------------------
def test_member_marks_their_task_done_from_the_board_without_javascript(client, world, as_person, csrf, make_task):
    task = make_task(title="Wash the shirts", assignee_ids=[world.member_id("member")])
    as_person(world.people["member"])
    board = client.get(f"/groups/{world.group['id']}/tasks")
    assert board.status_code == 200
    assert f'action="/tasks/{task["id"]}"' in board.text and 'value="done"' in board.text
    back = f"/groups/{world.group['id']}/tasks"
    response = client.post(f"/tasks/{task['id']}", data={"status": "done", "back": back}, headers=csrf(client),
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == back
    page = client.get(back)
    assert "Done. Thank you!" in page.text
    assert client.get(f"/api/tasks/{task['id']}").json()["status"] == "done"


def test_moving_someone_elses_task_from_a_page_explains_why_not(client, world, as_person, csrf, make_task):
    task = make_task(assignee_ids=[world.member_id("moderator")])
    as_person(world.people["member"])
    response = client.post(f"/tasks/{task['id']}", data={"status": "done", "back": "https://evil.example/"},
                           headers=csrf(client), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/tasks/{task['id']}"
    assert "not allowed" in client.get(response.headers["location"]).text


def test_task_form_keeps_what_was_typed_and_shows_the_error_beside_the_field(client, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.owner)
    form = client.get(f"/groups/{group}/tasks/new")
    assert form.status_code == 200 and "Samir Khan" in form.text and "Priya N." not in form.text  # no guests
    response = client.post(f"/groups/{group}/tasks/new", data={
        "title": "", "description": "Bring the **blue** bag", "assignee_ids": [world.member_id("member")],
    }, headers=csrf(client))
    assert response.status_code == 422
    assert 'id="f-title-error"' in response.text and "Bring the **blue** bag" in response.text
    assert f'value="{world.member_id("member")}" checked' in response.text
    response = client.post(f"/groups/{group}/tasks/new", data={
        "title": "Wash the shirts", "description": "Bring the **blue** bag <script>x</script>",
        "assignee_ids": [world.member_id("member"), world.member_id("moderator")], "due_at": "2031-04-02T09:30",
    }, headers=csrf(client), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/groups/{group}/tasks"
    task = client.get(f"/api/groups/{group}/tasks").json()["items"][0]
    assert len(task["assignees"]) == 2
    detail = client.get(f"/tasks/{task['id']}")
    assert "<strong>blue</strong>" in detail.text and "<script>x" not in detail.text


def test_member_cannot_open_the_task_form_without_the_group_setting(client, world, as_person):
    as_person(world.people["member"])
    assert client.get(f"/groups/{world.group['id']}/tasks/new").status_code == 403
    as_person(world.outsider)
    assert client.get(f"/groups/{world.group['id']}/tasks").status_code == 404


def test_editor_changes_a_task_through_the_edit_form(client, world, as_person, csrf, make_task):
    task = make_task(assignee_ids=[world.member_id("member")], due_at="2031-04-02T09:30")
    as_person(world.owner)
    form = client.get(f"/tasks/{task['id']}/edit")
    assert 'value="2031-04-02T09:30"' in form.text and "Book the minibus" in form.text
    response = client.post(f"/tasks/{task['id']}/edit", data={"title": "Book the big minibus", "due_at": ""},
                           headers=csrf(client), follow_redirects=False)
    assert response.status_code == 303
    after = client.get(f"/api/tasks/{task['id']}").json()
    assert after["title"] == "Book the big minibus" and after["due_at"] is None and after["assignees"] == []


def test_dashboard_shows_my_open_tasks_only_when_there_are_some(client, world, as_person, make_task):
    as_person(world.people["member"])
    assert 'id="my-tasks"' not in client.get(f"/groups/{world.group['id']}").text
    make_task(title="Wash the shirts", assignee_ids=[world.member_id("member")])
    as_person(world.people["member"])
    page = client.get(f"/groups/{world.group['id']}")
    assert 'id="my-tasks"' in page.text and "Wash the shirts" in page.text


# -- services other areas call -------------------------------------------------------------------
def test_my_open_tasks_are_what_the_home_dashboard_needs(call, world, make_task):
    samir = world.member_id("member")
    make_task(title="Soon", assignee_ids=[samir], due_at="2031-02-01")
    make_task(title="Someone else's")
    finished = make_task(title="Finished", assignee_ids=[samir])
    call(tasks.task_set_status, call(world.owner.actor), finished["id"], "done")
    actor = call(world.people["member"].actor)
    items = call(tasks.my_open_tasks, actor, [world.group["id"]])
    assert [t["title"] for t in items] == ["Soon"]
    item = items[0]
    assert item["kind"] == "task" and item["url"].startswith("/tasks/")
    assert item["group"]["name"] == "FC Kreuzberg U12 Parents" and item["due_at"] == datetime(2031, 2, 1, 22, 59,
                                                                                              tzinfo=UTC)
    assert call(tasks.my_open_tasks, actor, [world.other_group["id"]]) == []


async def test_overdue_is_marked_for_open_tasks_only(db):
    from tests.factories import build_world

    world = await build_world()
    actor = await world.owner.actor()
    past = (now() - timedelta(days=1)).isoformat()
    task = await tasks.task_create(actor, world.group["id"], TaskCreate(title="Late", due_at=past))
    assert task["overdue"]
    task = await tasks.task_set_status(actor, task["id"], "done")
    assert not task["overdue"]
