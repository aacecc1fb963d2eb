"""The dashboards' hot queries walk the indexes made for them (m0021, m0025). SQLite uses a
partial index only when the query's WHERE implies the index's: writing the booleans portably
(`rsvp_required = TRUE` instead of `= 1`) once made "Needs you" walk every event ahead of each
group instead, with every test still green. These read the plans of the queries the stores send."""

import pytest

from groupbox.db.engine import DB
from groupbox.domain.actions import store as actions_store
from groupbox.util import now

pytestmark = pytest.mark.sqlite_only("reads SQLite's query plans")

PAIRS = [("g1", "m1"), ("g2", "m2")]


async def plans_of(monkeypatch, call, rows: list[dict] | None = None) -> list[str]:
    """The plans of the queries `call` sends (sent for their plans only, each answered `rows`)."""
    sent: list[tuple[str, tuple]] = []

    async def capture(sql, *params):
        sent.append((sql, params))
        return list(rows or [])

    explain = DB.fetch
    monkeypatch.setattr(DB, "fetch", capture)
    await call()
    monkeypatch.undo()
    return [" / ".join(row["detail"] for row in await explain("EXPLAIN QUERY PLAN " + sql, *params))
            for sql, params in sent]


async def plan_of(monkeypatch, call) -> str:
    """The plan of the one query `call` sends."""
    plans = await plans_of(monkeypatch, call)
    assert len(plans) == 1
    return plans[0]


async def test_missing_rsvps_walk_the_open_rsvp_index(db, monkeypatch):
    plan = await plan_of(monkeypatch, lambda: actions_store.rsvps_missing(PAIRS, now()))
    assert "event_rsvp_open_cover" in plan, plan


async def test_official_updates_since_my_visit_walk_their_index(db, monkeypatch):
    plan = await plan_of(monkeypatch, lambda: actions_store.official_since(["g1", "g2"], ["m1", "m2"], now(), 10))
    assert "announcement_official" in plan, plan


async def test_the_first_missing_rsvps_walk_the_events_by_date_and_count_my_open_answers(db, monkeypatch):
    """With a limit (m0028): the events in the order "Needs you" ranks them. Only when the list is
    full, a second query counts them all: my groups' open events from their index, less my
    answers to open events from theirs, with no probe per event. (Inside the list's query,
    SQLite skip-scanned the events' index for the count instead: issue 17.)"""
    plans = await plans_of(monkeypatch, lambda: actions_store.rsvps_missing(PAIRS, now(), 12))
    assert len(plans) == 1 and "SEARCH e USING INDEX event_rsvp_due" in plans[0], plans  # not full: no count
    assert "rsvp_open" not in plans[0], plans
    plans = await plans_of(monkeypatch, lambda: actions_store.rsvps_missing(PAIRS, now(), 12), rows=[{"total": 30}] * 12)
    assert len(plans) == 2, plans
    count = plans[1]
    assert "SEARCH c USING COVERING INDEX event_rsvp_open_cover (group_id=? AND starts_at>?)" in count, count
    assert "USING COVERING INDEX rsvp_open" in count and "ANY(" not in count, count


async def test_the_first_missing_rsvps_of_one_group_stay_in_its_index(db, monkeypatch):
    """A group's dashboard: its own open events, not a walk past every group's."""
    plan = await plan_of(monkeypatch, lambda: actions_store.rsvps_missing(PAIRS[:1], now(), 4))
    assert "event_rsvp_open_cover" in plan and "event_rsvp_due" not in plan, plan



async def test_the_catch_up_counts_each_group_in_the_messages_index_without_sorting(db, monkeypatch):
    """Per group in a subquery: the index walks one group's messages of the week at a time; a
    GROUP BY over the join sorted them all first (issue 17: 0.33 -> 0.19 ms for 907)."""
    plan = await plan_of(monkeypatch, lambda: actions_store.catch_up_counts(PAIRS, now()))
    assert "message_group_created_cover (group_id=? AND created_at>?)" in plan and "TEMP B-TREE" not in plan, plan
