"""Poll rules as plain functions: when results show, when a vote may change, what a vote is."""

from datetime import UTC, datetime, timedelta

import pytest

from groupbox.domain.objects.polls import check_vote, clean_options, is_closed, results_visible
from groupbox.errors import Conflict, Invalid

DEADLINE = datetime(2031, 6, 20, 18, 0, tzinfo=UTC)
BEFORE = DEADLINE - timedelta(minutes=1)
AFTER = DEADLINE + timedelta(seconds=1)


@pytest.mark.parametrize("visibility, voted, closed, visible", [
    ("always", False, False, True),
    ("always", True, False, True),
    ("always", False, True, True),
    ("after_vote", False, False, False),
    ("after_vote", True, False, True),
    ("after_vote", False, True, True),
    ("after_close", False, False, False),
    ("after_close", True, False, False),
    ("after_close", False, True, True),
    ("after_close", True, True, True),
])
def test_who_sees_results_when(visibility, voted, closed, visible):
    assert results_visible(visibility, voted=voted, closed=closed) is visible


def poll(**values):
    return {"multiple": False, "closes_at": DEADLINE, "closed_at": None, **values}


def test_a_vote_can_change_until_the_deadline_and_not_after():
    assert check_vote(poll(), ["a"], {"a", "b"}, at=BEFORE) == ["a"]
    assert check_vote(poll(), ["b"], {"a", "b"}, at=BEFORE) == ["b"]  # changing is just voting again
    with pytest.raises(Conflict):
        check_vote(poll(), ["a"], {"a", "b"}, at=DEADLINE)
    with pytest.raises(Conflict):
        check_vote(poll(), ["a"], {"a", "b"}, at=AFTER)


def test_a_poll_closed_early_takes_no_more_votes():
    closed = poll(closes_at=None, closed_at=BEFORE)
    assert is_closed(closed, at=BEFORE - timedelta(days=1))
    with pytest.raises(Conflict):
        check_vote(closed, ["a"], {"a"}, at=BEFORE)


def test_a_poll_without_deadline_stays_open():
    assert not is_closed(poll(closes_at=None), at=AFTER + timedelta(days=3650))


def test_single_choice_takes_one_option_and_multiple_takes_several():
    with pytest.raises(Invalid, match="one choice"):
        check_vote(poll(), ["a", "b"], {"a", "b"}, at=BEFORE)
    assert check_vote(poll(multiple=True), ["a", "b", "a"], {"a", "b"}, at=BEFORE) == ["a", "b"]
    assert check_vote(poll(), ["a", "a"], {"a", "b"}, at=BEFORE) == ["a"]  # the same option twice is one


def test_empty_votes_and_foreign_options_are_refused():
    with pytest.raises(Invalid, match="Choose an option"):
        check_vote(poll(), [], {"a"}, at=BEFORE)
    with pytest.raises(Invalid, match="not part of this poll"):
        check_vote(poll(), ["zzz"], {"a"}, at=BEFORE)


def test_closed_wins_over_bad_input():
    with pytest.raises(Conflict):
        check_vote(poll(), [], {"a"}, at=AFTER)


@pytest.mark.parametrize("options, message", [
    (["Only one"], "at least 2"),
    ([f"Day {i}" for i in range(21)], "at most 20"),
    (["Sat", "  "], "cannot be empty"),
    (["Sat", "x" * 121], "120 characters"),
    (["Saturday", " saturday "], "twice"),
])
def test_bad_options(options, message):
    with pytest.raises(Invalid, match=message):
        clean_options(options)


def test_options_are_tidied():
    assert clean_options(["  Friday   20 June ", "Saturday"]) == ["Friday 20 June", "Saturday"]
    assert len(clean_options([f"Day {i}" for i in range(20)])) == 20
    assert clean_options(["x" * 120, "y"])[0] == "x" * 120
