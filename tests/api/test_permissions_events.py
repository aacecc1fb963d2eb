"""SPEC §6.7 for events, RSVPs, announcements and acknowledgements: role × action, through the API.

Same statuses and harness as tests/api/test_permissions.py: 2xx allowed, 403 visible but not
allowed, 404 another group's member, 401 without a session. Targets are made by the group's
admin (so "edit" tests someone else's object), fresh for every call.
"""

from datetime import timedelta

import pytest

from groupbox.domain.groups import service as groups
from groupbox.domain.groups.schemas import GroupSettings
from groupbox.domain.objects import announcements, events
from groupbox.domain.objects.schemas import AnnouncementCreate, EventInput
from groupbox.util import now
from tests.api.test_permissions import (  # noqa: F401 - `shared_instance` is the module's fixture
    EVERYONE,
    MODERATORS,
    NOT_GUESTS,
    Row,
    check_row,
    shared_instance,
)

ACTIONS = [
    Row("list events", "GET", "/api/groups/{group}/events", None, EVERYONE),
    Row("view an event", "GET", "/api/events/{event}", None, EVERYONE),
    Row("create an event", "POST", "/api/groups/{group}/events", {"title": "Training", "starts_at": "2099-01-10T17:00"},
        MODERATORS),
    Row("move someone's event", "PATCH", "/api/events/{event}", {"location": "Hall"}, MODERATORS),
    Row("cancel someone's event", "PATCH", "/api/events/{event}", {"cancelled": True, "reason": "Frost"}, MODERATORS),
    Row("delete someone's event", "DELETE", "/api/events/{event}", None, MODERATORS),
    Row("RSVP", "POST", "/api/events/{event}/rsvp", {"status": "yes"}, NOT_GUESTS),
    Row("list announcements", "GET", "/api/groups/{group}/announcements", None, EVERYONE),
    Row("view an announcement", "GET", "/api/announcements/{announcement}", None, EVERYONE),
    Row("post an announcement", "POST", "/api/groups/{group}/announcements", {"title": "News", "official": True},
        MODERATORS),
    Row("edit someone's announcement", "PATCH", "/api/announcements/{announcement}", {"title": "Edited"},
        MODERATORS),
    Row("delete someone's announcement", "DELETE", "/api/announcements/{announcement}", None, MODERATORS),
    Row("acknowledge an announcement", "POST", "/api/announcements/{announcement}/ack", None, NOT_GUESTS),
]


async def _targets(instance, role, wanted) -> dict[str, str]:
    world = instance.world
    admin = await world.people["admin"].actor()
    names = {"group": world.group["id"]}
    if "event" in wanted:
        event = await events.event_create(admin, world.group["id"], EventInput(
            title="Match", starts_at=now() + timedelta(days=3)))
        names["event"] = event["id"]
    if "announcement" in wanted:
        announcement = await announcements.announcement_create(admin, world.group["id"], AnnouncementCreate(
            title="Bring ID cards", ack_required=True))
        names["announcement"] = announcement["id"]
    return names


@pytest.mark.parametrize("row", ACTIONS, ids=lambda r: r.action)
def test_permission_matrix_for_events_and_announcements(row, instance):
    check_row(instance, row, _targets)


def _members_may_post(instance, allowed: bool) -> None:
    owner = instance.call(instance.world.owner.actor)
    instance.call(groups.group_update, owner, instance.world.group["id"], GroupSettings(members_post_official=allowed))


@pytest.mark.parametrize("allowed", [False, True], ids=["setting off", "setting on"])
def test_members_create_events_and_announcements_only_when_the_group_allows(allowed, instance):
    instance = instance.fresh()
    _members_may_post(instance, allowed)
    group = instance.world.group["id"]
    for role in ("member", "guest"):
        client = instance.as_person(instance.world.people[role])
        event = client.post(f"/api/groups/{group}/events", json={"title": "Picnic", "starts_at": "2099-06-01T12:00"},
                            headers=instance.csrf())
        news = client.post(f"/api/groups/{group}/announcements", json={"title": "Lost: blue bottle"},
                           headers=instance.csrf())
        expected = 201 if (allowed and role == "member") else 403
        assert (event.status_code, news.status_code) == (expected, expected), role


def test_a_member_edits_their_own_event_only_while_the_group_lets_members_post(instance):
    instance = instance.fresh()
    _members_may_post(instance, True)
    client = instance.as_person(instance.world.people["member"])
    event = client.post(f"/api/groups/{instance.world.group['id']}/events", json={"title": "Picnic",
                        "starts_at": "2099-06-01T12:00"}, headers=instance.csrf()).json()
    assert client.patch(f"/api/events/{event['id']}", json={"location": "Park"},
                        headers=instance.csrf()).status_code == 200
    _members_may_post(instance, False)
    assert client.patch(f"/api/events/{event['id']}", json={"location": "Lake"},
                        headers=instance.csrf()).status_code == 403


def test_another_groups_event_is_not_found_on_pages_either(instance):
    targets = instance.call(_targets, instance, "outsider", {"event", "announcement"})
    group = instance.world.group["id"]
    client = instance.as_person(instance.world.outsider)
    for path in (f"/events/{targets['event']}", f"/events/{targets['event']}/edit",
                 f"/announcements/{targets['announcement']}", f"/groups/{group}/events",
                 f"/groups/{group}/announcements"):
        assert client.get(path).status_code == 404, path
    instance.as_person(None)
    assert client.get(f"/events/{targets['event']}").status_code == 401
