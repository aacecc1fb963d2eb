"""Cached dashboards: served again until something they show changes, never another person's."""

import re
from datetime import timedelta

from groupbox.domain.objects import events
from groupbox.util import now


def _csrf_in_page(html):
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


def test_home_is_cached_until_an_answer_changes_it(client, app, call, world, as_person, csrf):
    owner = call(world.owner.actor)
    event = call(events.event_create, owner, world.group["id"], title="Match", starts_at=now() + timedelta(days=2),
                 rsvp_required=True)
    as_person(world.people["member"])
    cache = app.state.page_cache
    first = client.get("/").text
    misses = cache.misses
    second = client.get("/").text
    assert cache.misses == misses and cache.hits >= 1
    assert first == second and "Match" in second
    assert _csrf_in_page(second) == client.cookies.get("csrftoken")

    assert client.post(f"/api/events/{event['id']}/rsvp", json={"status": "yes"}, headers=csrf(client)).status_code == 200
    third = client.get("/").text
    assert cache.misses == misses + 1
    assert third.count("Match") < second.count("Match") or "Going" in third


def test_each_person_and_browser_gets_their_own_page(client, app, call, world, as_person):
    owner = call(world.owner.actor)
    call(events.event_create, owner, world.group["id"], title="Match", starts_at=now() + timedelta(days=2),
         rsvp_required=True)  # a form on everyone's home page
    as_person(world.people["member"])
    samir = client.get("/").text
    as_person(world.people["moderator"])
    lisa = client.get("/").text
    assert "Hi Samir<" in samir and "Hi Lisa<" in lisa  # the first name, as the design greets
    token = client.cookies.get("csrftoken")
    client.cookies.delete("csrftoken")
    fresh = client.get("/")
    assert _csrf_in_page(fresh.text) != token
    assert _csrf_in_page(fresh.text) == fresh.cookies.get("csrftoken")


def test_group_dashboard_notices_new_members_and_settings(client, call, world, as_person, csrf):
    from tests.factories import join

    as_person(world.people["member"])
    before = client.get(f"/groups/{world.group['id']}").text
    call(join, None, world.group["id"], "Newcomer", admin=world.owner)
    after = client.get(f"/groups/{world.group['id']}").text
    assert before != after
    count = lambda html: re.search(r"(\d+) members", html).group(1)  # noqa: E731
    assert int(count(after)) == int(count(before)) + 1


def test_the_flash_and_the_bell_are_per_request(client, call, world, as_person, csrf):
    from groupbox.domain.notify import service as notify

    as_person(world.people["member"])
    client.get("/")
    call(notify.notify, [world.member_id("member")], "mention", group_id=world.group["id"], title="Hello")
    page = client.get("/").text
    assert "1 unread" in page
    response = client.post("/me/notifications/read", headers=csrf(client), follow_redirects=False)
    assert response.status_code == 303
    flashed = client.get("/")
    assert "All marked as read." in flashed.text and "1 unread" not in flashed.text
    assert "All marked as read." not in client.get("/").text
