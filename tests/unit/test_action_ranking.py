"""The ranking rule of "Needs me", as a table of cases (SPEC §8: deadline proximity × consequence)."""

from datetime import UTC, datetime, timedelta

import pytest

from groupbox.domain.actions.service import URGENT_ACK_WEIGHT, WEIGHTS, ActionItem, rank, urgency

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def item(name, kind, due_in_days=None, weight=None, created_days_ago=1):
    return ActionItem(
        id=name, kind=kind, group_id="g", title=name, url="/",
        due_at=NOW + timedelta(days=due_in_days) if due_in_days is not None else None,
        created_at=NOW - timedelta(days=created_days_ago),
        weight=weight if weight is not None else WEIGHTS[kind],
    )


# (case, higher, lower): `higher` must rank above `lower`.
CASES = [
    ("event in 2 days without RSVP beats a poll closing next week",
     item("rsvp-2d", "rsvp", 2), item("vote-7d", "vote", 7)),
    ("urgent official announcement beats chatter",
     item("urgent-ack", "acknowledge", None, URGENT_ACK_WEIGHT), item("mention", "mention")),
    ("an RSVP due tomorrow beats one due in five days",
     item("rsvp-1d", "rsvp", 1), item("rsvp-5d", "rsvp", 5)),
    ("an overdue task beats a task due next week",
     item("task-overdue", "task", -1), item("task-7d", "task", 7)),
    ("an RSVP in 2 days beats a plain acknowledgement without deadline",
     item("rsvp-2d", "rsvp", 2), item("ack", "acknowledge")),
    ("a question from an admin beats a mention",
     item("question", "question"), item("mention", "mention")),
    ("a vote closing tonight beats an RSVP in three weeks",
     item("vote-0.3d", "vote", 0.3), item("rsvp-21d", "rsvp", 21)),
    ("a commitment tomorrow beats a mention",
     item("slot-1d", "commitment", 1), item("mention", "mention")),
    ("an urgent acknowledgement beats an RSVP a week out",
     item("urgent-ack", "acknowledge", None, URGENT_ACK_WEIGHT), item("rsvp-7d", "rsvp", 7)),
    ("a task due in 1 day beats a poll without deadline",
     item("task-1d", "task", 1), item("vote-none", "vote")),
    ("with equal scores, the earlier deadline comes first",
     item("rsvp-a", "rsvp", 3), item("task-b", "task", 3 + 0)  # rsvp weighs more anyway
     ),
    ("a mention beats nothing-urgent commitments far away",
     item("mention", "mention"), item("slot-6d", "commitment", 6)),
]


@pytest.mark.parametrize("case, higher, lower", CASES, ids=[c[0] for c in CASES])
def test_ranking_table(case, higher, lower):
    ordered = rank([lower, higher], NOW)
    assert [i.id for i in ordered] == [higher.id, lower.id], f"{case}: {[(i.id, i.score) for i in ordered]}"


def test_ties_break_by_deadline_then_newest():
    a = item("a", "vote", 3, created_days_ago=5)
    b = item("b", "vote", 3, created_days_ago=1)
    c = item("c", "task", 2)
    assert [i.id for i in rank([a, b, c], NOW)] == ["c", "b", "a"]


def test_urgency_is_clamped_for_overdue_items():
    assert urgency(NOW - timedelta(days=3), NOW) == 1.0
    assert urgency(NOW + timedelta(days=1), NOW) == pytest.approx(0.5)
    assert urgency(None, NOW) == pytest.approx(1 / 3)
