"""Events and RSVPs (SPEC §7): start/end in the group's timezone (stored UTC), location,
description, files, "RSVP required", an answer deadline; changes of time or place are tracked.

Rules:
- Creating is `object.create`; editing, cancelling and deleting is `object.edit`.
- A title has 1–120 characters; the end may not be before the start; the answer deadline may
  not be after the start. Naive times are the group's timezone.
- Every change of start, end or place, and a cancel, raises `version` by one, writes an
  `event_change` row and notifies every active member but the editor ("event_change").
- A member who saw (opened or answered) an older version sees "changed: was … now …" until they
  open the event again; a member who never saw it just sees the event as it is.
- Cancelled events stay visible, struck through, with the reason. Nobody answers them.
- RSVP is `act` (everyone but guests): yes / no / maybe, an optional note, 0–20 guests; it can
  be changed until the deadline (409 after it) and until the event is over.
- Counts: yes / no / maybe, guests brought along by a "yes", and "no answer" = active members
  who may answer (guests cannot) minus those who did. Admins also see who hasn't answered.
- Answers (RSVPs) live in `rsvps.py`; someone who leaves loses them (`domain.areas`).
- Every write takes the group's next `seq`; an RSVP carries its own so a home server can see
  that this member answered; deleting leaves a tombstone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from groupbox import timefmt
from groupbox.access import Actor, can, require, roles_that
from groupbox.db.engine import DB
from groupbox.db.full import best_effort
from groupbox.domain.files import service as files
from groupbox.domain.groups.service import group_get
from groupbox.domain.inputs import UNSET
from groupbox.domain.notify import service as notify
from groupbox.domain.objects import common
from groupbox.domain.objects.announcements import clean_file_ids

# Answers live in their own module; these names stay importable from here.
from groupbox.domain.objects.rsvps import clean_guests as clean_guests
from groupbox.domain.objects.rsvps import clean_note as clean_note
from groupbox.domain.objects.rsvps import clean_status as clean_status
from groupbox.domain.objects.rsvps import counts_for
from groupbox.domain.objects.rsvps import forget_member_rsvps as forget_member_rsvps
from groupbox.domain.objects.rsvps import rsvp as rsvp
from groupbox.domain.objects.schemas import EventInput
from groupbox.domain.objects.store import events as store
from groupbox.errors import Conflict, Invalid
from groupbox.i18n import _, deferred, lazy
from groupbox.text import plain_excerpt
from groupbox.util import as_utc, new_id, now

OBJECT_TYPE = "event"
TITLE_MAX = 120
LOCATION_MAX = 200
DESCRIPTION_MAX = 10000
REASON_MAX = 300
# An event without an end counts as over this long after it starts.
DEFAULT_LENGTH = timedelta(hours=2)


# -- validation (shared by forms, API and CLI) --------------------------------------------------
def clean_title(raw: str | None) -> str:
    return common.clean_line(raw, field="title", max_len=TITLE_MAX, empty=_("Give the event a title."))


def clean_location(raw: str | None) -> str:
    return common.clean_line(raw, field="location", max_len=LOCATION_MAX)


def clean_description(raw: str | None) -> str:
    return common.clean_text(raw, field="description", max_len=DESCRIPTION_MAX)


def clean_time(raw: Any, tz: str, field: str, *, required: bool = False) -> datetime | None:
    """ISO 8601 with an offset, or a naive time in the group's zone (a form's datetime-local)."""
    value = timefmt.clean_moment(raw, tz, field, example="2026-11-28 10:00")
    if value is None:
        if required:
            raise Invalid(_("When does it start?"), field=field)
        return None
    if not 1970 <= value.year <= 2200:
        raise Invalid(_("Enter a date between 1970 and 2200."), field=field)
    return value


def clean_schedule(starts_at: datetime, ends_at: datetime | None, deadline: datetime | None) -> None:
    if ends_at is not None and ends_at < starts_at:
        raise Invalid(_("The end is before the start."), field="ends_at")
    if deadline is not None and deadline > starts_at:
        raise Invalid(_("The answer deadline must be before the event starts."), field="rsvp_deadline")


def clean_reason(raw: str | None) -> str:
    reason = " ".join((raw or "").split())
    if len(reason) > REASON_MAX:
        raise Invalid(_("Please use at most {n} characters.", n=REASON_MAX), field="reason")
    return reason


def _collect(checks: list[tuple[str, Any]]) -> dict[str, Any]:
    """Run (name, thunk) validators; raise one Invalid carrying every field's message."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, check in checks:
        try:
            values[name] = check()
        except Invalid as exc:
            errors.update(exc.errors)
    if errors:
        raise Invalid(next(iter(errors.values())), errors=errors)
    return values


def url_of(event_id: str) -> str:
    return f"/events/{event_id}"


def end_of(event: dict) -> datetime:
    return as_utc(event["ends_at"]) if event["ends_at"] else as_utc(event["starts_at"]) + DEFAULT_LENGTH


def time_place(event: dict, tz: str, starts_key: str = "starts_at", location_key: str = "location") -> str:
    """'Sat 28 Nov 10:00 · Park' — for notifications (no "tomorrow": they are read later)."""
    text = f"{timefmt.day(event[starts_key], tz)} {timefmt.hm(event[starts_key], tz)}"
    return f"{text} · {event[location_key]}" if event.get(location_key) else text


# -- reading ------------------------------------------------------------------------------------
async def _row(event_id: str) -> dict:
    return await common.live_row("event", event_id)


async def _eligible(group_id: str) -> list[dict]:
    return await common.acting_members(group_id)


async def unseen_changes(member_id: str | list[str], event_ids: list[str]) -> dict[str, dict]:
    """event id -> {old_starts_at, old_ends_at, old_location, new_starts_at, new_ends_at,
    new_location, cancelled, version} for events this member saw (opened or answered) in an
    older version. `member_id` may be a list (a person's member ids across groups)."""
    members = [member_id] if isinstance(member_id, str) else list(member_id)
    rows = await store.event_changes_unseen(members, event_ids)
    return {
        row["id"]: {
            "old_starts_at": row["old_starts_at"], "old_ends_at": row["old_ends_at"],
            "old_location": row["old_location"], "new_starts_at": row["new_starts_at"],
            "new_ends_at": row["new_ends_at"], "new_location": row["new_location"],
            "cancelled": row["cancelled_at"] is not None, "version": row["version"],
        }
        for row in rows
    }


async def _decorate(rows: list[dict], actor: Actor, group: dict, *, as_rows: bool = False) -> list[dict]:
    """Add what pages and the API show: counts, my answer, my unseen change, author, files.
    `as_rows`: only what an event's row shows (`ui.event_row`: no author, no files, and the
    counts only for an admin, who is the only one shown them there)."""
    if not rows:
        return rows
    ids = [r["id"] for r in rows]
    membership = actor.membership(group["id"])
    me = membership.member_id if membership else ""
    counts = await counts_for(ids, group["id"]) if not as_rows or can(actor, "group.admin", group) else None
    mine = {r["event_id"]: r for r in await store.rsvps_of_members([me] if me else [], ids)}
    changes = await unseen_changes(me, ids) if me else {}
    names = {} if as_rows else await common.member_names([r["author_id"] for r in rows if r["author_id"]])
    attached = {} if as_rows else await files.attachments(OBJECT_TYPE, ids)
    stamp = now()
    may_answer = can(actor, "act:rsvp", group)
    for row in rows:
        if not as_rows:
            author = names.get(row["author_id"] or "")
            row["author_name"] = author["display_name"] if author else ""
            row["files"] = attached.get(row["id"], [])
        if counts is not None:
            row["counts"] = counts[row["id"]]
        row["url"] = url_of(row["id"])
        row["rsvp_required"], row["stays_here"] = bool(row["rsvp_required"]), bool(row["stays_here"])
        row["cancelled"] = row["cancelled_at"] is not None
        row["my_rsvp"] = mine.get(row["id"])
        row["change"] = changes.get(row["id"])
        row["changed"] = row["change"] is not None
        row["is_past"] = end_of(row) < stamp
        row["deadline_passed"] = row["rsvp_deadline"] is not None and as_utc(row["rsvp_deadline"]) < stamp
        row["can_answer"] = (may_answer and not row["cancelled"] and not row["is_past"]
                             and not row["deadline_passed"])
        row["group_timezone"] = group["timezone"]
    return rows


async def events_list(actor: Actor, group_id: str, *, past: bool = False, limit: int | None = None,
                      as_rows: bool = False) -> list[dict]:
    """Upcoming events by start time (cancelled ones included, struck through), or past ones,
    most recent first. `as_rows`: decorated only for `ui.event_row` (see `_decorate`)."""
    group = await group_get(actor, group_id)
    stamp = now()
    rows = await store.events_of_group(group_id, past=past, upcoming_from=stamp - DEFAULT_LENGTH, at=stamp,
                                       limit=limit)
    return await _decorate(rows, actor, group, as_rows=as_rows)


async def event_get(actor: Actor, event_id: str) -> dict:
    """One event for someone in its group (NotFound otherwise). Admins also get `answers`
    (who said what, with notes) and `no_answer_members`."""
    row = await _row(event_id)
    group = await group_get(actor, row["group_id"])
    (row,) = await _decorate([row], actor, group)
    row["can_edit"] = can(actor, "object.edit", row, group)
    if can(actor, "group.admin", group):
        answers = await store.rsvp_answers(event_id, roles_that("act"))
        answered = {a["member_id"] for a in answers}
        row["answers"] = answers
        row["no_answer_members"] = [m for m in await _eligible(group["id"]) if m["id"] not in answered]
    return row


async def _mark_seen(event_id: str, member_id: str, version: int) -> None:
    await store.event_seen_mark(event_id, member_id, version, now())


async def event_view(actor: Actor, event_id: str) -> dict:
    """Open an event: as `event_get` (with the change since my last look, if any), and from now
    on I have seen this version."""
    row = await event_get(actor, event_id)
    membership = actor.membership(row["group_id"])
    if membership:
        async with best_effort("an event seen"):
            await _mark_seen(event_id, membership.member_id, row["version"])
    return row


# -- writing ------------------------------------------------------------------------------------
def _field(data: EventInput, name: str, default: Any = None) -> Any:
    value = getattr(data, name)
    return default if value is UNSET else value


async def event_create(actor: Actor, group_id: str, data: EventInput) -> dict:
    """Create an event from `data` (the form's, the API's or the CLI's input)."""
    title, starts_at, ends_at = _field(data, "title"), _field(data, "starts_at"), _field(data, "ends_at")
    location, description = _field(data, "location", ""), _field(data, "description", "")
    rsvp_required, rsvp_deadline = _field(data, "rsvp_required", False), _field(data, "rsvp_deadline")
    file_ids, stays_here = _field(data, "file_ids"), _field(data, "stays_here", False)
    group = await group_get(actor, group_id)
    me = require(actor, "object.create", group)
    tz = group["timezone"]
    values = _collect([
        ("title", lambda: clean_title(title)),
        ("starts_at", lambda: clean_time(starts_at, tz, "starts_at", required=True)),
        ("ends_at", lambda: clean_time(ends_at, tz, "ends_at")),
        ("rsvp_deadline", lambda: clean_time(rsvp_deadline, tz, "rsvp_deadline")),
        ("location", lambda: clean_location(location)),
        ("description", lambda: clean_description(description)),
        ("file_ids", lambda: clean_file_ids(file_ids)),
    ])
    clean_schedule(values["starts_at"], values["ends_at"], values["rsvp_deadline"])
    event_id = new_id()
    stamp = now()
    async with DB.write():
        seq = await common.next_seq(group_id)
        await store.event_insert(
            event_id=event_id, group_id=group_id, author_id=me.member_id, title=values["title"],
            description=values["description"], location=values["location"], starts_at=values["starts_at"],
            ends_at=values["ends_at"], rsvp_required=bool(rsvp_required), rsvp_deadline=values["rsvp_deadline"],
            stays_here=bool(stays_here), seq=seq, stamp=stamp,
        )
        await files.attach(group_id, OBJECT_TYPE, event_id, values["file_ids"])
        await _mark_seen(event_id, me.member_id, 1)
        await notify.notify(
            await common.active_member_ids(group_id), "event_new", group_id=group_id,
            title=lazy("New event: {title}", title=values["title"]),
            body=deferred(lambda: time_place(values, tz)),
            url=url_of(event_id), object_type=OBJECT_TYPE, object_id=event_id, exclude_member=me.member_id,
        )
    return await event_get(actor, event_id)


def _given(changes: dict, key: str) -> bool:
    return key in changes and changes[key] is not None


def _stale(row: dict, tz: str) -> Conflict:
    return Conflict(_("Someone else changed this event while you were editing it (now: {title}, {when}). "
                      "Reload to see their version.", title=row["title"], when=time_place(row, tz)))


async def event_update(actor: Actor, event_id: str, data: EventInput) -> dict:
    """Edit an event with `data` (only the fields present change; None or "" clears `ends_at` and
    `rsvp_deadline`).
    A new start without a new end keeps the length; `file_ids` replaces the list.
    `cancelled=True` (with `reason`) cancels, `cancelled=False` brings a cancelled event back.

    No lost updates: the edit is made from the revision read here (or `base_revision`, the one
    the editor's form showed) and saves only if the event is still at it; otherwise Conflict."""
    changes = data.given(clears=("ends_at", "rsvp_deadline"))
    for key in ("ends_at", "rsvp_deadline"):
        if key in changes and changes[key] is None:
            changes[key] = ""  # null clears
    base_revision = changes.pop("base_revision", None)
    row = await _row(event_id)
    group = await group_get(actor, row["group_id"])
    me = require(actor, "object.edit", row, group)
    tz = group["timezone"]
    if base_revision is not None and base_revision != row["revision"]:
        raise _stale(row, tz)
    checks: list[tuple[str, Any]] = []
    for key, cleaner in (("title", clean_title), ("location", clean_location), ("description", clean_description),
                         ("reason", clean_reason)):
        if _given(changes, key):
            checks.append((key, lambda c=cleaner, k=key: c(changes[k])))
    for key in ("starts_at", "ends_at", "rsvp_deadline"):
        if _given(changes, key):
            checks.append((key, lambda k=key: clean_time(changes[k], tz, k, required=k == "starts_at")))
    if _given(changes, "file_ids"):
        checks.append(("file_ids", lambda: clean_file_ids(changes["file_ids"])))
    values = _collect(checks)
    if "starts_at" in values and not _given(changes, "ends_at") and row["ends_at"] is not None:
        # Moving the start moves the end with it (the length stays) unless a new end is given.
        values["ends_at"] = as_utc(row["ends_at"]) + (values["starts_at"] - as_utc(row["starts_at"]))
    merged = {**row, **{k: v for k, v in values.items() if k not in ("reason", "file_ids")}}
    clean_schedule(as_utc(merged["starts_at"]), merged["ends_at"] and as_utc(merged["ends_at"]),
                   merged["rsvp_deadline"] and as_utc(merged["rsvp_deadline"]))

    updates: dict[str, Any] = {}
    for key in ("title", "description", "location", "starts_at", "ends_at", "rsvp_deadline"):
        if key in values and values[key] != (row[key] if not isinstance(row[key], datetime) else as_utc(row[key])):
            updates[key] = values[key]
    for flag in ("rsvp_required", "stays_here"):
        if _given(changes, flag) and bool(changes[flag]) != bool(row[flag]):
            updates[flag] = bool(changes[flag])
    moved = any(key in updates for key in ("starts_at", "ends_at", "location"))
    cancelling = _given(changes, "cancelled") and bool(changes["cancelled"]) and row["cancelled_at"] is None
    reinstating = _given(changes, "cancelled") and not changes["cancelled"] and row["cancelled_at"] is not None
    if cancelling:
        updates["cancelled_at"] = now()
        updates["cancel_reason"] = values.get("reason", "")
    elif reinstating:
        updates["cancelled_at"] = None
        updates["cancel_reason"] = ""
    elif "reason" in values and row["cancelled_at"] is not None and values["reason"] != row["cancel_reason"]:
        updates["cancel_reason"] = values["reason"]
    file_ids = values.get("file_ids")
    if not updates and file_ids is None:
        return await event_get(actor, event_id)

    stamp = now()
    async with DB.write():
        if moved or cancelling or reinstating:
            updates["version"] = row["version"] + 1
            after = {**row, **updates}
            await store.event_change_insert(
                change_id=new_id(), event_id=event_id, version=updates["version"], before=row, after=after,
                cancelled=after["cancelled_at"] is not None, changed_by=me.member_id, changed_at=stamp,
            )
        if "starts_at" in updates or "ends_at" in updates:
            updates["long_span"] = store.long_span(as_utc(merged["starts_at"]),
                                                   as_utc(merged["ends_at"]) if merged["ends_at"] else None)
        updates["seq"] = await common.next_seq(row["group_id"])
        updates["updated_at"] = stamp
        updates["revision"] = row["revision"] + 1
        saved = await store.event_update_at_revision(event_id, row["revision"], updates)
        if saved != 1:  # another edit landed since we read the event: roll back, tell the editor
            raise _stale(await _row(event_id), tz)
        if file_ids is not None:
            await files.detach_all(OBJECT_TYPE, event_id)  # a new list replaces the old one
            await files.attach(row["group_id"], OBJECT_TYPE, event_id, file_ids)
        if "version" in updates:
            await _mark_seen(event_id, me.member_id, updates["version"])
            await _notify_change(row, {**row, **updates}, tz, me.member_id, cancelling, reinstating)
    return await event_get(actor, event_id)


async def _notify_change(before: dict, after: dict, tz: str, editor: str, cancelled: bool, reinstated: bool) -> None:
    if cancelled:
        title = lazy("Cancelled: {title}", title=after["title"])
        body = plain_excerpt(after["cancel_reason"], 300) or deferred(lambda: time_place(before, tz))
    elif reinstated:
        title = lazy("On again: {title}", title=after["title"])
        body = deferred(lambda: time_place(after, tz))
    else:
        title = lazy("Moved: {title}", title=after["title"])
        body = lazy("was {old}, now {new}", old=deferred(lambda: time_place(before, tz)),
                    new=deferred(lambda: time_place(after, tz)))
    await notify.notify(
        await common.active_member_ids(after["group_id"]), "event_change", group_id=after["group_id"], title=title,
        body=body, url=url_of(after["id"]), object_type=OBJECT_TYPE, object_id=after["id"],
        exclude_member=editor,
    )


async def event_cancel(actor: Actor, event_id: str, reason: str = "") -> dict:
    return await event_update(actor, event_id, EventInput(cancelled=True, reason=reason))


async def event_delete(actor: Actor, event_id: str) -> dict:
    """Delete (soft): gone for everyone, a tombstone for sync. Cancelling is usually kinder."""
    row = await _row(event_id)
    group = await group_get(actor, row["group_id"])
    require(actor, "object.edit", row, group)
    async with DB.write():
        await common.soft_delete(OBJECT_TYPE, row)
        await store.rsvps_reopen(event_id)  # its answers no longer count as owed to an open event
    return row


# -- across groups (home dashboard, calendar, "Needs me") ----------------------------------------
async def events_between(actor: Actor, group_ids: list[str] | None = None, *, start: datetime | None = None,
                         end: datetime | None = None, limit: int | None = None) -> list[dict]:
    """Calendar entries across my groups by start time: events overlapping [start, end)
    (default: from now on). Rows carry `url`, `my_rsvp` (status or None), `changed`, `change`,
    `cancelled` and the group columns."""
    mine = actor.members_in(group_ids)
    if not mine:
        return []
    rows = await store.events_in_groups(list(mine), start=start or now() - DEFAULT_LENGTH, end=end, limit=limit)
    if not rows:
        return rows
    ids = [r["id"] for r in rows]
    members = list(mine.values())
    answers = {r["event_id"]: r["status"] for r in await store.rsvps_of_pairs(
        [(row["id"], mine[row["group_id"]]) for row in rows])}
    changes = await unseen_changes(members, ids)
    for row in rows:
        row["url"] = url_of(row["id"])
        row["my_rsvp"] = answers.get(row["id"])
        row["change"] = changes.get(row["id"])
        row["changed"] = row["change"] is not None
        row["cancelled"] = row["cancelled_at"] is not None
        row["rsvp_required"], row["stays_here"] = bool(row["rsvp_required"]), bool(row["stays_here"])
    return rows


# -- hooks --------------------------------------------------------------------------------------
async def preview_upcoming(group: dict) -> list[dict]:
    """For the join page: the next three events' titles and days, no names of people."""
    rows = await store.events_next_titles(group["id"], now(), limit=3)
    return [{"title": r["title"], "when": timefmt.day(r["starts_at"], group["timezone"])} for r in rows]

