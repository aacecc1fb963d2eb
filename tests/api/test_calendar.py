"""The cross-group calendar, its JSON twin, and the private ICS feed (SPEC §10)."""

from datetime import datetime, time, timedelta

from icalendar import Calendar

from groupbox.domain.objects import events
from groupbox.domain.objects.schemas import EventInput
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
    match = call(events.event_create, owner, world.group["id"], EventInput(
        title="Match", starts_at=base + timedelta(days=3), location="Park"))
    call(events.event_create, owner, world.other_group["id"], EventInput(
        title="Tenant meeting", starts_at=now() + timedelta(days=5)))
    friendly = call(events.event_create, owner, world.group["id"], EventInput(
        title="Friendly", starts_at=now() + timedelta(days=4)))

    as_person(samir)
    path = _feed_path(client)
    feed = client.get(path)
    assert feed.status_code == 200 and feed.headers.get_list("content-type") == ["text/calendar; charset=utf-8"]
    found = _events(feed.content)
    assert {"Match", "Tenant meeting", "Friendly"} <= set(found)
    first_start = found["Match"].decoded("dtstart")
    first_sequence = int(found["Match"].get("sequence"))

    call(events.event_update, owner, match["id"], EventInput(
        starts_at=(base + timedelta(days=3, hours=1)).isoformat(), location="Sporthalle"))
    call(events.event_cancel, owner, friendly["id"], "Pitch closed")
    found = _events(client.get(path).content)
    assert found["Match"].decoded("dtstart") == first_start + timedelta(hours=1)
    assert int(found["Match"].get("sequence")) > first_sequence
    assert str(found["Match"].get("location")) == "Sporthalle"
    cancelled = found["Friendly (cancelled)"]
    assert str(cancelled.get("status")) == "CANCELLED"
    assert "Cancelled: Pitch closed" in str(cancelled.get("description"))
    assert "Cancelled" not in str(found["Match"].get("description"))

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
    call(events.event_create, owner, world.group["id"], EventInput(
        title="Training", starts_at=now() + timedelta(days=1), location="Görlitzer Park", rsvp_required=True))
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


def test_month_grid_shows_my_events_in_their_cells_and_refuses_a_bad_month(client, call, world, as_person):
    import re

    from groupbox.timefmt import zone

    owner = call(world.owner.actor)
    berlin = zone(world.group["timezone"])
    # The 15th of next month, 18:30 in the group's zone: mid-month, so always inside the grid.
    today = now().astimezone(berlin).date()
    first = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    start = datetime.combine(first.replace(day=15), time(18, 30), berlin)
    call(events.event_create, owner, world.group["id"], EventInput(title="Parents' evening", starts_at=start))
    cancelled = call(events.event_create, owner, world.group["id"], EventInput(
        title="Friendly", starts_at=start + timedelta(days=1)))
    call(events.event_cancel, owner, cancelled["id"], "Pitch closed")
    call(events.event_create, owner, world.other_group["id"], EventInput(title="Not my group", starts_at=start))

    as_person(world.people["member"])
    page = client.get("/calendar/month", params={"m": first.strftime("%Y-%m")})
    assert page.status_code == 200
    html = page.text
    assert first.strftime("%B") in html and 'aria-current="page">Month<' in html
    assert len(re.findall(r'<td class="month__day', html)) % 7 == 0
    assert "Parents&#39; evening" in html and "18:30" in html and "Not my group" not in html
    assert re.search(r'<li class="is-cancelled"><a href="/events/' + cancelled["id"], html)
    # A phone follows the dots down to the day in the list.
    day = first.replace(day=15).isoformat()
    assert f'href="#d-{day}"' in html and f'id="d-{day}"' in html
    # Previous and next month, and back to this one.
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    assert f'/calendar/month?m={following.strftime("%Y-%m")}' in html and f"/calendar/month?m={today.strftime('%Y-%m')}" in html
    assert 'href="/calendar/month"' in html  # "This month"
    assert 'aria-current="date"' in client.get("/calendar/month").text

    for bad in ("2026-13", "soon", "2026-1", "99999-01"):
        refused = client.get("/calendar/month", params={"m": bad})
        assert refused.status_code == 422 and "Pick a month" in refused.text and "Traceback" not in refused.text
    as_person(None)
    assert client.get("/calendar/month", follow_redirects=False).status_code in (302, 303, 401)


def test_feed_answers_head_and_says_its_charset_once(client, call, world, as_person):
    owner = call(world.owner.actor)
    call(events.event_create, owner, world.group["id"], EventInput(
        title="Grillfest – Grüße", starts_at=now() + timedelta(days=2)))
    as_person(world.people["member"])
    path = _feed_path(client)
    got = client.get(path)
    head = client.head(path)
    assert head.status_code == 200 and head.content == b""
    assert head.headers.get_list("content-type") == ["text/calendar; charset=utf-8"]
    assert head.headers["content-length"] == got.headers["content-length"] == str(len(got.content))
    assert client.head("/ics/not-a-token.ics").status_code == 404
    assert "Grillfest – Grüße" in _events(got.content)
    # Pages too: one charset, also on the cached dashboards.
    for page in ("/", "/", f"/groups/{world.group['id']}", f"/groups/{world.group['id']}", "/calendar", "/me"):
        response = client.get(page)
        assert response.headers.get_list("content-type") == ["text/html; charset=utf-8"], page


def test_cancelled_summary_and_reason_come_in_the_persons_language(client, call, world):
    from groupbox.domain.calendar import service as calendar
    owner = call(world.owner.actor)
    event = call(events.event_create, owner, world.group["id"], EventInput(
        title="Training", starts_at=now() + timedelta(days=2)))
    call(events.event_cancel, owner, event["id"], "Halle gesperrt")
    samir = call(world.people["member"].actor)
    german = _events(call(calendar.ics, samir, "http://127.0.0.1:8000", "Test", "de"))
    assert "Abgesagt: Halle gesperrt" in str(german["Training (abgesagt)"].get("description"))
    english = _events(call(calendar.ics, samir, "http://127.0.0.1:8000", "Test"))
    assert "Cancelled: Halle gesperrt" in str(english["Training (cancelled)"].get("description"))


def test_an_event_of_several_days_is_on_the_calendar_while_it_lasts(client, call, world, as_person):
    """The calendar's query reads events starting from a day before its window on, and the long
    ones (marked `long_span`) apart: a camp that began days ago is still on, a short event that
    ended before the window is not, and an edit that makes an event longer (or shorter) counts."""
    owner = call(world.owner.actor)
    reference = now()
    gid = world.group["id"]
    camp = call(events.event_create, owner, gid, EventInput(
        title="Summer camp", starts_at=reference - timedelta(days=3), ends_at=reference + timedelta(days=2)))
    call(events.event_create, owner, gid, EventInput(
        title="Over yesterday", starts_at=reference - timedelta(hours=30), ends_at=reference - timedelta(hours=28)))
    night = call(events.event_create, owner, gid, EventInput(
        title="Night hike", starts_at=reference - timedelta(hours=20), ends_at=reference + timedelta(hours=2)))
    trip = call(events.event_create, owner, gid, EventInput(
        title="Trip", starts_at=reference - timedelta(days=5), ends_at=reference - timedelta(days=5, hours=-2)))
    lengths = {"Summer camp", "Over yesterday", "Night hike", "Trip"}

    def titles() -> set[str]:
        member = call(world.people["member"].actor)
        rows = call(events.events_between, member, start=reference, end=reference + timedelta(days=21))
        # The group's own list of what is coming (and going on) reads the same way; past is the rest.
        coming = call(events.events_list, member, gid)
        past = call(events.events_list, member, gid, past=True)
        assert {r["title"] for r in coming} == {r["title"] for r in rows}
        assert {r["title"] for r in past} == set(lengths) - {r["title"] for r in rows}
        return {r["title"] for r in rows}

    assert titles() == {"Summer camp", "Night hike"}
    # The trip is made longer: it is still going on now.
    call(events.event_update, owner, trip["id"], EventInput(ends_at=reference + timedelta(days=1)))
    assert titles() == {"Summer camp", "Night hike", "Trip"}
    # The camp ends early, before the window: gone from it.
    call(events.event_update, owner, camp["id"], EventInput(ends_at=reference - timedelta(days=2)))
    assert titles() == {"Night hike", "Trip"}
    # Moving the long trip's start moves its end along: it is over now.
    call(events.event_update, owner, trip["id"], EventInput(starts_at=reference - timedelta(days=12)))
    assert titles() == {"Night hike"}
    assert night["title"] == "Night hike"

    as_person(world.people["member"])
    page = client.get("/calendar", params={"past": 0})
    assert page.status_code == 200 and "Night hike" in page.text and "Summer camp" not in page.text


def test_the_migration_marks_the_long_events_already_there(call, world):
    """m0026 marks the events longer than a day that were made before it, on either engine."""
    import importlib

    from groupbox.db import migrate
    from groupbox.db.engine import DB

    owner = call(world.owner.actor)
    start = now() + timedelta(days=3)
    lengths = {"Camp": timedelta(days=2), "Day out": timedelta(hours=23), "Match": None}
    made = {title: call(events.event_create, owner, world.group["id"], EventInput(
        title=title, starts_at=start, ends_at=start + length if length else None)) for title, length in lengths.items()}

    async def backfill() -> dict[str, bool]:
        await DB.execute("UPDATE event SET long_span = FALSE")  # as they were before m0026
        module = importlib.import_module("groupbox.db.migrations.m0026_event_long_span")
        await DB.execute(migrate.statements(module, DB.dialect)[1])
        rows = await DB.fetch("SELECT id, long_span FROM event")
        return {title: next(r["long_span"] for r in rows if r["id"] == event["id"]) for title, event in made.items()}

    assert call(backfill) == {"Camp": True, "Day out": False, "Match": False}
