"""The cross-group calendar, its JSON twin, and the private ICS feed (SPEC §10)."""

from datetime import timedelta

from icalendar import Calendar

from groupbox.domain.objects import events
from groupbox.util import now
from tests.factories import join


def _feed_path(client):
    page = client.get("/calendar")
    assert page.status_code == 200
    start = page.text.index("/ics/")
    return page.text[start:page.text.index('"', start)]


def _events(body: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(body)
    return {str(c.get("summary")): c for c in calendar.walk("VEVENT")}


def test_feed_has_my_events_from_every_group_and_follows_moves_and_cancels(client, call, world, as_person, csrf):
    owner = call(world.owner.actor)
    samir = world.people["member"]
    call(join, samir, world.other_group["id"], "Samir", admin=world.owner)
    base = now().replace(second=0, microsecond=0)
    match = call(events.event_create, owner, world.group["id"], title="Match", starts_at=base + timedelta(days=3),
                 location="Park")
    call(events.event_create, owner, world.other_group["id"], title="Tenant meeting",
         starts_at=now() + timedelta(days=5))
    friendly = call(events.event_create, owner, world.group["id"], title="Friendly", starts_at=now() + timedelta(days=4))

    as_person(samir)
    path = _feed_path(client)
    feed = client.get(path)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    found = _events(feed.content)
    assert {"Match", "Tenant meeting", "Friendly"} <= set(found)
    first_start = found["Match"].decoded("dtstart")
    first_sequence = int(found["Match"].get("sequence"))

    call(events.event_update, owner, match["id"], starts_at=(base + timedelta(days=3, hours=1)).isoformat(),
         location="Sporthalle")
    call(events.event_cancel, owner, friendly["id"], "Pitch closed")
    found = _events(client.get(path).content)
    assert found["Match"].decoded("dtstart") == first_start + timedelta(hours=1)
    assert int(found["Match"].get("sequence")) > first_sequence
    assert str(found["Match"].get("location")) == "Sporthalle"
    cancelled = next(v for k, v in found.items() if k.startswith("Friendly"))
    assert str(cancelled.get("status")) == "CANCELLED"

    # The same URL is shown again later (on /calendar and /me) …
    assert _feed_path(client) == path
    assert path in client.get("/me").text
    # … until it is reset: then the old one is 404.
    assert client.post("/calendar/feed/reset", headers=csrf(client), follow_redirects=False).status_code == 303
    assert client.get(path).status_code == 404
    assert _feed_path(client) != path
    assert client.get("/ics/not-a-token.ics").status_code == 404


def test_calendar_list_and_json_twin(client, call, world, as_person):
    owner = call(world.owner.actor)
    call(events.event_create, owner, world.group["id"], title="Training", starts_at=now() + timedelta(days=1),
         location="Görlitzer Park", rsvp_required=True)
    as_person(world.people["member"])
    page = client.get("/calendar")
    assert "Training" in page.text and "Görlitzer Park" in page.text and "No answer" in page.text
    items = client.get("/api/home/calendar").json()["items"]
    entry = next(i for i in items if i["title"] == "Training")
    assert set(entry) >= {"id", "title", "starts_at", "ends_at", "location", "group", "my_rsvp", "changed",
                          "cancelled", "url"}
    assert entry["group"] == {"id": world.group["id"], "name": world.group["name"]}
    assert entry["url"] == f"/events/{entry['id']}"
    later = client.get("/api/home/calendar", params={"from": (now() + timedelta(days=30)).isoformat()}).json()
    assert later["items"] == []
    assert client.get("/api/home/calendar", params={"from": "soon"}).status_code == 422
