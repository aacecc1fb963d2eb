"""Pages that stay small with busy groups: the calendar pages by whole days, /api/home carries the
top of "Needs you" with a link to the rest (issue 17)."""

import re
from datetime import timedelta

from groupbox.domain.objects import events
from groupbox.domain.objects.schemas import EventInput
from groupbox.util import now
from groupbox.web.pages.calendar import PAGE_EVENTS


def _titles(html: str) -> list[str]:
    return re.findall(r'href="/events/[^"]+">(E\d\d)</a>', html)


def test_a_busy_calendar_pages_by_whole_days_and_loses_nothing(client, call, world, as_person):
    owner = call(world.owner.actor)
    start = now().replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=1)
    made = []
    for n in range(PAGE_EVENTS + 10):  # 7 a day for 10 days
        title = f"E{n:02d}"
        call(events.event_create, owner, world.group["id"], EventInput(
            title=title, starts_at=start + timedelta(days=n // 7, minutes=n % 7)))
        made.append(title)
    as_person(world.people["member"])
    first = client.get("/calendar")
    assert first.status_code == 200
    shown = _titles(first.text)
    assert 0 < len(shown) <= PAGE_EVENTS and len(shown) % 7 == 0  # whole days only
    later = re.search(r'href="(/calendar\?from=[0-9-]+)"', first.text).group(1)
    second = client.get(later)
    rest = _titles(second.text)
    assert sorted(shown + rest) == made  # nothing twice, nothing lost
    assert 'href="/calendar"' in second.text  # back to today


def test_a_calendar_day_that_is_not_a_day_is_told(client, world, as_person):
    as_person(world.people["member"])
    for bad in ("next week", "9999-01-01", "2026-13-01"):
        response = client.get("/calendar", params={"from": bad})
        assert response.status_code == 422, bad
        assert "for example" in response.text


def test_api_home_carries_the_top_actions_and_links_the_rest(client, call, world, as_person):
    owner = call(world.owner.actor)
    for n in range(25):
        call(events.event_create, owner, world.group["id"], EventInput(
            title=f"Match {n}", starts_at=now() + timedelta(days=2, hours=n), rsvp_required=True))
    as_person(world.people["member"])
    home = client.get("/api/home").json()
    assert len(home["actions"]) == 20 and home["actions_total"] == 25
    assert home["actions"][0]["title"] == "Match 0"  # the ranked top: the soonest first
    rest = client.get(home["actions_next"]).json()
    assert [i["title"] for i in rest["items"]] == [f"Match {n}" for n in range(20, 25)]
    assert rest["total"] == 25 and rest["next"] is None
    every = client.get("/api/home/actions").json()
    assert len(every["items"]) == 25 and every["next"] is None
    paged = client.get("/api/home/actions", params={"limit": 10, "offset": 10}).json()
    assert [i["title"] for i in paged["items"]] == [f"Match {n}" for n in range(10, 20)]
    assert paged["next"] == "/api/home/actions?offset=20&limit=10"


def test_api_home_actions_refuses_a_page_it_cannot_give(client, world, as_person):
    as_person(world.people["member"])
    for params, field in (({"limit": 0}, "limit"), ({"limit": 201}, "limit"), ({"offset": -1}, "offset")):
        response = client.get("/api/home/actions", params=params)
        assert response.status_code == 422 and field in response.json()["errors"], params


async def test_the_top_read_alone_is_the_top_of_all(db):
    """Home and the group dashboard read only the first missing RSVPs and open tasks of many
    (issue 17): what they get is the whole ranking's top, a new joiner's first RSVP included,
    and the total counts everything."""
    from groupbox.domain.actions import service as actions
    from groupbox.domain.objects import tasks
    from groupbox.domain.objects.schemas import TaskCreate
    from tests.factories import build_world, join

    world = await build_world()
    owner = await world.owner.actor()
    gid, member = world.group["id"], world.member_id("member")
    soon = now() + timedelta(hours=3)
    # The event that starts first has the latest RSVP "deadline" (its start): a new joiner's
    # first RSVP all the same.
    await events.event_create(owner, gid, EventInput(title="Match 0", starts_at=soon.isoformat(), rsvp_required=True))
    for n in range(1, 16):
        await events.event_create(owner, gid, EventInput(
            title=f"Match {n}", starts_at=(soon + timedelta(days=n)).isoformat(), rsvp_required=True,
            rsvp_deadline=(soon - timedelta(hours=2, minutes=n)).isoformat()))
    for n, days in enumerate([None, -2, -1, 0.5, 1, 2, 3, None, 10, 40, None, -5, 0.1, 6, 2]):
        due = None if days is None else (now() + timedelta(days=days)).isoformat()
        await tasks.task_create(owner, gid, TaskCreate(title=f"Task {n}", assignee_ids=[member], due_at=due))
    # A member of a second group too: home's walk over all my groups and a group dashboard's read.
    await join(world.people["member"], world.other_group["id"], "Samir Khan", admin=world.owner)
    actor = await world.people["member"].actor()
    for groups in (None, [gid]):
        every = await actions.derive(actor, group_ids=groups)
        assert every[0].title == "Match 0" and every[0].due_now
        for limit in (1, 4, 12, 40):
            top = await actions.ranked(actor, group_ids=groups, limit=limit)
            assert [item.id for item in top.items[:limit]] == [item.id for item in every[:limit]], (groups, limit)
            assert top.total == len(every) == 31


async def test_the_top_read_alone_keeps_every_older_item_and_ranks_acks_and_polls(db):
    """With announcements to acknowledge and polls too, the top is the whole ranking's: urgent
    official news first, and what was shared before I joined all there (a page folds it)."""
    from groupbox.domain.actions import service as actions
    from groupbox.domain.objects import announcements, polls
    from groupbox.domain.objects.schemas import AnnouncementCreate, PollCreate
    from tests.factories import build_world, join

    world = await build_world()
    owner = await world.owner.actor()
    gid = world.group["id"]

    async def news(n: int, **flags) -> None:
        for i in range(n):
            await announcements.announcement_create(owner, gid, AnnouncementCreate(
                title=f"{flags} {i}", body="Please confirm.", ack_required=True, **flags))

    async def ask(n: int, days: float | None) -> None:
        for i in range(n):
            closes = None if days is None else (now() + timedelta(days=days + i / 10)).isoformat()
            await polls.poll_create(owner, gid, PollCreate(question=f"Q {days} {i}?", options=["Yes", "No"],
                                                           closes_at=closes))

    await news(6)
    await news(2, official=True, urgent=True)
    await ask(3, None)
    await ask(4, 1)
    late = await join(None, gid, "Late Larry", admin=world.owner)
    await news(7)
    await news(1, official=True, urgent=True)
    await ask(5, 3)
    at = now()  # one moment for both rankings: a poll's urgency moves with it
    for person in (late, world.people["member"]):
        actor = await person.actor()
        every = await actions.derive(actor, at)
        older = [item.id for item in every if item.detail.get("older")]
        assert len(older) == (6 if person is late else 0)
        for limit in (1, 4, 12):
            top = await actions.ranked(actor, at, limit=limit)
            current = [item.id for item in every if not item.detail.get("older")]
            assert [i.id for i in top.items if not i.detail.get("older")][:limit] == current[:limit], limit
            assert [i.id for i in top.items if i.detail.get("older")] == older
            assert top.total == len(every) == 28
            # Only what a page may show is built; every item read is named (a page's other
            # sections leave them out), and each built one is scored as in the whole ranking.
            assert len(top.items) == min(limit, len(current)) + len(older)
            assert top.ids == {item.id for item in every}
            scores = {item.id: item.score for item in every}
            assert all(item.score == scores[item.id] for item in top.items)


async def test_the_count_of_rsvps_owed_follows_every_change_to_an_event(db):
    """What I owe is counted from my answers' `open_until` (m0028), kept current on write: the
    count and the top stay the whole ranking's through answers, a changed answer, a new
    deadline, a moved start, "no RSVP needed" and back, a cancel and its undoing, a delete."""
    from groupbox.domain.actions import service as actions
    from groupbox.domain.objects import rsvps
    from tests.factories import build_world, join

    world = await build_world()
    owner = await world.owner.actor()
    gid, other = world.group["id"], world.other_group["id"]
    soon = now() + timedelta(days=1)
    made = [await events.event_create(owner, gid, EventInput(
        title=f"Match {n}", starts_at=(soon + timedelta(days=n)).isoformat(), rsvp_required=True))
        for n in range(8)]
    ids = [event["id"] for event in made]
    # In a second group too: home walks the events of all my groups by date, a group's dashboard
    # reads its own (`store.rsvps_missing`); both are checked.
    await join(world.people["member"], other, "Samir Khan", admin=world.owner)
    for n in range(2):
        await events.event_create(owner, other, EventInput(
            title=f"Meeting {n}", starts_at=(soon + timedelta(days=n, hours=5)).isoformat(), rsvp_required=True))
    actor = await world.people["member"].actor()

    async def check(owed: int) -> None:
        for groups, count in ((None, owed + 2), ([gid], owed)):
            every = await actions.derive(actor, group_ids=groups)
            assert len(every) == count
            for limit in (1, 3, 20):  # 20: more than there are, counted without the count query
                top = await actions.ranked(actor, group_ids=groups, limit=limit)
                assert top.total == count
                assert [i.id for i in top.items[:limit]] == [i.id for i in every[:limit]], (groups, limit)

    await check(8)
    for event_id in ids[:4]:
        await rsvps.rsvp(actor, event_id, "yes")
    await rsvps.rsvp(actor, ids[0], "no")  # a changed answer is still one
    await check(4)
    # An answered event's deadline passes: it is neither owed nor answered-and-open any more.
    await events.event_update(owner, ids[1], EventInput(rsvp_deadline=(now() - timedelta(hours=1)).isoformat()))
    await events.event_update(owner, ids[5], EventInput(rsvp_deadline=(now() - timedelta(hours=1)).isoformat()))
    await check(3)
    await events.event_update(owner, ids[5], EventInput(rsvp_deadline=None))  # the deadline taken back
    await events.event_update(owner, ids[1], EventInput(rsvp_deadline=None))
    await check(4)
    await events.event_update(owner, ids[2], EventInput(rsvp_required=False))
    await events.event_update(owner, ids[6], EventInput(rsvp_required=False))
    await check(3)
    await events.event_update(owner, ids[2], EventInput(rsvp_required=True))
    await check(3)
    await events.event_update(owner, ids[6], EventInput(rsvp_required=True))
    await check(4)
    await events.event_cancel(owner, ids[3], "Pitch closed")
    await events.event_cancel(owner, ids[7], "Pitch closed")
    await check(3)
    await events.event_update(owner, ids[3], EventInput(cancelled=False))
    await events.event_update(owner, ids[7], EventInput(cancelled=False))
    await check(4)
    # Moved: to ahead of the others (the top changes), and answered ones too.
    await events.event_update(owner, ids[6], EventInput(starts_at=(now() + timedelta(hours=2)).isoformat()))
    await events.event_update(owner, ids[0], EventInput(starts_at=(now() + timedelta(hours=3)).isoformat()))
    await check(4)
    await events.event_delete(owner, ids[0])
    await events.event_delete(owner, ids[4])
    await check(3)


async def test_the_migration_dates_the_answers_already_there(db):
    """m0028 gives every answer its event's `open_until`, on either engine: the deadline, else the
    start; none for an event that takes no answers (any more)."""
    import importlib

    from groupbox.db import migrate
    from groupbox.db.engine import DB
    from groupbox.domain.objects import rsvps
    from groupbox.util import as_utc
    from tests.factories import build_world

    world = await build_world()
    owner = await world.owner.actor()
    actor = await world.people["member"].actor()
    start = now() + timedelta(days=3)
    deadline = start - timedelta(days=1)
    shapes = {"Deadline": {"rsvp_deadline": deadline.isoformat()}, "Start": {}, "Cancelled": {},
              "No RSVP": {"rsvp_required": False}}
    made = {}
    for title, fields in shapes.items():
        made[title] = (await events.event_create(owner, world.group["id"], EventInput(
            title=title, starts_at=start.isoformat(), **{"rsvp_required": True, **fields})))["id"]
        await rsvps.rsvp(actor, made[title], "yes")
    await events.event_cancel(owner, made["Cancelled"])

    async def dated() -> dict[str, object]:
        rows = {r["event_id"]: r["open_until"] for r in await DB.fetch("SELECT event_id, open_until FROM rsvp")}
        return {title: rows[event_id] and as_utc(rows[event_id]) for title, event_id in made.items()}

    kept = await dated()
    await DB.execute("UPDATE rsvp SET open_until = NULL")  # as they were before m0028
    module = importlib.import_module("groupbox.db.migrations.m0028_rsvp_open_until")
    await DB.execute(migrate.statements(module, DB.dialect)[1])
    assert await dated() == kept == {"Deadline": deadline, "Start": start, "Cancelled": None, "No RSVP": None}


async def test_my_open_tasks_follow_every_change_to_a_task(db):
    """My open tasks are read from my open assignments (m0029), kept current on write: done,
    reopened, reassigned to someone else and back, deleted; the migration's backfill agrees. Home
    and the group dashboard's "My tasks" both read them so."""
    import importlib

    from groupbox.db import migrate
    from groupbox.db.engine import DB
    from groupbox.domain.actions import service as actions
    from groupbox.domain.objects import tasks
    from groupbox.domain.objects.schemas import TaskCreate, TaskInput
    from tests.factories import build_world

    world = await build_world()
    owner = await world.owner.actor()
    gid, member = world.group["id"], world.member_id("member")
    made = [(await tasks.task_create(owner, gid, TaskCreate(
        title=f"Task {n}", assignee_ids=[member], due_at=(now() + timedelta(days=n + 1)).isoformat())))["id"]
        for n in range(6)]
    actor = await world.people["member"].actor()

    async def check(owed: int) -> None:
        every = [item for item in await actions.derive(actor) if item.kind == "task"]
        assert len(every) == owed
        top = await actions.ranked(actor, limit=2)
        assert top.total == owed and [i.id for i in top.items[:2]] == [i.id for i in every[:2]]
        # The group dashboard's "My tasks" reads the same open assignments.
        assert {t["id"] for t in await tasks.my_open_tasks(actor, [gid])} == {i.id for i in every}

    await check(6)
    await tasks.task_set_status(actor, made[0], "done")
    await tasks.task_set_status(actor, made[1], "done")
    await check(4)
    await tasks.task_set_status(actor, made[1], "open")  # reopened
    await check(5)
    await tasks.task_update(owner, made[2], TaskInput(assignee_ids=[world.member_id("admin")]))
    await check(4)
    await tasks.task_update(owner, made[2], TaskInput(assignee_ids=[member]))
    await check(5)
    await tasks.task_delete(owner, made[3])
    await check(4)
    kept = await DB.fetch("SELECT task_id, member_id, open FROM task_assignee ORDER BY task_id, member_id")
    await DB.execute("UPDATE task_assignee SET open = TRUE")  # as they were before m0029
    module = importlib.import_module("groupbox.db.migrations.m0029_task_assignee_open")
    await DB.execute(migrate.statements(module, DB.dialect)[1])
    assert await DB.fetch("SELECT task_id, member_id, open FROM task_assignee ORDER BY task_id, member_id") == kept
    await check(4)


async def test_unread_mentions_follow_every_read_and_erase(db):
    """Mentions carry whether I read their thread since (m0030), kept current on write: a read
    clears those up to it, a later mention is unread again, an erased message takes its mention
    along; the count since my visit agrees, and so does the migration's backfill."""
    import importlib

    from groupbox.db import migrate
    from groupbox.db.engine import DB
    from groupbox.domain.actions import store as actions_store
    from groupbox.domain.objects import messages, threads
    from tests.factories import build_world

    world = await build_world()
    lisa = await world.people["moderator"].actor()
    samir = world.people["member"]
    me = world.member_id("member")
    began = now() - timedelta(seconds=1)
    carpool = await threads.thread_create(lisa, world.group["id"], "Carpool", "@Samir Khan can you drive?")
    kit = await threads.thread_create(lisa, world.group["id"], "Kit", "@Samir Khan the shirts?")
    asked = await messages.message_post(lisa, kit["id"], "@Samir Khan and the socks?")

    async def unread() -> list[str]:
        return [r["thread_title"] for r in await actions_store.mentions_unread([me])]

    async def counted() -> int:
        return (await actions_store.mention_counts([me], began)).get(me, 0)

    assert await unread() == ["Kit", "Kit", "Carpool"] and await counted() == 3
    await threads.thread_mark_read(await samir.actor(), carpool["id"])
    assert await unread() == ["Kit", "Kit"]
    await messages.message_post(lisa, carpool["id"], "@Samir Khan one more seat?")
    assert await unread() == ["Carpool", "Kit", "Kit"] and await counted() == 4
    await messages.message_delete(lisa, asked["id"])
    assert await unread() == ["Carpool", "Kit"] and await counted() == 3
    await threads.thread_mark_read(await samir.actor(), kit["id"])
    assert await unread() == ["Carpool"]

    columns = "SELECT message_id, member_id, thread_id, created_at, unread FROM mention ORDER BY message_id, member_id"
    kept = await DB.fetch(columns)
    await DB.execute("UPDATE mention SET thread_id = NULL, created_at = NULL, unread = TRUE")  # before m0030
    module = importlib.import_module("groupbox.db.migrations.m0030_mention_unread")
    for statement in migrate.statements(module, DB.dialect)[3:5]:
        await DB.execute(statement)
    assert await DB.fetch(columns) == kept and len(kept) == 3


async def test_news_that_needs_me_below_the_shown_cards_is_not_also_under_changed(db):
    """An official announcement to confirm that ranks below the cards home shows is counted in
    "n more", not built, and still not listed again under "Changed" (`Ranked.ids`)."""
    from groupbox.domain.actions import home as home_service
    from groupbox.domain.objects import announcements
    from groupbox.domain.objects.schemas import AnnouncementCreate
    from tests.factories import build_world

    world = await build_world()
    owner = await world.owner.actor()
    gid = world.group["id"]
    member = await world.people["member"].actor()
    since = now() - timedelta(hours=1)
    tomorrow = now() + timedelta(days=1)
    for n in range(home_service.NEEDS_SHOWN):  # each outranks the news (3 × 1/2 against 2 × 1/3)
        await events.event_create(owner, gid, EventInput(title=f"Match {n}", starts_at=tomorrow.isoformat(),
                                                         rsvp_required=True))
    news = await announcements.announcement_create(owner, gid, AnnouncementCreate(
        title="New kit", body="Please confirm.", official=True, ack_required=True))
    data = await home_service.home(member, since=since)
    assert data["needs_total"] == home_service.NEEDS_SHOWN + 1
    assert news["id"] not in {item.id for item in data["needs_me"]}  # counted only
    assert news["id"] not in {c["id"] for c in data["changed"]}
    # Once confirmed it is news like any other.
    await announcements.announcement_ack(member, news["id"])
    data = await home_service.home(member, since=since)
    assert news["id"] in {c["id"] for c in data["changed"]}
