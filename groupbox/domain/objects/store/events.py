"""SQL for events, their tracked changes, who saw which version, and RSVPs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from groupbox.db.engine import DB
from groupbox.domain.objects.store.common import marks as _marks

TABLES = ("event", "event_change", "event_seen", "rsvp")
READS = {
    "member": "RSVP counts and the admin's answer list count only active members who may act (a join, not a "
              "lookup per answer)",
    "grp": "calendar rows across groups carry the group's name, colour and time zone",
}
FOREIGN_WRITES: dict[str, str] = {}

# Columns an edit may set (the names come from the service, never from input).
_EDITABLE = frozenset({
    "title", "description", "location", "starts_at", "ends_at", "rsvp_deadline", "rsvp_required", "stays_here",
    "cancelled_at", "cancel_reason", "version", "seq", "updated_at", "revision", "long_span",
})
# Events longer than this (a camp, a trip) are marked `long_span` (m0026). Every other event that
# overlaps a window starts at most this long before it, so the calendar's query reads an index
# range from there instead of every past event of the group, and the few long ones on their own.
LONG_SPAN = timedelta(days=1)
_UPCOMING = "((ends_at IS NULL AND starts_at >= ?) OR (ends_at IS NOT NULL AND ends_at >= ?))"


def _in_roles(column: str, roles: list[str] | tuple[str, ...]) -> str:
    # An empty role list matches nobody (and `IN ()` is no SQL).
    return f"{column} IN ({_marks(roles)})" if roles else "FALSE"


# -- events -------------------------------------------------------------------------------------
async def event_insert(*, event_id: str, group_id: str, author_id: str | None, title: str, description: str,
                       location: str, starts_at: datetime, ends_at: datetime | None, rsvp_required: bool,
                       rsvp_deadline: datetime | None, stays_here: bool, seq: int, stamp: datetime) -> None:
    await DB.execute(
        "INSERT INTO event (id, group_id, author_id, title, description, location, starts_at, ends_at,"
        " rsvp_required, rsvp_deadline, stays_here, version, created_at, updated_at, seq, long_span)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,1,?,?,?,?)",
        event_id, group_id, author_id, title, description, location, starts_at, ends_at, rsvp_required,
        rsvp_deadline, stays_here, stamp, stamp, seq, long_span(starts_at, ends_at),
    )


def long_span(starts_at: datetime, ends_at: datetime | None) -> bool:
    """Does an event with these times last longer than `LONG_SPAN`?"""
    return ends_at is not None and ends_at - starts_at > LONG_SPAN


async def event_update_at_revision(event_id: str, revision: int, updates: dict[str, Any]) -> int:
    """Set these columns if the event is still at `revision`; 1 if saved, 0 if someone else's
    edit landed first. Its answers' `open_until` follows (m0028)."""
    unknown = set(updates) - _EDITABLE
    if unknown or not updates:
        raise ValueError(f"not editable event columns: {sorted(unknown)}")
    assignments = ", ".join(f"{key} = ?" for key in updates)
    async with DB.write():
        saved = await DB.execute(f"UPDATE event SET {assignments} WHERE id = ? AND revision = ?",
                                 *updates.values(), event_id, revision)
        if saved and not _OPEN_FROM.isdisjoint(updates):
            await rsvps_reopen(event_id)
    return saved


# -- until when an event takes answers, on its answers (m0028) ------------------------------------
# What `open_until` is made of: an event's edit of one of these moves it; a delete clears it.
_OPEN_FROM = frozenset({"starts_at", "rsvp_deadline", "rsvp_required", "cancelled_at"})
# The RSVP deadline, else the start (whichever is first); NULL while the event takes no answers.
_OPEN_UNTIL = ("(SELECT CASE WHEN e.rsvp_required = TRUE AND e.cancelled_at IS NULL AND e.deleted_at IS NULL"
               " THEN CASE WHEN e.rsvp_deadline IS NOT NULL AND e.rsvp_deadline < e.starts_at"
               " THEN e.rsvp_deadline ELSE e.starts_at END END FROM event e WHERE e.id = {})")


async def rsvps_reopen(event_id: str) -> None:
    """Its answers' `open_until` from the event as it is now (after an edit or a delete)."""
    await DB.execute(f"UPDATE rsvp SET open_until = {_OPEN_UNTIL.format('rsvp.event_id')} WHERE event_id = ?",
                     event_id)


async def event_change_insert(*, change_id: str, event_id: str, version: int, before: dict, after: dict,
                              cancelled: bool, changed_by: str | None, changed_at: datetime) -> None:
    await DB.execute(
        "INSERT INTO event_change (id, event_id, version, old_starts_at, old_ends_at, old_location,"
        " new_starts_at, new_ends_at, new_location, cancelled, changed_by, changed_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        change_id, event_id, version, before["starts_at"], before["ends_at"], before["location"],
        after["starts_at"], after["ends_at"], after["location"], cancelled, changed_by, changed_at,
    )


async def events_of_group(group_id: str, *, past: bool, upcoming_from: datetime, at: datetime,
                          limit: int | None = None) -> list[dict]:
    """Upcoming events (ending at or after `at`; without an end, starting at or after
    `upcoming_from`) by start, or the others, most recent first. The upcoming ones from two index
    ranges, as in `events_in_groups`: those starting from `LONG_SPAN` before on, and the long ones."""
    select = "SELECT * FROM event WHERE group_id = ? AND deleted_at IS NULL"
    if past:
        sql = f"{select} AND NOT {_UPCOMING} ORDER BY starts_at DESC, id"
        params: list[Any] = [group_id, upcoming_from, at]
    else:
        bound = min(upcoming_from, at - LONG_SPAN)
        sql = (f"{select} AND starts_at >= ? AND {_UPCOMING}"
               f" UNION ALL {select} AND long_span = TRUE AND starts_at < ? AND {_UPCOMING} ORDER BY starts_at, id")
        params = [group_id, bound, upcoming_from, at, group_id, bound, upcoming_from, at]
    if limit:
        sql += f" LIMIT {int(limit)}"
    return await DB.fetch(sql, *params)


async def events_in_groups(group_ids: list[str], *, start: datetime, end: datetime | None = None,
                           limit: int | None = None) -> list[dict]:
    """Live events of these groups overlapping [start, end), by start, with the group columns.
    Two index ranges: the events starting from `LONG_SPAN` before `start` on, and the long ones
    that started earlier and are still on (before, one query walked every past event)."""
    if not group_ids:
        return []
    columns = "e.*, g.name AS group_name, g.color_index AS group_color_index, g.timezone AS group_timezone"
    # With a limit, the first events are picked in the index and only their rows are read: the
    # home page's next 8 of two weeks' 211 took 0.26 ms with every row sorted, 0.06 so (issue 17).
    select = (f"SELECT {'e.id, e.starts_at' if limit else columns} FROM event e"
              f"{'' if limit else ' JOIN grp g ON g.id = e.group_id'} WHERE e.group_id IN ({_marks(group_ids)})"
              " AND e.deleted_at IS NULL")
    until = " AND e.starts_at < ?" if end is not None else ""
    sql = (f"{select} AND e.starts_at >= ? AND COALESCE(e.ends_at, e.starts_at) >= ?{until}"
           f" UNION ALL {select} AND e.long_span = TRUE AND e.starts_at < ? AND e.ends_at >= ?{until}"
           " ORDER BY starts_at, id")
    bound = [start - LONG_SPAN, start, *([end] if end is not None else [])]
    params: list[Any] = [*group_ids, *bound, *group_ids, *bound]
    if limit:
        sql = (f"SELECT {columns} FROM ({sql} LIMIT {int(limit)}) f JOIN event e ON e.id = f.id"
               " JOIN grp g ON g.id = e.group_id ORDER BY f.starts_at, f.id")
    return await DB.fetch(sql, *params)


async def events_next_titles(group_id: str, since: datetime, limit: int = 3) -> list[dict]:
    """Title and start of the group's next events that are not cancelled."""
    return await DB.fetch(
        "SELECT title, starts_at FROM event WHERE group_id = ? AND deleted_at IS NULL AND cancelled_at IS NULL"
        f" AND starts_at >= ? ORDER BY starts_at, id LIMIT {int(limit)}",
        group_id, since,
    )


async def events_brief(event_ids: list[str]) -> list[dict]:
    """id, group_id, title, starts_at of these live events (what a sign-up sheet links to)."""
    if not event_ids:
        return []
    return await DB.fetch(
        f"SELECT id, group_id, title, starts_at FROM event WHERE id IN ({_marks(event_ids)}) AND deleted_at IS NULL",
        *event_ids,
    )


async def events_linkable(group_id: str, since: datetime, limit: int = 50) -> list[dict]:
    """id, title, starts_at of the group's events from `since` on that are not cancelled."""
    return await DB.fetch(
        "SELECT id, title, starts_at FROM event WHERE group_id = ? AND deleted_at IS NULL"
        f" AND cancelled_at IS NULL AND starts_at >= ? ORDER BY starts_at, id LIMIT {int(limit)}",
        group_id, since,
    )


# -- changes and who saw them -------------------------------------------------------------------
async def event_changes_unseen(member_ids: list[str], event_ids: list[str]) -> list[dict]:
    """For events one of these members saw in an older version: the change right after the
    version they saw, with the event's current time and place."""
    if not member_ids or not event_ids:
        return []
    return await DB.fetch(
        "SELECT e.id, e.version, e.starts_at AS new_starts_at, e.ends_at AS new_ends_at,"
        " e.location AS new_location, e.cancelled_at, c.old_starts_at, c.old_ends_at, c.old_location"
        f" FROM event e JOIN event_seen s ON s.event_id = e.id AND s.member_id IN ({_marks(member_ids)})"
        " JOIN event_change c ON c.event_id = e.id AND c.version = s.version + 1"
        f" WHERE e.id IN ({_marks(event_ids)}) AND s.version < e.version AND e.deleted_at IS NULL",
        *member_ids, *event_ids,
    )


async def event_seen_mark(event_id: str, member_id: str, version: int, at: datetime) -> None:
    """This member has seen this version (never moves back to an older one)."""
    await DB.execute(
        "INSERT INTO event_seen (event_id, member_id, version, seen_at) VALUES (?,?,?,?)"
        " ON CONFLICT (event_id, member_id) DO UPDATE SET version = excluded.version, seen_at = excluded.seen_at"
        " WHERE excluded.version >= event_seen.version",
        event_id, member_id, version, at,
    )


# -- RSVPs --------------------------------------------------------------------------------------
async def rsvp_upsert(*, event_id: str, member_id: str, status: str, note: str, guests: int, answered_at: datetime,
                      seq: int) -> None:
    await DB.execute(
        "INSERT INTO rsvp (event_id, member_id, status, note, guests, answered_at, seq, open_until)"
        f" VALUES (?,?,?,?,?,?,?,{_OPEN_UNTIL.format('?')})"
        " ON CONFLICT (event_id, member_id) DO UPDATE SET status = excluded.status, note = excluded.note,"
        " guests = excluded.guests, answered_at = excluded.answered_at, seq = excluded.seq,"
        " open_until = excluded.open_until",
        event_id, member_id, status, note, guests, answered_at, seq, event_id,
    )


# An answer as pages and the API show it (not `open_until`, the dashboards' bookkeeping).
_ANSWER = "event_id, member_id, status, note, guests, answered_at, seq"


async def rsvp_get(event_id: str, member_id: str) -> dict | None:
    return await DB.fetchone(f"SELECT {_ANSWER} FROM rsvp WHERE event_id = ? AND member_id = ?", event_id, member_id)


PAIRS_OR = 50


async def rsvps_of_pairs(pairs: list[tuple[str, str]]) -> list[dict]:
    """The answers of these (event, member) pairs: one index probe each (an IN list of events
    and one of members made SQLite walk each member's answers: 0.17 ms for 8 events, 0.01 so).
    Many pairs (a calendar's) as the two lists: an OR per pair nests as deep as it is long."""
    if len(pairs) > PAIRS_OR:
        return await rsvps_of_members(list({m for _e, m in pairs}), [e for e, _m in pairs])
    if not pairs:
        return []
    return await DB.fetch(f"SELECT {_ANSWER} FROM rsvp WHERE " + " OR ".join("(event_id = ? AND member_id = ?)" for _ in pairs),
                          *[value for pair in pairs for value in pair])


async def rsvps_of_members(member_ids: list[str], event_ids: list[str]) -> list[dict]:
    """These members' answers to these events."""
    if not member_ids or not event_ids:
        return []
    return await DB.fetch(
        f"SELECT {_ANSWER} FROM rsvp WHERE member_id IN ({_marks(member_ids)}) AND event_id IN ({_marks(event_ids)})",
        *member_ids, *event_ids,
    )


async def rsvp_answers(event_id: str, roles: list[str] | tuple[str, ...]) -> list[dict]:
    """Who answered (active members with one of these roles): yes first, then maybe, then no, by name."""
    return await DB.fetch(
        "SELECT m.id AS member_id, m.display_name, r.status, r.note, r.guests, r.answered_at"
        f" FROM rsvp r JOIN member m ON m.id = r.member_id AND m.status = 'active' AND {_in_roles('m.role', roles)}"
        " WHERE r.event_id = ? ORDER BY CASE r.status WHEN 'yes' THEN 0 WHEN 'maybe' THEN 1 ELSE 2 END,"
        " lower(m.display_name), m.id",
        *roles, event_id,
    )


async def rsvp_counts(event_ids: list[str], roles: list[str] | tuple[str, ...]) -> list[dict]:
    """Per event and status: how many answered (active members with one of these roles) and the
    guests "yes" brings along (`g`)."""
    if not event_ids:
        return []
    return await DB.fetch(
        "SELECT r.event_id, r.status, COUNT(*) AS n,"
        # PostgreSQL's SUM of integers is a bigint/numeric: cast back so both engines give an int.
        " CAST(SUM(CASE WHEN r.status = 'yes' THEN r.guests ELSE 0 END) AS INTEGER) AS g"
        f" FROM rsvp r JOIN member m ON m.id = r.member_id AND m.status = 'active' AND {_in_roles('m.role', roles)}"
        f" WHERE r.event_id IN ({_marks(event_ids)}) GROUP BY r.event_id, r.status",
        *roles, *event_ids,
    )


async def events_answered_by(member_id: str) -> list[dict]:
    """id, group_id of the live events this member answered."""
    return await DB.fetch(
        "SELECT DISTINCT e.id, e.group_id FROM event e JOIN rsvp r ON r.event_id = e.id"
        " WHERE r.member_id = ? AND e.deleted_at IS NULL",
        member_id,
    )


async def rsvps_delete_of_member(member_id: str) -> None:
    await DB.execute("DELETE FROM rsvp WHERE member_id = ?", member_id)
