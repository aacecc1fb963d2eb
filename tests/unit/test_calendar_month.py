"""The month grid of /calendar/month: weeks from Monday, the days around the month, bad input."""

from datetime import date

import pytest

from groupbox.domain.calendar.service import month_grid, parse_month, shift_month
from groupbox.errors import Invalid


@pytest.mark.parametrize(("first", "weeks", "grid_start", "grid_end"), [
    (date(2027, 2, 1), 4, date(2027, 2, 1), date(2027, 2, 28)),    # starts Monday, 28 days: exactly 4 weeks
    (date(2026, 11, 1), 6, date(2026, 10, 26), date(2026, 12, 6)),  # starts Sunday: 6 weeks
    (date(2026, 12, 1), 5, date(2026, 11, 30), date(2027, 1, 3)),   # over the new year
])
def test_weeks_run_monday_to_sunday_around_the_month(first, weeks, grid_start, grid_end):
    grid = month_grid(first, {}, today=date(2026, 11, 26))
    assert len(grid) == weeks and all(len(week) == 7 for week in grid)
    assert grid[0][0]["date"] == grid_start and grid[-1][-1]["date"] == grid_end
    assert all(cell["date"].weekday() == i for week in grid for i, cell in enumerate(week))
    assert {c["date"].month for week in grid for c in week if c["in_month"]} == {first.month}


def test_cells_carry_their_entries_and_today():
    entry = {"title": "Training"}
    grid = month_grid(date(2026, 11, 1), {date(2026, 11, 27): [entry], date(2026, 12, 5): [entry]},
                      today=date(2026, 11, 26))
    cells = {c["date"]: c for week in grid for c in week}
    assert cells[date(2026, 11, 27)]["entries"] == [entry] and cells[date(2026, 12, 5)]["entries"] == [entry]
    assert not cells[date(2026, 12, 5)]["in_month"]
    assert [d for d, c in cells.items() if c["today"]] == [date(2026, 11, 26)]


def test_parse_and_shift_months():
    today = date(2026, 11, 26)
    assert parse_month(None, today) == parse_month("", today) == date(2026, 11, 1)
    assert parse_month("2027-02", today) == date(2027, 2, 1)
    for bad in ("2026-13", "2026-00", "2026-1", "26-11", "soon", "2026-11-01", "1999-12", "-2026-11"):
        with pytest.raises(Invalid):
            parse_month(bad, today)
    assert shift_month(date(2026, 12, 1), 1) == date(2027, 1, 1)
    assert shift_month(date(2027, 1, 1), -1) == date(2026, 12, 1)
    assert shift_month(date(2026, 11, 1), 14) == date(2028, 1, 1)
