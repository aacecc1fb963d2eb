"""Cached dashboards: served again until something they show changes, never another person's."""

import re
from datetime import timedelta

from groupbox.domain.objects import events
from groupbox.domain.objects.schemas import EventInput
from groupbox.util import now


def _csrf_in_page(html):
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


def test_home_is_cached_until_an_answer_changes_it(client, app, call, world, as_person, csrf):
    owner = call(world.owner.actor)
    event = call(events.event_create, owner, world.group["id"], EventInput(
        title="Match", starts_at=now() + timedelta(days=2), rsvp_required=True))
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
    call(events.event_create, owner, world.group["id"], EventInput(
        title="Match", starts_at=now() + timedelta(days=2), rsvp_required=True))  # a form on everyone's home page
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


# The personal parts of the cache key: what I saw or read changes my page without any change to the
# group (no `grp.seq` moves). Each test fails if its part of the key in `pagecache.state_key` goes.


def test_opening_a_moved_event_clears_its_changed_mark(client, call, world, as_person):
    from groupbox.domain.actions import home as home_service

    owner = call(world.owner.actor)
    samir = world.people["member"]
    event = call(events.event_create, owner, world.group["id"], EventInput(
        title="Summer party", starts_at=now() + timedelta(days=3)))
    call(events.event_view, call(samir.actor), event["id"])  # Samir saw it at its first time
    as_person(samir)
    client.get("/")
    call(events.event_update, owner, event["id"], EventInput(starts_at=now() + timedelta(days=4)))
    # Two visits later the move is older than "since your last visit": only "seen" still says it.
    later = now() + timedelta(minutes=31)
    call(home_service.visit_window, call(samir.actor), later)
    call(home_service.visit_window, call(samir.actor), later + timedelta(minutes=31))
    group_url = f"/groups/{world.group['id']}"
    home, dashboard = client.get("/").text, client.get(group_url).text
    assert "Summer party" in home and 'class="text-changed"' in home
    assert 'class="text-changed"' in dashboard or "changed" in dashboard.lower()
    dashboard_marks = dashboard.count("text-changed")

    call(events.event_view, call(samir.actor), event["id"])  # he opens it: the new time is seen
    home = client.get("/").text
    assert "Summer party" in home and 'class="text-changed"' not in home
    assert client.get(group_url).text.count("text-changed") < dashboard_marks


def test_reading_the_thread_clears_a_mention(client, call, world, as_person):
    from groupbox.domain.objects import threads

    owner = call(world.owner.actor)
    samir = world.people["member"]
    thread = call(threads.thread_create, owner, world.group["id"], "Carpool Saturday",
                  "@Samir can you drive two kids")
    as_person(samir)
    home = client.get("/").text
    assert "Carpool Saturday" in home
    call(threads.thread_mark_read, call(samir.actor), thread["id"])
    assert "Carpool Saturday" not in client.get("/").text


def test_reading_an_announcement_clears_its_new_badge(client, call, world, as_person):
    from groupbox.domain.objects import announcements
    from groupbox.domain.objects.schemas import AnnouncementCreate

    owner = call(world.owner.actor)
    samir = world.people["member"]
    news = call(announcements.announcement_create, owner, world.group["id"], AnnouncementCreate(
        title="New pitch from March", body="We move to the big pitch.", official=True))
    as_person(samir)
    url = f"/groups/{world.group['id']}"
    before = client.get(url).text
    assert "New pitch from March" in before and ">New<" in before
    call(announcements.announcement_view, call(samir.actor), news["id"])
    after = client.get(url).text
    assert "New pitch from March" in after and ">New<" not in after


def test_a_background_refresh_of_home_is_no_visit(client, call, world, as_person):
    """live.js refetches home (`X-Live: 1`) to swap "Needs you": that must not move the start of
    "since your last visit", or a tab left open would swallow what changed meanwhile."""
    from groupbox.domain.identity.store import profiles

    samir = world.people["member"]
    profile_id = call(samir.actor).profile_id
    hours_ago = now() - timedelta(hours=3)
    call(profiles.profile_visits_set, profile_id, None, hours_ago)
    as_person(samir)
    assert client.get("/", headers={"X-Live": "1"}).status_code == 200
    assert call(profiles.profile_visits, profile_id)["last_visit_at"] is not None
    assert abs(call(profiles.profile_visits, profile_id)["last_visit_at"] - hours_ago) < timedelta(seconds=1)
    client.get("/")
    assert call(profiles.profile_visits, profile_id)["prev_visit_at"] is not None, "a real visit moves the window"
