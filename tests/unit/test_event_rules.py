"""The event rules, straight through the service: change tracking, cancelling, counts, time zones."""

from datetime import UTC, datetime, timedelta

import pytest

from groupbox import timefmt
from groupbox.db.engine import DB
from groupbox.domain.groups import invites
from groupbox.domain.groups.schemas import InviteOptions
from groupbox.domain.objects import events
from groupbox.domain.objects.schemas import EventInput
from groupbox.errors import Conflict, Invalid
from groupbox.util import now
from tests.factories import build_world, needs


@pytest.fixture
async def world(db):
    return await build_world()


async def actor(world, role):
    return await world.people[role].actor()


async def make(world, **fields):
    admin = await actor(world, "admin")
    values = {"title": "Training", "starts_at": now() + timedelta(days=3), "location": "Park", **fields}
    return await events.event_create(admin, world.group["id"], EventInput(**values))


async def test_a_member_who_saw_the_old_time_sees_the_change_one_who_never_saw_it_does_not(world):
    event = await make(world)
    samir, lisa = await actor(world, "member"), await actor(world, "moderator")
    await events.event_view(samir, event["id"])  # Samir saw version 1; Lisa never opened it
    moved = await events.event_update(await actor(world, "admin"), event["id"], EventInput(
        location="Hall", starts_at=event["starts_at"] + timedelta(hours=1)))
    assert moved["version"] == 2

    seen_by_samir = await events.event_get(samir, event["id"])
    assert seen_by_samir["changed"] is True
    change = seen_by_samir["change"]
    assert (change["old_location"], change["new_location"]) == ("Park", "Hall")
    assert change["new_starts_at"] - change["old_starts_at"] == timedelta(hours=1)
    assert (await events.event_get(lisa, event["id"]))["changed"] is False

    await events.event_view(samir, event["id"])
    assert (await events.event_get(samir, event["id"]))["changed"] is False, "seen again: no longer marked"
    assert (await events.event_get(await actor(world, "admin"), event["id"]))["changed"] is False, "the editor knows"


async def test_answering_counts_as_having_seen_and_two_moves_show_the_first_old_value(world):
    event = await make(world)
    samir = await actor(world, "member")
    admin = await actor(world, "admin")
    await events.rsvp(samir, event["id"], "yes")
    await events.event_update(admin, event["id"], EventInput(location="Hall"))
    await events.event_update(admin, event["id"], EventInput(location="Gym"))
    changes = await events.unseen_changes([world.member_id("member"), "someone-else"], [event["id"]])
    assert changes[event["id"]]["old_location"] == "Park" and changes[event["id"]]["new_location"] == "Gym"
    assert await events.unseen_changes(world.member_id("moderator"), [event["id"]]) == {}


async def test_moving_the_start_keeps_the_length(world):
    start = now() + timedelta(days=3)
    event = await make(world, starts_at=start, ends_at=start + timedelta(hours=2))
    moved = await events.event_update(await actor(world, "admin"), event["id"], EventInput(
        starts_at=start + timedelta(days=1)))
    assert moved["ends_at"] - moved["starts_at"] == timedelta(hours=2)
    change = (await DB.fetch("SELECT * FROM event_change WHERE event_id = ?", event["id"]))[0]
    assert change["old_ends_at"] == event["ends_at"] and change["new_ends_at"] == moved["ends_at"]


async def test_editing_only_the_description_is_not_a_change(world):
    event = await make(world)
    samir = await actor(world, "member")
    await events.event_view(samir, event["id"])
    edited = await events.event_update(await actor(world, "admin"), event["id"], EventInput(
        description="Bring water", location="Park"))
    assert edited["version"] == 1 and edited["seq"] > event["seq"]
    assert (await events.event_get(samir, event["id"]))["changed"] is False
    assert await DB.fetch("SELECT * FROM event_change WHERE event_id = ?", event["id"]) == []


async def test_cancelling_keeps_the_event_marks_it_changed_and_stops_answers(world):
    event = await make(world)
    samir = await actor(world, "member")
    await events.event_view(samir, event["id"])
    cancelled = await events.event_cancel(await actor(world, "admin"), event["id"], "Pitch closed for frost")
    assert cancelled["cancelled"] and cancelled["cancel_reason"] == "Pitch closed for frost"
    assert cancelled["version"] == 2
    listed = await events.events_list(samir, world.group["id"])
    assert [e["id"] for e in listed] == [event["id"]] and listed[0]["change"]["cancelled"] is True
    with pytest.raises(Conflict):
        await events.rsvp(samir, event["id"], "yes")
    again = await events.event_update(await actor(world, "admin"), event["id"], EventInput(cancelled=False))
    assert again["cancelled"] is False and again["version"] == 3


async def test_counts_per_answer_with_guests_and_no_answer(world):
    event = await make(world, rsvp_required=True)
    await events.rsvp(await actor(world, "member"), event["id"], "yes", "late", 2)
    await events.rsvp(await actor(world, "moderator"), event["id"], "maybe", None, 1)
    result = await events.rsvp(await actor(world, "owner"), event["id"], "no", None, 3)
    assert result["rsvp"]["guests"] == 0, "nobody brings guests to something they skip"
    # 4 people may answer (the guest cannot): 3 answered.
    assert result["counts"] == {"yes": 1, "no": 1, "maybe": 1, "guests": 2, "answered": 3, "no_answer": 1}
    admin_view = await events.event_get(await actor(world, "admin"), event["id"])
    assert [m["display_name"] for m in admin_view["no_answer_members"]] == ["Coach Mark"]
    assert "answers" not in await events.event_get(await actor(world, "member"), event["id"])


async def test_bad_answers_are_refused_with_the_field(world):
    event = await make(world)
    samir = await actor(world, "member")
    with pytest.raises(Invalid) as bad:
        await events.rsvp(samir, event["id"], "perhaps")
    assert bad.value.field is None and "status" in bad.value.errors
    with pytest.raises(Invalid) as many:
        await events.rsvp(samir, event["id"], "yes", None, 21)
    assert "guests" in many.value.errors
    assert await DB.fetch("SELECT * FROM rsvp") == []


async def test_schedule_rules(world):
    start = now() + timedelta(days=2)
    with pytest.raises(Invalid) as early_end:
        await make(world, starts_at=start, ends_at=start - timedelta(minutes=1))
    assert set(early_end.value.errors) == {"ends_at"}
    with pytest.raises(Invalid) as late_deadline:
        await make(world, starts_at=start, rsvp_deadline=start + timedelta(hours=1))
    assert set(late_deadline.value.errors) == {"rsvp_deadline"}
    with pytest.raises(Invalid) as long_title:
        await make(world, title="x" * 121)
    assert set(long_title.value.errors) == {"title"}
    assert (await make(world, title="x" * 120))["title"] == "x" * 120
    assert await DB.fetchone("SELECT COUNT(*) AS n FROM event") == {"n": 1}


async def test_the_deadline_passes(world):
    event = await make(world, rsvp_required=True, rsvp_deadline=now() + timedelta(days=1))
    await DB.execute("UPDATE event SET rsvp_deadline = ? WHERE id = ?", now() - timedelta(minutes=1), event["id"])
    with pytest.raises(Conflict) as late:
        await events.rsvp(await actor(world, "member"), event["id"], "yes")
    assert "deadline passed" in late.value.message and "Coach Mark" in late.value.message
    assert await needs(await actor(world, "member"), None, "rsvp") == []


async def test_an_event_at_half_past_midnight_in_berlin_is_on_the_berlin_day(world):
    # 00:30 on Saturday in Berlin is 23:30 on Friday in UTC (winter time).
    berlin_day = (datetime.now(UTC) + timedelta(days=30)).date()
    while berlin_day.weekday() != 5 or berlin_day.month not in (11, 12, 1, 2):
        berlin_day += timedelta(days=1)
    event = await make(world, starts_at=f"{berlin_day.isoformat()}T00:30")
    assert event["starts_at"].astimezone(UTC).date() == berlin_day - timedelta(days=1)
    assert event["starts_at"].hour == 23
    assert timefmt.day(event["starts_at"], "Europe/Berlin").startswith("Sat ")
    assert timefmt.hm(event["starts_at"], "Europe/Berlin") == "00:30"
    preview = await events.preview_upcoming(world.group)
    assert preview == [{"title": "Training", "when": timefmt.day(event["starts_at"], "Europe/Berlin")}]
    assert preview[0]["when"].startswith(f"Sat {berlin_day.day} ")


async def test_missing_rsvps_for_the_home_dashboard(world):
    asked = await make(world, title="Match", rsvp_required=True)
    await make(world, title="Optional training")
    cancelled = await make(world, title="Frosty", rsvp_required=True)
    await events.event_cancel(await actor(world, "admin"), cancelled["id"])
    samir = await actor(world, "member")
    missing = await needs(samir, [world.group["id"]], "rsvp")
    assert [e.id for e in missing] == [asked["id"]] and missing[0].url == f"/events/{asked['id']}"
    assert await needs(await actor(world, "guest")) == [], "guests cannot answer"
    await events.rsvp(samir, asked["id"], "maybe")
    assert await needs(samir, None, "rsvp") == []


async def test_calendar_entries_carry_my_answer_and_changes(world):
    event = await make(world)
    samir = await actor(world, "member")
    await events.rsvp(samir, event["id"], "yes")
    await events.event_update(await actor(world, "admin"), event["id"], EventInput(location="Hall"))
    (entry,) = await events.events_between(samir, None, end=now() + timedelta(days=30))
    assert entry["my_rsvp"] == "yes" and entry["changed"] is True and entry["cancelled"] is False


async def test_the_join_preview_names_no_people(world):
    await make(world, title="Match")
    _invite, token = await invites.invite_create(await world.owner.actor(), world.group["id"], InviteOptions())
    preview = await invites.invite_preview(token)
    assert [item["title"] for item in preview["upcoming"]] == ["Match"]
    assert set(preview["upcoming"][0]) == {"title", "when"}
