"""Polls: creating, voting and changing a vote, who sees what, the no-JS pages."""

from datetime import timedelta

import pytest

from groupbox.db.engine import DB
from groupbox.util import now
from tests.factories import needs


def count(call, sql, *params):
    return call(DB.fetchone, sql, *params)["n"]


@pytest.fixture
def make_poll(client, world, as_person, csrf):
    def make(by="owner", **body):
        as_person(world.people[by])
        body.setdefault("question", "Which day for the end-of-season party?")
        body.setdefault("options", ["Friday", "Saturday", "Sunday"])
        response = client.post(f"/api/groups/{world.group['id']}/polls", json=body, headers=csrf(client))
        assert response.status_code == 201, response.text
        return response.json()

    return make


def vote(client, world, as_person, csrf, role, poll, *labels, person=None):
    as_person(person or world.people[role])
    ids = [o["id"] for o in poll["options"] if o["label"] in labels]
    return client.post(f"/api/polls/{poll['id']}/vote", json={"option_ids": ids}, headers=csrf(client))


def test_admin_creates_a_poll_and_gets_the_option_ids(client, call, world, as_person, csrf):
    as_person(world.people["admin"])
    response = client.post(f"/api/groups/{world.group['id']}/polls", json={
        "question": "Which day for the party?", "options": ["Friday", " Saturday "], "multiple": True,
        "anonymous": True, "closes_at": (now() + timedelta(days=3)).isoformat(),
        "results_visibility": "after_close",
    }, headers=csrf(client))
    assert response.status_code == 201, response.text
    poll = response.json()
    assert [o["label"] for o in poll["options"]] == ["Friday", "Saturday"]
    assert all(o["id"] and o["votes"] is None for o in poll["options"])
    assert poll["multiple"] and poll["anonymous"] and poll["results_visibility"] == "after_close"
    assert not poll["closed"] and poll["may_vote"] and poll["may_edit"]
    told = call(DB.fetch, "SELECT member_id FROM notification WHERE object_id = ? AND category = 'poll_new'",
                poll["id"])
    assert world.member_id("member") in {n["member_id"] for n in told}
    assert world.member_id("admin") not in {n["member_id"] for n in told}
    listed = client.get(f"/api/groups/{world.group['id']}/polls").json()["items"]
    assert [p["id"] for p in listed] == [poll["id"]]


@pytest.mark.parametrize("body, field", [
    ({"question": "", "options": ["a", "b"]}, "question"),
    ({"question": "Day?", "options": ["Friday"]}, "options"),
    ({"question": "Day?", "options": [f"Day {i}" for i in range(21)]}, "options"),
    ({"question": "Day?", "options": ["Friday", "x" * 121]}, "options"),
    ({"question": "Day?", "options": ["Friday", "FRIDAY"]}, "options"),
    ({"question": "Day?", "options": ["a", "b"], "results_visibility": "never"}, "results_visibility"),
    ({"question": "Day?", "options": ["a", "b"], "closes_at": "2001-01-01T10:00"}, "closes_at"),
    ({"question": "Day?", "options": ["a", "b"], "closes_at": "soon"}, "closes_at"),
])
def test_bad_polls_are_refused_and_nothing_is_written(client, call, world, as_person, csrf, body, field):
    as_person(world.owner)
    response = client.post(f"/api/groups/{world.group['id']}/polls", json=body, headers=csrf(client))
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"]
    assert count(call, "SELECT COUNT(*) AS n FROM poll") == 0
    assert count(call, "SELECT COUNT(*) AS n FROM poll_option") == 0


def test_member_votes_sees_results_and_changes_the_vote(client, call, world, as_person, csrf, make_poll):
    poll = make_poll()
    assert vote(client, world, as_person, csrf, "admin", poll, "Friday").status_code == 200
    response = vote(client, world, as_person, csrf, "member", poll, "Saturday")
    assert response.status_code == 200
    result = response.json()
    by_label = {o["label"]: o for o in result["options"]}
    assert by_label["Saturday"]["mine"] and not by_label["Friday"]["mine"]
    assert (by_label["Friday"]["votes"], by_label["Saturday"]["votes"], by_label["Sunday"]["votes"]) == (1, 1, 0)
    assert by_label["Saturday"]["percent"] == 50 and result["voter_count"] == 2
    assert [v["display_name"] for v in by_label["Friday"]["voters"]] == ["Coach Mark"]
    changed = vote(client, world, as_person, csrf, "member", poll, "Friday").json()
    by_label = {o["label"]: o for o in changed["options"]}
    assert (by_label["Friday"]["votes"], by_label["Saturday"]["votes"]) == (2, 0)
    assert by_label["Friday"]["percent"] == 100 and changed["my_option_ids"] == [by_label["Friday"]["id"]]
    assert count(call, "SELECT COUNT(*) AS n FROM poll_vote WHERE member_id = ?", world.member_id("member")) == 1
    assert changed["seq"] > result["seq"]


def test_multiple_choice_percentages_are_of_the_people_who_voted(client, world, as_person, csrf, make_poll):
    poll = make_poll(question="What do we bring?", options=["Cake", "Fruit", "Drinks"], multiple=True)
    vote(client, world, as_person, csrf, "member", poll, "Cake", "Fruit")
    result = vote(client, world, as_person, csrf, "admin", poll, "Cake").json()
    by_label = {o["label"]: o for o in result["options"]}
    assert result["voter_count"] == 2
    assert (by_label["Cake"]["percent"], by_label["Fruit"]["percent"], by_label["Drinks"]["percent"]) == (100, 50, 0)


def test_bad_votes_are_refused_and_leave_the_old_vote_alone(client, call, world, as_person, csrf, make_poll):
    poll = make_poll()
    other = make_poll(question="Another one?", options=["Yes", "No"])
    assert vote(client, world, as_person, csrf, "member", poll, "Sunday").status_code == 200
    as_person(world.people["member"])
    url = f"/api/polls/{poll['id']}/vote"
    for option_ids, words in (
        ([other["options"][0]["id"]], "not part of this poll"),
        ([poll["options"][0]["id"], poll["options"][1]["id"]], "one choice"),
        ([], "Choose an option"),
    ):
        response = client.post(url, json={"option_ids": option_ids}, headers=csrf(client))
        assert response.status_code == 422 and words in response.json()["detail"], response.text
    assert client.post(url, json={}, headers=csrf(client)).status_code in (400, 422)
    mine = call(DB.fetch, "SELECT option_id FROM poll_vote WHERE member_id = ?", world.member_id("member"))
    assert [m["option_id"] for m in mine] == [poll["options"][2]["id"]]


def test_no_votes_after_the_poll_closes(client, call, world, as_person, csrf, make_poll):
    poll = make_poll(closes_at=(now() + timedelta(hours=1)).isoformat())
    assert vote(client, world, as_person, csrf, "member", poll, "Friday").status_code == 200
    # An hour passes.
    call(DB.execute, "UPDATE poll SET closes_at = ? WHERE id = ?", now() - timedelta(seconds=1), poll["id"])
    response = vote(client, world, as_person, csrf, "member", poll, "Sunday")
    assert response.status_code == 409 and "closed" in response.json()["detail"]
    assert client.get(f"/api/polls/{poll['id']}").json()["my_option_ids"] == [poll["options"][0]["id"]]


def test_editor_closes_a_poll_early(client, world, as_person, csrf, make_poll):
    poll = make_poll(by="moderator", results_visibility="after_close")
    vote(client, world, as_person, csrf, "member", poll, "Friday")
    as_person(world.people["member"])
    assert client.post(f"/api/polls/{poll['id']}/close", headers=csrf(client)).status_code == 403
    as_person(world.people["moderator"])
    closed = client.post(f"/api/polls/{poll['id']}/close", headers=csrf(client)).json()
    assert closed["closed"] and closed["results_visible"] and closed["options"][0]["votes"] == 1
    assert vote(client, world, as_person, csrf, "admin", poll, "Friday").status_code == 409


def test_results_after_voting_stay_hidden_until_you_vote(client, world, as_person, csrf, make_poll):
    poll = make_poll(results_visibility="after_vote")
    vote(client, world, as_person, csrf, "admin", poll, "Friday")
    as_person(world.people["member"])
    before = client.get(f"/api/polls/{poll['id']}").json()
    assert not before["results_visible"] and all(o["votes"] is None and o["voters"] is None
                                                 for o in before["options"])
    assert before["voter_count"] == 1  # turnout is no secret
    page = client.get(f"/polls/{poll['id']}")
    assert "Results show once you have voted" in page.text and "Coach Mark" not in page.text
    after = vote(client, world, as_person, csrf, "member", poll, "Sunday").json()
    assert after["results_visible"] and [o["votes"] for o in after["options"]] == [1, 0, 1]


def test_results_after_close_stay_hidden_even_after_voting(client, world, as_person, csrf, make_poll):
    poll = make_poll(results_visibility="after_close")
    after = vote(client, world, as_person, csrf, "member", poll, "Sunday").json()
    assert not after["results_visible"] and after["my_option_ids"]  # my own choice is still mine to see
    as_person(world.owner)
    closed = client.post(f"/api/polls/{poll['id']}/close", headers=csrf(client)).json()
    assert [o["votes"] for o in closed["options"]] == [0, 0, 1]


def test_anonymous_polls_never_name_anyone(client, world, as_person, csrf, make_poll):
    poll = make_poll(anonymous=True)
    vote(client, world, as_person, csrf, "member", poll, "Friday")
    vote(client, world, as_person, csrf, "moderator", poll, "Saturday")
    for person in (world.owner, world.people["member"], world.people["guest"]):
        as_person(person)
        for path in (f"/api/polls/{poll['id']}", f"/api/groups/{world.group['id']}/polls"):
            text = client.get(path).text
            assert "Samir" not in text and "Lisa" not in text
            assert world.member_id("member") not in text and world.member_id("moderator") not in text
        page = client.get(f"/polls/{poll['id']}").text
        page = page.replace(f"Signed in as {person.name}", "")  # the nav names the viewer
        assert "Samir" not in page and "Lisa" not in page
    as_person(world.owner)
    result = client.get(f"/api/polls/{poll['id']}").json()
    assert [o["votes"] for o in result["options"]] == [1, 1, 0]
    assert all(o["voters"] is None for o in result["options"])


def test_guests_read_polls_but_cannot_vote_and_outsiders_see_nothing(client, world, as_person, csrf, make_poll):
    poll = make_poll()
    response = vote(client, world, as_person, csrf, "guest", poll, "Friday")
    assert response.status_code == 403
    assert client.get(f"/api/polls/{poll['id']}").json()["may_vote"] is False
    assert "Guests can read polls but not vote" in client.get(f"/polls/{poll['id']}").text
    assert vote(client, world, as_person, csrf, None, poll, "Friday", person=world.outsider).status_code == 404
    assert client.get(f"/api/polls/{poll['id']}").status_code == 404
    assert client.get(f"/polls/{poll['id']}").status_code == 404


def test_someone_who_leaves_loses_their_votes(client, world, as_person, csrf, make_poll):
    poll = make_poll()
    vote(client, world, as_person, csrf, "member", poll, "Friday")
    vote(client, world, as_person, csrf, "admin", poll, "Friday")
    as_person(world.people["member"])
    assert client.post(f"/api/groups/{world.group['id']}/leave", headers=csrf(client)).status_code == 200
    as_person(world.owner)
    after = client.get(f"/api/polls/{poll['id']}").json()
    assert after["voter_count"] == 1 and after["options"][0]["votes"] == 1 and after["seq"] > poll["seq"]


def test_deleting_a_poll_leaves_a_tombstone(client, call, world, as_person, csrf, make_poll):
    poll = make_poll()
    as_person(world.owner)
    assert client.delete(f"/api/polls/{poll['id']}", headers=csrf(client)).status_code == 204
    assert client.get(f"/api/polls/{poll['id']}").status_code == 404
    assert count(call, "SELECT COUNT(*) AS n FROM tombstone WHERE object_type = 'poll' AND object_id = ?",
                 poll["id"]) == 1


def test_my_unanswered_polls_are_the_open_ones_i_have_not_voted_in(client, call, world, as_person, csrf,
                                                                    make_poll):
    first = make_poll(question="First?", closes_at=(now() + timedelta(days=5)).isoformat())
    second = make_poll(question="Second?", closes_at=(now() + timedelta(days=1)).isoformat())
    undated = make_poll(question="Undated?")
    closed = make_poll(question="Closed?")
    as_person(world.owner)
    client.post(f"/api/polls/{closed['id']}/close", headers=csrf(client))
    actor = call(world.people["member"].actor)
    items = call(needs, actor, [world.group["id"]], "vote")
    # Ranked by urgency: tomorrow, then "no deadline" (counts as two days), then in five days.
    assert [p.title for p in items] == ["Second?", "Undated?", "First?"]
    assert items[0].url == f"/polls/{second['id']}" and items[0].due_at and items[0].group_id == world.group["id"]
    vote(client, world, as_person, csrf, "member", first, "Friday")
    assert [p.id for p in call(needs, actor, None, "vote")] == [second["id"], undated["id"]]
    guest = call(world.people["guest"].actor)
    assert call(needs, guest) == []


# -- pages ----------------------------------------------------------------------------------------
def test_parent_votes_on_the_poll_page_without_javascript(client, world, as_person, csrf, make_poll):
    poll = make_poll()
    as_person(world.people["member"])
    page = client.get(f"/polls/{poll['id']}")
    assert page.status_code == 200 and 'type="radio" name="option_ids"' in page.text
    saturday = poll["options"][1]["id"]
    response = client.post(f"/polls/{poll['id']}/vote", data={"option_ids": saturday}, headers=csrf(client),
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/polls/{poll['id']}"
    page = client.get(f"/polls/{poll['id']}")
    assert "Vote saved: Saturday." in page.text and "Change vote" in page.text
    assert f'value="{saturday}" checked' in page.text and "your choice" in page.text


def test_an_empty_vote_shows_the_error_beside_the_options(client, world, as_person, csrf, make_poll):
    poll = make_poll()
    as_person(world.people["member"])
    response = client.post(f"/polls/{poll['id']}/vote", data={}, headers=csrf(client))
    assert response.status_code == 422 and 'id="f-option_ids-error"' in response.text


def test_voting_on_a_closed_poll_page_says_so(client, world, as_person, csrf, make_poll):
    poll = make_poll()
    as_person(world.owner)
    client.post(f"/polls/{poll['id']}/close", headers=csrf(client))
    as_person(world.people["member"])
    response = client.post(f"/polls/{poll['id']}/vote", data={"option_ids": poll["options"][0]["id"]},
                           headers=csrf(client), follow_redirects=False)
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "This poll is closed" in page.text and 'name="option_ids"' not in page.text


def test_admin_creates_a_poll_with_the_form_adding_options_without_javascript(client, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.people["admin"])
    form = client.get(f"/groups/{group}/polls/new")
    assert form.text.count('name="options"') == 4
    more = client.post(f"/groups/{group}/polls/new", data={"question": "Day?", "options": ["Fri", "Sat", "", ""],
                                                          "add_option": "1"}, headers=csrf(client))
    assert more.status_code == 200 and more.text.count('name="options"') == 6 and 'value="Sat"' in more.text
    bad = client.post(f"/groups/{group}/polls/new", data={"question": "Day?", "options": ["Fri", "fri", ""]},
                      headers=csrf(client))
    assert bad.status_code == 422 and 'id="f-options-error"' in bad.text and "twice" in bad.text
    response = client.post(f"/groups/{group}/polls/new", data={
        "question": "Which day?", "options": ["Fri", "Sat", "", ""], "multiple": "1",
        "results_visibility": "after_vote",
    }, headers=csrf(client), follow_redirects=False)
    assert response.status_code == 303
    created = client.get(f"/api/groups/{group}/polls").json()["items"][0]
    assert [o["label"] for o in created["options"]] == ["Fri", "Sat"] and created["multiple"]
    assert response.headers["location"] == f"/polls/{created['id']}"


def test_dashboard_shows_open_polls_with_a_vote_button(client, world, as_person, csrf, make_poll):
    as_person(world.people["member"])
    assert 'id="polls"' not in client.get(f"/groups/{world.group['id']}").text
    poll = make_poll(question="Which day for the party?")
    as_person(world.people["member"])
    page = client.get(f"/groups/{world.group['id']}")
    assert 'id="polls"' in page.text and "Which day for the party?" in page.text
    assert f'href="/polls/{poll["id"]}"' in page.text and ">Vote<" in page.text
