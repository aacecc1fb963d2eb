"""Each action kind appears when it should and disappears when done (SPEC §8)."""

from datetime import UTC, datetime, timedelta

import pytest

from groupbox.domain.actions import service as actions
from groupbox.domain.objects import announcements, events, polls, signups, tasks
from groupbox.domain.objects.schemas import (
    AnnouncementCreate,
    EventInput,
    PollCreate,
    SignupCreate,
    SlotInput,
    TaskCreate,
)
from groupbox.util import now
from tests.factories import build_world


@pytest.fixture
async def world(db):
    return await build_world()


async def kinds(person, **kwargs):
    return [(i.kind, i.title) for i in await actions.derive(await person.actor(), **kwargs)]


async def test_missing_rsvp_appears_and_leaves_once_answered(world):
    owner = await world.owner.actor()
    samir = world.people["member"]
    event = await events.event_create(owner, world.group["id"], EventInput(
        title="Match vs. SV Tasmania", starts_at=now() + timedelta(days=2), rsvp_required=True))
    await events.event_create(owner, world.group["id"], EventInput(
        title="No RSVP needed", starts_at=now() + timedelta(days=2)))
    assert ("rsvp", "Match vs. SV Tasmania") in await kinds(samir)
    assert ("rsvp", "No RSVP needed") not in await kinds(samir)
    assert await kinds(world.people["guest"]) == []  # guests have nothing to answer
    await events.rsvp(await samir.actor(), event["id"], "maybe")
    assert ("rsvp", "Match vs. SV Tasmania") not in await kinds(samir)


async def test_cancelled_past_and_deadline_passed_events_ask_nothing(world):
    owner = await world.owner.actor()
    samir = world.people["member"]
    cancelled = await events.event_create(owner, world.group["id"], EventInput(
        title="Cancelled", starts_at=now() + timedelta(days=3), rsvp_required=True))
    await events.event_cancel(owner, cancelled["id"], "Pitch flooded")
    await events.event_create(owner, world.group["id"], EventInput(
        title="Deadline soon", starts_at=now() + timedelta(days=3), rsvp_required=True,
        rsvp_deadline=now() + timedelta(hours=1)))
    titles = [t for _k, t in await kinds(samir)]
    assert "Cancelled" not in titles and "Deadline soon" in titles
    later = now() + timedelta(hours=2)
    assert "Deadline soon" not in [t for _k, t in await kinds(samir, reference=later)]


async def test_unanswered_poll_appears_until_voted_or_closed(world):
    owner = await world.owner.actor()
    samir = world.people["member"]
    poll = await polls.poll_create(owner, world.group["id"], PollCreate(
        question="Which heating contractor?", options=["Müller", "Schmidt"],
        closes_at=(now() + timedelta(days=7)).isoformat()))
    assert ("vote", "Which heating contractor?") in await kinds(samir)
    assert "Which heating contractor?" not in [t for _k, t in await kinds(samir, reference=now() + timedelta(days=8))]
    await polls.poll_vote(await samir.actor(), poll["id"], [poll["options"][0]["id"]])
    assert ("vote", "Which heating contractor?") not in await kinds(samir)


async def test_assigned_task_appears_until_done(world):
    owner = await world.owner.actor()
    samir = world.people["member"]
    task = await tasks.task_create(owner, world.group["id"], TaskCreate(
        title="Pick up crates from the market", assignee_ids=[world.member_id("member")],
        due_at=(now() + timedelta(days=1)).isoformat()))
    assert ("task", "Pick up crates from the market") in await kinds(samir)
    assert ("task", "Pick up crates from the market") not in await kinds(world.people["moderator"])
    await tasks.task_set_status(await samir.actor(), task["id"], "done")
    assert ("task", "Pick up crates from the market") not in await kinds(samir)


async def test_announcement_to_acknowledge_appears_until_acknowledged(world):
    owner = await world.owner.actor()
    samir = world.people["member"]
    item = await announcements.announcement_create(owner, world.group["id"], AnnouncementCreate(
        title="Bring ID cards", official=True, urgent=True, ack_required=True))
    found = [i for i in await actions.derive(await samir.actor()) if i.id == item["id"]]
    assert found and found[0].kind == "acknowledge" and found[0].weight == actions.URGENT_ACK_WEIGHT
    await announcements.announcement_ack(await samir.actor(), item["id"])
    assert item["id"] not in [i.id for i in await actions.derive(await samir.actor())]


async def test_file_to_acknowledge_appears_until_acknowledged(world):
    from groupbox.db.engine import DB

    samir = world.people["member"]
    stamp = now()
    await DB.execute(
        "INSERT INTO file (id, group_id, display_name, stored_name, content_type, size, ack_required, created_at,"
        " updated_at) VALUES ('f1', ?, 'Permission slip.pdf', 'x1', 'application/pdf', 10, 1, ?, ?)",
        world.group["id"], stamp, stamp,
    )
    assert ("acknowledge", "Permission slip.pdf") in await kinds(samir)
    await DB.execute("INSERT INTO file_ack (file_id, member_id, acked_at) VALUES ('f1', ?, ?)",
                     world.member_id("member"), stamp)
    assert ("acknowledge", "Permission slip.pdf") not in await kinds(samir)


async def test_commitment_coming_up_within_a_week(world):
    owner = await world.owner.actor()
    samir = world.people["member"]
    sheet = await signups.signup_create(owner, world.group["id"], SignupCreate(title="Saturday match: who helps?", slots=[
        SlotInput(label="Drive to Lobeckstraße", capacity=3, starts_at=(now() + timedelta(days=2)).isoformat()),
        SlotInput(label="Far away shift", capacity=1, starts_at=(now() + timedelta(days=20)).isoformat()),
    ]))
    for slot in sheet["slots"]:
        await signups.commit(await samir.actor(), slot["id"])
    titles = [t for k, t in await kinds(samir) if k == "commitment"]
    assert titles == ["Drive to Lobeckstraße · Saturday match: who helps?"]
    assert [t for k, t in await kinds(samir, reference=now() + timedelta(days=3)) if k == "commitment"] == []


async def test_mention_and_admin_question_appear_until_the_thread_is_read(world):
    from groupbox.domain.objects import messages, threads

    samir = world.people["member"]
    lisa = await world.people["moderator"].actor()
    mark = await world.people["admin"].actor()
    thread = await threads.thread_create(lisa, world.group["id"], "Carpool planning", "Who drives?")
    await messages.message_post(lisa, thread["id"], "@Samir can you take two kids?")
    await messages.message_post(mark, thread["id"], "@Samir Khan are you coming to the meeting?")
    found = [(k, t) for k, t in await kinds(samir) if k in ("mention", "question")]
    assert ("mention", "Lisa Becker in “Carpool planning”") in found
    assert ("question", "Coach Mark in “Carpool planning”") in found
    await threads.thread_mark_read(await samir.actor(), thread["id"])
    assert [k for k, _t in await kinds(samir) if k in ("mention", "question")] == []


async def test_items_from_several_groups_are_ranked_together(world):
    from tests.factories import join

    owner = await world.owner.actor()
    samir = world.people["member"]
    await join(samir, world.other_group["id"], "Samir", admin=world.owner)
    await polls.poll_create(owner, world.other_group["id"], PollCreate(
        question="Boiler next week?", options=["Yes", "No"], closes_at=(now() + timedelta(days=7)).isoformat()))
    await events.event_create(owner, world.group["id"], EventInput(
        title="Match in two days", starts_at=now() + timedelta(days=2), rsvp_required=True))
    items = await actions.derive(await samir.actor())
    assert [i.title for i in items][:2] == ["Match in two days", "Boiler next week?"]
    assert {i.group_id for i in items} == {world.group["id"], world.other_group["id"]}


def test_event_at_half_past_midnight_berlin_shows_on_its_own_day():
    from groupbox.domain.calendar.service import group_by_day

    # 00:30 in Berlin on 28 Nov is 23:30 UTC on 27 Nov.
    row = {"starts_at": datetime(2026, 11, 27, 23, 30, tzinfo=UTC), "group_timezone": "Europe/Berlin"}
    [(day, _entries)] = group_by_day([row], lambda r: r["group_timezone"])
    assert day.isoformat() == "2026-11-28"


def test_dst_weekend_keeps_wall_clock_times():
    from groupbox.timefmt import hm, parse_local

    # Berlin leaves summer time on 25 Oct 2026: 10:00 local on the Saturday and the Sunday.
    saturday = parse_local("2026-10-24T10:00", "Europe/Berlin")
    sunday = parse_local("2026-10-25T10:00", "Europe/Berlin")
    assert saturday.hour == 8 and sunday.hour == 9  # UTC
    assert hm(saturday, "Europe/Berlin") == hm(sunday, "Europe/Berlin") == "10:00"
    assert (sunday - saturday) == timedelta(hours=25)
