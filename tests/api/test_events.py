"""Events and RSVPs through the API and the HTML forms: what admins and parents do."""

import html
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from groupbox.db.engine import DB

BERLIN = ZoneInfo("Europe/Berlin")


def local(days: int, hour: int = 10, minute: int = 0) -> str:
    """A naive datetime-local value `days` from today in the group's zone (Europe/Berlin)."""
    day = datetime.now(BERLIN).date() + timedelta(days=days)
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}"


def create_event(client, csrf, group_id, **body):
    payload = {"title": "Match vs. SV Tasmania", "starts_at": local(3, 10), "location": "Park", **body}
    response = client.post(f"/api/groups/{group_id}/events", json=payload, headers=csrf(client))
    assert response.status_code == 201, response.text
    return response.json()


def count(call, table, where="TRUE", *params):
    async def go():
        return (await DB.fetchone(f"SELECT COUNT(*) AS n FROM {table} WHERE {where}", *params))["n"]

    return call(go)


def notifications(call, event_id, category):
    async def go():
        return await DB.fetch("SELECT member_id FROM notification WHERE object_id = ? AND category = ?",
                              event_id, category)

    return [r["member_id"] for r in call(go)]


# -- creating and reading -------------------------------------------------------------------------
def test_coach_creates_an_event_in_the_groups_timezone_and_parents_see_it_upcoming(client, call, world, as_person,
                                                                                    csrf):
    group = world.group["id"]
    as_person(world.people["admin"])
    event = create_event(client, csrf, group, ends_at=local(3, 12), rsvp_required=True,
                         rsvp_deadline=local(2, 18), description="Bring **ID cards**.")
    assert event["url"] == f"/events/{event['id']}" and event["group_id"] == group
    starts = datetime.fromisoformat(event["starts_at"])
    assert starts.astimezone(BERLIN).strftime("%H:%M") == "10:00", "naive input is the group's zone"
    assert event["version"] == 1 and event["cancelled"] is False
    assert event["counts"] == {"yes": 0, "no": 0, "maybe": 0, "guests": 0, "answered": 0, "no_answer": 4}
    assert notifications(call, event["id"], "event_new") and world.member_id("admin") not in notifications(
        call, event["id"], "event_new")

    as_person(world.people["guest"])
    items = client.get(f"/api/groups/{group}/events").json()["items"]
    assert [e["id"] for e in items] == [event["id"]]
    assert "answers" not in items[0], "only admins see who answered what"
    got = client.get(f"/api/events/{event['id']}").json()
    assert got["title"] == "Match vs. SV Tasmania" and got["location"] == "Park"


def test_times_with_an_offset_are_taken_as_given(client, world, as_person, csrf):
    as_person(world.people["admin"])
    day = (datetime.now(BERLIN).date() + timedelta(days=5)).isoformat()
    event = create_event(client, csrf, world.group["id"], starts_at=f"{day}T10:00:00+00:00")
    assert event["starts_at"] == f"{day}T10:00:00Z"


def test_upcoming_by_start_time_and_past_ones_with_past_1(client, call, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.people["admin"])
    later = create_event(client, csrf, group, title="Later", starts_at=local(9))
    sooner = create_event(client, csrf, group, title="Sooner", starts_at=local(2))
    past = create_event(client, csrf, group, title="Last week", starts_at=local(-7))
    upcoming = [e["title"] for e in client.get(f"/api/groups/{group}/events").json()["items"]]
    assert upcoming == ["Sooner", "Later"]
    assert [e["id"] for e in client.get(f"/api/groups/{group}/events?past=1").json()["items"]] == [past["id"]]
    assert later["id"] != sooner["id"]


def test_coach_edits_the_title_without_it_counting_as_a_change(client, world, as_person, csrf):
    as_person(world.people["admin"])
    event = create_event(client, csrf, world.group["id"])
    response = client.patch(f"/api/events/{event['id']}", json={"title": "Final vs. SV Tasmania"}, headers=csrf(client))
    assert response.status_code == 200
    assert response.json()["title"] == "Final vs. SV Tasmania" and response.json()["version"] == 1
    assert response.json()["seq"] > event["seq"]


def test_coach_moves_the_event_and_everyone_but_the_coach_is_told(client, call, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.people["admin"])
    event = create_event(client, csrf, group)
    as_person(world.people["member"])
    client.get(f"/events/{event['id']}")  # Samir saw version 1
    as_person(world.people["admin"])
    response = client.patch(f"/api/events/{event['id']}", json={"starts_at": local(3, 11), "location": "Hall"},
                            headers=csrf(client))
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    told = notifications(call, event["id"], "event_change")
    assert world.member_id("member") in told and world.member_id("admin") not in told
    assert count(call, "event_change", "event_id = ?", event["id"]) == 1

    as_person(world.people["member"])
    seen = client.get(f"/api/events/{event['id']}").json()
    assert seen["changed"] is True and seen["change"]["old_location"] == "Park"
    assert seen["change"]["new_location"] == "Hall"
    page = client.get(f"/groups/{group}/events").text
    assert "<del>" in page and "Park" in page, "the upcoming list shows the change"
    page = client.get(f"/events/{event['id']}").text
    assert "<del>" in page and "Hall" in page
    assert client.get(f"/api/events/{event['id']}").json()["changed"] is False, "seen now"


def test_a_background_refresh_of_an_open_event_page_is_not_a_look_at_the_change(client, world, as_person, csrf):
    """live.js refetches the open page (`X-Live: 1`) when a notification arrives, to update the
    bell: the move made meanwhile must stay "changed" until the parent opens the event again."""
    as_person(world.people["admin"])
    event = create_event(client, csrf, world.group["id"])
    as_person(world.people["member"])
    client.get(f"/events/{event['id']}")
    as_person(world.people["admin"])
    assert client.patch(f"/api/events/{event['id']}", json={"location": "Hall"}, headers=csrf(client)).status_code == 200
    as_person(world.people["member"])
    refreshed = client.get(f"/events/{event['id']}", headers={"X-Live": "1"})
    assert refreshed.status_code == 200 and "<del>" in refreshed.text
    assert client.get(f"/api/events/{event['id']}").json()["changed"] is True, "still news"
    client.get(f"/events/{event['id']}")
    assert client.get(f"/api/events/{event['id']}").json()["changed"] is False, "opened: seen now"


def test_coach_cancels_and_the_event_stays_visible_struck_with_the_reason(client, call, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.people["admin"])
    event = create_event(client, csrf, group)
    response = client.patch(f"/api/events/{event['id']}", json={"cancelled": True, "reason": "Pitch closed for frost"},
                            headers=csrf(client))
    assert response.status_code == 200
    body = response.json()
    assert body["cancelled"] is True and body["cancel_reason"] == "Pitch closed for frost" and body["version"] == 2
    assert world.member_id("member") in notifications(call, event["id"], "event_change")

    as_person(world.people["member"])
    assert [e["id"] for e in client.get(f"/api/groups/{group}/events").json()["items"]] == [event["id"]]
    page = client.get(f"/events/{event['id']}").text
    assert "card--cancelled" in page and "Pitch closed for frost" in page
    assert "is-cancelled" in client.get(f"/groups/{group}/events").text


def test_coach_cancels_through_the_form(client, world, as_person, csrf):
    as_person(world.people["admin"])
    event = create_event(client, csrf, world.group["id"])
    response = client.post(f"/events/{event['id']}/cancel", data={"reason": "Rain"}, headers=csrf(client),
                           follow_redirects=False)
    assert response.status_code == 303
    assert client.get(f"/api/events/{event['id']}").json()["cancel_reason"] == "Rain"


def test_coach_deletes_an_event_and_a_tombstone_stays(client, call, world, as_person, csrf):
    as_person(world.people["admin"])
    event = create_event(client, csrf, world.group["id"])
    assert client.delete(f"/api/events/{event['id']}", headers=csrf(client)).status_code == 204
    assert client.get(f"/api/events/{event['id']}").status_code == 404
    assert count(call, "tombstone", "object_id = ? AND object_type = 'event'", event["id"]) == 1


# -- RSVP -----------------------------------------------------------------------------------------
def test_parent_rsvps_yes_with_guests_and_sees_the_counts(client, call, world, as_person, csrf):
    as_person(world.people["admin"])
    event = create_event(client, csrf, world.group["id"], rsvp_required=True)
    as_person(world.people["member"])
    response = client.post(f"/api/events/{event['id']}/rsvp", json={"status": "yes", "note": "with Mia",
                                                                    "guests": 2}, headers=csrf(client))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "yes" and body["rsvp"]["guests"] == 2 and body["note"] == "with Mia"
    assert body["counts"] == {"yes": 1, "no": 0, "maybe": 0, "guests": 2, "answered": 1, "no_answer": 3}

    response = client.post(f"/api/events/{event['id']}/rsvp", json={"status": "maybe"}, headers=csrf(client))
    assert response.json()["counts"]["maybe"] == 1 and response.json()["counts"]["yes"] == 0
    assert count(call, "rsvp", "event_id = ?", event["id"]) == 1

    as_person(world.people["admin"])
    got = client.get(f"/api/events/{event['id']}").json()
    assert [a["display_name"] for a in got["answers"]] == ["Samir Khan"]
    assert "Samir Khan" not in [m["display_name"] for m in got["no_answer_members"]]
    assert "Priya N." not in [m["display_name"] for m in got["no_answer_members"]], "guests cannot answer"


def test_parent_answers_with_one_tap_from_another_page_and_goes_back_there(client, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.people["admin"])
    event = create_event(client, csrf, group, starts_at=local(3, 10))
    as_person(world.people["member"])
    response = client.post(f"/events/{event['id']}/rsvp", data={"status": "yes", "next": f"/groups/{group}"},
                           headers=csrf(client), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/groups/{group}"
    page = html.unescape(client.get(f"/groups/{group}").text)
    assert "You're going — " in page and "10:00" in page
    response = client.post(f"/events/{event['id']}/rsvp", data={"status": "no", "next": "https://evil.example/"},
                           headers=csrf(client), follow_redirects=False)
    assert response.headers["location"] == f"/events/{event['id']}", "only local paths"


def test_rsvp_perhaps_is_refused_and_nothing_is_written(client, call, world, as_person, csrf):
    as_person(world.people["admin"])
    event = create_event(client, csrf, world.group["id"])
    as_person(world.people["member"])
    response = client.post(f"/api/events/{event['id']}/rsvp", json={"status": "perhaps"}, headers=csrf(client))
    assert response.status_code in (400, 422)
    assert response.json()["errors"]["status"]
    response = client.post(f"/api/events/{event['id']}/rsvp", json={"status": "yes", "guests": 21},
                           headers=csrf(client))
    assert response.status_code == 422 and "guests" in response.json()["errors"]
    page = client.post(f"/events/{event['id']}/rsvp", data={"status": "perhaps"}, headers=csrf(client))
    assert page.status_code == 422 and "Answer yes, no or maybe" in page.text
    assert count(call, "rsvp", "event_id = ?", event["id"]) == 0


def test_rsvp_after_the_deadline_is_a_conflict_with_a_readable_page(client, call, world, as_person, csrf):
    as_person(world.people["admin"])
    event = create_event(client, csrf, world.group["id"], starts_at=local(3), rsvp_deadline=local(3, 8))
    call(DB.execute, "UPDATE event SET rsvp_deadline = ? WHERE id = ?",
         datetime.now(BERLIN) - timedelta(hours=1), event["id"])
    as_person(world.people["member"])
    response = client.post(f"/api/events/{event['id']}/rsvp", json={"status": "yes"}, headers=csrf(client))
    assert response.status_code == 409
    assert "deadline passed" in response.json()["detail"] and "Coach Mark" in response.json()["detail"]
    page = client.post(f"/events/{event['id']}/rsvp", data={"status": "yes"}, headers=csrf(client))
    assert page.status_code == 409
    assert "The RSVP deadline passed on" in page.text and "Ask Coach Mark" in page.text
    assert "<html" in page.text
    assert count(call, "rsvp", "event_id = ?", event["id"]) == 0


def test_nobody_answers_a_cancelled_event(client, call, world, as_person, csrf):
    as_person(world.people["admin"])
    event = create_event(client, csrf, world.group["id"])
    client.patch(f"/api/events/{event['id']}", json={"cancelled": True}, headers=csrf(client))
    as_person(world.people["member"])
    response = client.post(f"/api/events/{event['id']}/rsvp", json={"status": "yes"}, headers=csrf(client))
    assert response.status_code == 409
    assert count(call, "rsvp", "event_id = ?", event["id"]) == 0


def test_someone_who_leaves_no_longer_counts(client, call, world, as_person, csrf):
    as_person(world.people["admin"])
    event = create_event(client, csrf, world.group["id"])
    as_person(world.people["member"])
    client.post(f"/api/events/{event['id']}/rsvp", json={"status": "yes"}, headers=csrf(client))
    assert client.post(f"/api/groups/{world.group['id']}/leave", headers=csrf(client)).status_code == 200
    as_person(world.people["admin"])
    assert client.get(f"/api/events/{event['id']}").json()["counts"]["yes"] == 0
    assert count(call, "rsvp", "member_id = ?", world.member_id("member")) == 0


# -- bad input ------------------------------------------------------------------------------------
def test_end_before_start_is_refused_beside_the_field_with_the_input_kept(client, call, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.people["admin"])
    before = count(call, "event")
    response = client.post(f"/api/groups/{group}/events", json={"title": "Training", "starts_at": local(3, 10),
                                                                 "ends_at": local(3, 9)}, headers=csrf(client))
    assert response.status_code == 422 and "ends_at" in response.json()["errors"]
    response = client.post(f"/api/groups/{group}/events", json={"title": "Training", "starts_at": local(3, 10),
                                                                 "rsvp_deadline": local(4)}, headers=csrf(client))
    assert response.status_code == 422 and "rsvp_deadline" in response.json()["errors"]
    response = client.post(f"/api/groups/{group}/events", json={"title": "", "starts_at": "soon"},
                           headers=csrf(client))
    assert response.status_code == 422 and set(response.json()["errors"]) == {"title", "starts_at"}
    page = client.post(f"/groups/{group}/events/new", headers=csrf(client),
                       data={"title": "Training at the park", "starts_at": local(3, 10), "ends_at": local(3, 9)})
    assert page.status_code == 422
    assert 'id="f-ends_at-error"' in page.text and "The end is before the start." in page.text
    assert 'value="Training at the park"' in page.text and f'value="{local(3, 9)}"' in page.text
    assert count(call, "event") == before
    assert count(call, "notification", "category = 'event_new'") == 0


def test_an_unknown_file_is_refused_and_nothing_is_half_written(client, call, world, as_person, csrf):
    as_person(world.people["admin"])
    before = (count(call, "event"), count(call, "attachment"), count(call, "notification"))
    response = client.post(f"/api/groups/{world.group['id']}/events", headers=csrf(client),
                           json={"title": "Match", "starts_at": local(3), "file_ids": ["nope"]})
    assert response.status_code == 422 and "file_ids" in response.json()["errors"]
    assert (count(call, "event"), count(call, "attachment"), count(call, "notification")) == before


def test_a_file_of_the_group_is_attached(client, call, world, as_person, csrf):
    file_id = call(_file_in, world.group["id"])
    as_person(world.people["admin"])
    event = create_event(client, csrf, world.group["id"], file_ids=[file_id])
    assert [f["id"] for f in event["files"]] == [file_id]
    assert "schedule.pdf" in client.get(f"/events/{event['id']}").text


def test_script_in_a_description_is_shown_as_text(client, world, as_person, csrf):
    as_person(world.people["admin"])
    event = create_event(client, csrf, world.group["id"], description="<script>alert(1)</script> **bold**")
    page = client.get(f"/events/{event['id']}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<strong>bold</strong>" in page


async def _file_in(group_id: str) -> str:
    """A stored file row (the upload itself belongs to the files area)."""
    from groupbox.util import new_id, now

    file_id = new_id()
    await DB.execute(
        "INSERT INTO file (id, group_id, display_name, stored_name, content_type, size, created_at, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?)", file_id, group_id, "schedule.pdf", new_id(), "application/pdf", 1234, now(), now(),
    )
    return file_id


# -- pages ----------------------------------------------------------------------------------------
def test_coach_creates_an_event_with_the_form_and_sees_a_confirmation(client, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.people["admin"])
    assert client.get(f"/groups/{group}/events/new").status_code == 200
    response = client.post(f"/groups/{group}/events/new", headers=csrf(client), follow_redirects=False, data={
        "title": "Training", "starts_at": local(2, 17, 30), "location": "Sporthalle", "rsvp_required": "1",
    })
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "Event created" in page.text and "Sporthalle" in page.text and "17:30" in page.text


def test_coach_edits_the_time_with_the_form(client, world, as_person, csrf):
    as_person(world.people["admin"])
    event = create_event(client, csrf, world.group["id"], starts_at=local(3, 10))
    form = client.get(f"/events/{event['id']}/edit")
    assert f'value="{local(3, 10)}"' in form.text, "prefilled in the group's zone"
    response = client.post(f"/events/{event['id']}/edit", headers=csrf(client), follow_redirects=False, data={
        "title": event["title"], "starts_at": local(3, 11), "location": "Park", "description": "",
    })
    assert response.status_code == 303
    assert client.get(f"/api/events/{event['id']}").json()["version"] == 2


def test_a_member_cannot_open_the_new_event_form_unless_the_group_allows_it(client, world, as_person, csrf):
    as_person(world.people["member"])
    assert client.get(f"/groups/{world.group['id']}/events/new").status_code == 403
    assert "New event" not in client.get(f"/groups/{world.group['id']}/events").text


@pytest.mark.parametrize("path", ["/groups/{group}/events", "/groups/{group}/events?past=1", "/groups/{group}"])
def test_group_pages_with_events_render(client, world, as_person, csrf, path):
    as_person(world.people["admin"])
    create_event(client, csrf, world.group["id"], starts_at=local(-3))
    create_event(client, csrf, world.group["id"], title="Training", rsvp_required=True)
    response = client.get(path.format(group=world.group["id"]))
    assert response.status_code == 200


def test_an_edit_from_an_old_revision_is_refused_and_the_form_keeps_the_input(client, call, world, as_person, csrf):
    from datetime import UTC, datetime, timedelta

    as_person(world.people["admin"])
    start = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    event = client.post(f"/api/groups/{world.group['id']}/events", json={"title": "Training", "starts_at": start},
                        headers=csrf(client)).json()
    old = event["revision"]
    assert client.patch(f"/api/events/{event['id']}", json={"location": "Park", "base_revision": old},
                        headers=csrf(client)).status_code == 200
    stale = client.patch(f"/api/events/{event['id']}", json={"location": "Hall", "base_revision": old},
                         headers=csrf(client))
    assert stale.status_code == 409 and "Reload" in stale.json()["detail"]
    assert client.get(f"/api/events/{event['id']}").json()["location"] == "Park"
    # The form: a stale save shows what changed, keeps the typed input, and a second save wins.
    form = {"title": "Training", "starts_at": start[:16], "location": "Hall", "base_revision": str(old)}
    page = client.post(f"/events/{event['id']}/edit", data=form, headers=csrf(client))
    assert page.status_code == 409
    assert "Someone else changed this event" in page.text and 'value="Hall"' in page.text
    import re

    fresh = re.search(r'name="base_revision" value="(\d+)"', page.text).group(1)
    again = client.post(f"/events/{event['id']}/edit", data={**form, "base_revision": fresh}, headers=csrf(client),
                        follow_redirects=False)
    assert again.status_code == 303
    assert client.get(f"/api/events/{event['id']}").json()["location"] == "Hall"
