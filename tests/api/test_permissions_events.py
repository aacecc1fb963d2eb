"""SPEC §6.7 for events, RSVPs, announcements and acknowledgements: role × action, through the API.

Same statuses as tests/api/test_permissions.py: 2xx allowed, 403 visible but not allowed, 404
another group's member, 401 without a session. Targets are made by the group's admin (so
"edit" tests someone else's object), fresh for every role.
"""

from datetime import timedelta

import pytest

from groupbox.util import now
from tests.api.test_permissions import ROLES, Row, _person

EVERYONE = {"owner", "admin", "moderator", "member", "guest"}
CREATORS = {"owner", "admin", "moderator"}
ACTORS = {"owner", "admin", "moderator", "member"}

ACTIONS = [
    Row("list events", "GET", "/api/groups/{group}/events", None, EVERYONE),
    Row("view an event", "GET", "/api/events/{event}", None, EVERYONE),
    Row("create an event", "POST", "/api/groups/{group}/events", {"title": "Training", "starts_at": "2099-01-10T17:00"},
        CREATORS),
    Row("move someone's event", "PATCH", "/api/events/{event}", {"location": "Hall"}, CREATORS),
    Row("cancel someone's event", "PATCH", "/api/events/{event}", {"cancelled": True, "reason": "Frost"}, CREATORS),
    Row("delete someone's event", "DELETE", "/api/events/{event}", None, CREATORS),
    Row("RSVP", "POST", "/api/events/{event}/rsvp", {"status": "yes"}, ACTORS),
    Row("list announcements", "GET", "/api/groups/{group}/announcements", None, EVERYONE),
    Row("view an announcement", "GET", "/api/announcements/{announcement}", None, EVERYONE),
    Row("post an announcement", "POST", "/api/groups/{group}/announcements", {"title": "News", "official": True},
        CREATORS),
    Row("edit someone's announcement", "PATCH", "/api/announcements/{announcement}", {"title": "Edited"}, CREATORS),
    Row("delete someone's announcement", "DELETE", "/api/announcements/{announcement}", None, CREATORS),
    Row("acknowledge an announcement", "POST", "/api/announcements/{announcement}/ack", None, ACTORS),
]


async def _targets(world) -> dict[str, str]:
    from groupbox.domain.objects import announcements, events

    admin = await world.people["admin"].actor()
    event = await events.event_create(admin, world.group["id"], title="Match", starts_at=now() + timedelta(days=3))
    announcement = await announcements.announcement_create(admin, world.group["id"], title="Bring ID cards",
                                                           ack_required=True)
    return {"event": event["id"], "announcement": announcement["id"]}


def _expected(row: Row, role: str) -> set[int]:
    if role == "anonymous":
        return {401}
    if role == "outsider":
        return {404}
    return {200, 201, 204} if role in row.allowed else {403}


@pytest.mark.parametrize("row", ACTIONS, ids=lambda r: r.action)
def test_permission_matrix_for_events_and_announcements(row, client, call, world, as_person, csrf):
    for role in ROLES:
        targets = call(_targets, world)
        path = row.path.format(group=world.group["id"], **targets)
        as_person(_person(world, role))
        response = client.request(row.method, path, json=row.body, headers=csrf(client))
        assert response.status_code in _expected(row, role), f"{row.action} as {role}: {response.text}"
        if response.status_code >= 400:
            assert set(response.json()) >= {"detail", "status_code"}


async def _set_members_post(world, allowed: bool) -> None:
    from groupbox.domain.groups import service as groups

    await groups.group_update(await world.owner.actor(), world.group["id"], members_post_official=allowed)


@pytest.mark.parametrize("allowed", [False, True], ids=["setting off", "setting on"])
def test_members_create_events_and_announcements_only_when_the_group_allows(allowed, client, call, world, as_person,
                                                                           csrf):
    call(_set_members_post, world, allowed)
    group = world.group["id"]
    for role in ("member", "guest"):
        as_person(world.people[role])
        event = client.post(f"/api/groups/{group}/events", json={"title": "Picnic", "starts_at": "2099-06-01T12:00"},
                            headers=csrf(client))
        news = client.post(f"/api/groups/{group}/announcements", json={"title": "Lost: blue bottle"},
                           headers=csrf(client))
        expected = 201 if (allowed and role == "member") else 403
        assert (event.status_code, news.status_code) == (expected, expected), role


def test_a_member_edits_their_own_event_only_while_the_group_lets_members_post(client, call, world, as_person, csrf):
    call(_set_members_post, world, True)
    as_person(world.people["member"])
    event = client.post(f"/api/groups/{world.group['id']}/events", json={"title": "Picnic",
                        "starts_at": "2099-06-01T12:00"}, headers=csrf(client)).json()
    assert client.patch(f"/api/events/{event['id']}", json={"location": "Park"},
                        headers=csrf(client)).status_code == 200
    call(_set_members_post, world, False)
    assert client.patch(f"/api/events/{event['id']}", json={"location": "Lake"},
                        headers=csrf(client)).status_code == 403


def test_another_groups_event_is_not_found_on_pages_either(client, call, world, as_person):
    targets = call(_targets, world)
    as_person(world.outsider)
    for path in (f"/events/{targets['event']}", f"/events/{targets['event']}/edit",
                 f"/announcements/{targets['announcement']}", f"/groups/{world.group['id']}/events",
                 f"/groups/{world.group['id']}/announcements"):
        assert client.get(path).status_code == 404, path
    as_person(None)
    assert client.get(f"/events/{targets['event']}").status_code == 401
