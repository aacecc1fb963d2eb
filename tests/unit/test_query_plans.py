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


async def plan_of(monkeypatch, call) -> str:
    """The plan of the one query `call` sends (sent for its plan only)."""
    sent: list[tuple[str, tuple]] = []

    async def capture(sql, *params):
        sent.append((sql, params))
        return []

    explain = DB.fetch
    monkeypatch.setattr(DB, "fetch", capture)
    await call()
    monkeypatch.undo()
    assert len(sent) == 1
    sql, params = sent[0]
    return " / ".join(row["detail"] for row in await explain("EXPLAIN QUERY PLAN " + sql, *params))


async def test_missing_rsvps_walk_the_open_rsvp_index(db, monkeypatch):
    plan = await plan_of(monkeypatch, lambda: actions_store.rsvps_missing(PAIRS, now()))
    assert "event_rsvp_open_cover" in plan, plan


async def test_official_updates_since_my_visit_walk_their_index(db, monkeypatch):
    plan = await plan_of(monkeypatch, lambda: actions_store.official_since(["g1", "g2"], ["m1", "m2"], now(), 10))
    assert "announcement_official" in plan, plan


async def test_the_first_missing_rsvps_walk_the_events_by_date_and_count_my_open_answers(db, monkeypatch):
    """With a limit (m0028): the events in the order "Needs you" ranks them, and my answers to
    open events from their own index, with no probe per event for the count."""
    plan = await plan_of(monkeypatch, lambda: actions_store.rsvps_missing(PAIRS, now(), 12))
    assert "SEARCH e USING INDEX event_rsvp_due" in plan and "USING COVERING INDEX rsvp_open" in plan, plan


async def test_the_first_missing_rsvps_of_one_group_stay_in_its_index(db, monkeypatch):
    """A group's dashboard: its own open events, not a walk past every group's."""
    plan = await plan_of(monkeypatch, lambda: actions_store.rsvps_missing(PAIRS[:1], now(), 4))
    assert "event_rsvp_open_cover" in plan and "event_rsvp_due" not in plan, plan

