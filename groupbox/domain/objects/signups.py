"""Sign-up sheets (SPEC §7 "commitment"): an ask with slots, each with a capacity ("Drive to
Lobeckstraße: 3 seats", "Half-time snacks: 1"), that members commit to.

Rules:
- Creating a sheet is `object.create`; it may point at an event of the same group.
- Committing and withdrawing is `act` (members and up), while the sheet is open (no deadline
  passed, not closed by an editor); afterwards 409.
- One commitment per member per slot (committing again only changes the note).
- A slot never takes more people than its capacity: the count and the insert happen in one
  write transaction (`INSERT … SELECT … WHERE count < capacity` under BEGIN IMMEDIATE), so
  concurrent commits, even from several processes, never overfill it. A full slot is a 409.
- Everyone in the group sees who took what and what is still open.
- A member who leaves loses their commitments.
"""

from __future__ import annotations

from datetime import datetime

from groupbox.access import Actor, can, require
from groupbox.db.engine import DB
from groupbox.domain.groups import service as groups
from groupbox.domain.notify import service as notify
from groupbox.domain.objects import common
from groupbox.domain.objects.schemas import SignupCreate, SlotInput
from groupbox.domain.objects.store import events as event_store
from groupbox.domain.objects.store import signups as store
from groupbox.errors import Conflict, Invalid, NotFound
from groupbox.i18n import _, lazy
from groupbox.timefmt import clean_moment, start_of_local_day
from groupbox.util import new_id, now

TITLE_MAX = 200
DESCRIPTION_MAX = 5_000
LABEL_MAX = 120
NOTE_MAX = 200
MAX_SLOTS = 50
MAX_CAPACITY = 1000


# -- validation (one validator per input, shared by forms, API and CLI) -------------------------
def clean_title(raw: str | None) -> str:
    return common.clean_line(raw, field="title", max_len=TITLE_MAX, empty=_("Say what you need help with."))


def clean_description(raw: str | None) -> str:
    return common.clean_text(raw, field="description", max_len=DESCRIPTION_MAX)


def clean_note(raw: str | None) -> str:
    note = " ".join((raw or "").split())
    if len(note) > NOTE_MAX:
        raise Invalid(_("Keep the note to {n} characters.", n=NOTE_MAX), field="note")
    return note


def clean_closes_at(raw: str | datetime | None, tz: str) -> datetime | None:
    value = clean_moment(raw, tz, "closes_at", example="2026-05-28 10:00")
    if value is not None and value <= now():
        raise Invalid(_("Pick a deadline in the future."), field="closes_at")
    return value


def clean_slots(raw: list[SlotInput] | None, tz: str) -> list[dict]:
    """[{label, capacity, starts_at?}] → cleaned slots; 1–50 of them, capacity 1–1000."""
    slots = list(raw or [])
    if not slots:
        raise Invalid(_("Add at least one slot, e.g. “Drive to the match: 3”."), field="slots")
    if len(slots) > MAX_SLOTS:
        raise Invalid(_("Please use at most {n} slots.", n=MAX_SLOTS), field="slots")
    cleaned = []
    for slot in slots:
        label = " ".join(str(slot.label or "").split())
        if not label:
            raise Invalid(_("Every slot needs a name."), field="slots")
        if len(label) > LABEL_MAX:
            raise Invalid(_("Keep each slot name to {n} characters.", n=LABEL_MAX), field="slots")
        capacity = slot.capacity
        try:
            capacity = int(str(capacity).strip()) if capacity not in (None, "") else 1
        except (TypeError, ValueError):
            raise Invalid(_("“{label}”: how many people? Enter a number.", label=label), field="slots") from None
        if not 1 <= capacity <= MAX_CAPACITY:
            raise Invalid(_("“{label}”: between 1 and {n} people.", label=label, n=MAX_CAPACITY), field="slots")
        starts_at = clean_moment(slot.starts_at, tz, "slots", example="2026-05-28 10:00")
        cleaned.append({"label": label, "capacity": capacity, "starts_at": starts_at})
    return cleaned


async def _events(event_ids: list[str]) -> dict[str, dict]:
    """id -> {id, group_id, title, starts_at} for linked events that still exist."""
    rows = await event_store.events_brief([i for i in dict.fromkeys(event_ids) if i])
    return {r["id"]: r for r in rows}


async def linkable_events(actor: Actor, group_id: str) -> list[dict]:
    """Upcoming events of the group a sheet can point at (from the start of today, not cancelled)."""
    group = await groups.group_get(actor, group_id)
    return await event_store.events_linkable(group_id, start_of_local_day(now(), group["timezone"]), limit=50)


async def clean_event_id(group_id: str, raw: str | None) -> str | None:
    event_id = (raw or "").strip()
    if not event_id:
        return None
    event = (await _events([event_id])).get(event_id)
    if event is None or event["group_id"] != group_id:
        raise Invalid(_("That event is not in this group."), field="event_id")
    return event_id


# -- reading ------------------------------------------------------------------------------------
is_closed = common.is_closed


async def _row(signup_id: str) -> dict:
    return await common.live_row("signup", signup_id)


async def _slot_and_sheet(slot_id: str) -> tuple[dict, dict]:
    slot = await store.slot_get(slot_id)
    if slot is None:
        raise NotFound(_("Not found"))
    return slot, await _row(slot["signup_id"])


def _slot_view(slot: dict, people: list[dict], my_member: str | None) -> dict:
    taken = len(people)
    mine = next((p for p in people if p["id"] == my_member), None)
    return {
        **slot,
        "taken": taken,
        "open": max(slot["capacity"] - taken, 0),
        "full": taken >= slot["capacity"],
        "people": people,
        "mine": mine is not None,
        "my_note": mine["note"] if mine else "",
    }


async def _decorate(actor: Actor, rows: list[dict], group: dict | None = None) -> list[dict]:
    if not rows:
        return rows
    slots = await store.slots_of([r["id"] for r in rows])
    people: dict[str, list[dict]] = {}
    for c in await store.commitments_of([s["id"] for s in slots]):
        people.setdefault(c.pop("slot_id"), []).append(c)
    events = await _events([r["event_id"] for r in rows if r["event_id"]])
    names = await common.member_names([r["author_id"] for r in rows if r["author_id"]])
    groups_by_id: dict[str, dict] = {group["id"]: group} if group else {}
    slots_by_sheet: dict[str, list[dict]] = {}
    for slot in slots:
        slots_by_sheet.setdefault(slot["signup_id"], []).append(slot)
    for row in rows:
        gid = row["group_id"]
        if gid not in groups_by_id:
            groups_by_id[gid] = await groups.group_row(gid)
        g = groups_by_id[gid]
        me = actor.membership(gid)
        my_member = me.member_id if me else None
        row["slots"] = [_slot_view(s, people.get(s["id"], []), my_member) for s in slots_by_sheet.get(row["id"], [])]
        row["taken_total"] = sum(s["taken"] for s in row["slots"])
        row["capacity_total"] = sum(s["capacity"] for s in row["slots"])
        row["open_total"] = sum(s["open"] for s in row["slots"])
        row["closed"] = is_closed(row)
        row["may_commit"] = not row["closed"] and can(actor, "act", row, g)
        row["may_edit"] = can(actor, "object.edit", row, g)
        row["author_name"] = names.get(row["author_id"], {}).get("display_name", "") if row["author_id"] else ""
        event = events.get(row["event_id"]) if row["event_id"] else None
        row["event"] = {**event, "url": f"/events/{event['id']}"} if event else None
        row["url"] = f"/signups/{row['id']}"
        row["group"] = {"id": g["id"], "name": g["name"], "color_index": g["color_index"], "timezone": g["timezone"]}
    return rows


async def signup_get(actor: Actor, signup_id: str) -> dict:
    row = await _row(signup_id)
    require(actor, "group.view", row)
    return (await _decorate(actor, [row]))[0]


async def signups_list(actor: Actor, group_id: str, *, open_only: bool = False,
                       limit: int | None = None) -> list[dict]:
    """The group's sheets with their slots, newest first (only open ones with `open_only`)."""
    group = await groups.group_get(actor, group_id)
    rows = await _decorate(actor, await common.group_rows("signup", group_id, open_only=open_only, limit=limit), group)
    return [r for r in rows if not r["closed"]] if open_only else rows


async def signups_open_first(actor: Actor, group: dict, shown: int) -> tuple[list[dict], bool]:
    """For the group dashboard: the `shown` newest open sheets with their slots, and whether
    there are more (one row more is read, not counted apart)."""
    rows = await common.group_rows("signup", group["id"], open_only=True, limit=shown + 1)
    first = [r for r in await _decorate(actor, rows[:shown], group) if not r["closed"]]
    return first, len(rows) > shown


async def slot_get(actor: Actor, slot_id: str) -> dict:
    """One slot as the actor sees it (taken, open, people, mine), with `signup_id`."""
    _slot, sheet = await _slot_and_sheet(slot_id)
    require(actor, "group.view", sheet)
    decorated = (await _decorate(actor, [sheet]))[0]
    slot = next(s for s in decorated["slots"] if s["id"] == slot_id)
    return {**slot, "signup_title": decorated["title"], "closed": decorated["closed"]}


# -- writing ------------------------------------------------------------------------------------
async def signup_create(actor: Actor, group_id: str, data: SignupCreate) -> dict:
    """Put up a sheet from `data` (the form's, the API's or the CLI's input); the group hears of it."""
    group = await groups.group_get(actor, group_id)
    me = require(actor, "object.create", group)
    clean_t = clean_title(data.title)
    clean_desc = clean_description(data.description)
    clean_s = clean_slots(data.slots, group["timezone"])
    deadline = clean_closes_at(data.closes_at, group["timezone"])
    event = await clean_event_id(group_id, data.event_id)
    signup_id = new_id()
    stamp = now()
    async with DB.write():
        seq = await common.next_seq(group_id)
        await store.signup_insert(signup_id=signup_id, group_id=group_id, author_id=me.member_id, title=clean_t,
                                  description=clean_desc, event_id=event, closes_at=deadline, seq=seq, stamp=stamp,
                                  slots=clean_s)
        await notify.notify(await common.active_member_ids(group_id), "poll_new", group_id=group_id,
                            title=lazy("Sign-up: {title}", title=clean_t), url=f"/signups/{signup_id}",
                            object_type="signup", object_id=signup_id, exclude_member=me.member_id)
    return await signup_get(actor, signup_id)


async def commit(actor: Actor, slot_id: str, note: str | None = "") -> dict:
    """Take a place in a slot (or change the note on the place already taken)."""
    slot, sheet = await _slot_and_sheet(slot_id)
    group = await groups.group_row(sheet["group_id"])
    me = require(actor, "act", sheet, group)
    clean = clean_note(note)
    stamp = now()
    async with DB.write():
        current = await _row(sheet["id"])  # inside the lock: the sheet may have closed meanwhile
        if is_closed(current, stamp):
            raise Conflict(_("This sign-up sheet is closed."))
        taken = (await store.commitment_note_set(slot_id, me.member_id, clean)
                 or await store.commitment_insert_if_room(slot_id, me.member_id, clean, stamp))
        if not taken:
            if slot["capacity"] == 1:
                raise Conflict(_("Someone already took “{label}”. Pick another slot or ask the organiser.",
                                 label=slot["label"]))
            raise Conflict(_("“{label}” is full: all {n} places are taken. Pick another slot or ask the organiser.",
                             label=slot["label"], n=slot["capacity"]))
        await store.signup_touch(sheet["id"], await common.next_seq(sheet["group_id"]), stamp)
    return await slot_get(actor, slot_id)


async def withdraw(actor: Actor, slot_id: str) -> dict:
    """Give a place back (nothing happens if the actor had none)."""
    _slot, sheet = await _slot_and_sheet(slot_id)
    group = await groups.group_row(sheet["group_id"])
    me = require(actor, "act", sheet, group)
    stamp = now()
    async with DB.write():
        current = await _row(sheet["id"])
        if is_closed(current, stamp):
            raise Conflict(_("This sign-up sheet is closed; ask the organiser to change it."))
        if await store.commitment_delete(slot_id, me.member_id):
            await store.signup_touch(sheet["id"], await common.next_seq(sheet["group_id"]), stamp)
    return await slot_get(actor, slot_id)


async def signup_close(actor: Actor, signup_id: str) -> dict:
    """Close a sheet now (its editors): the list of who takes what is final."""
    row = await _row(signup_id)
    require(actor, "object.edit", row, await groups.group_row(row["group_id"]))
    await common.close_now("signup", row)
    return await signup_get(actor, signup_id)


async def signup_delete(actor: Actor, signup_id: str) -> dict:
    row = await _row(signup_id)
    require(actor, "object.edit", row, await groups.group_row(row["group_id"]))
    await common.soft_delete("signup", row)
    return row


# -- a member who leaves ------------------------------------------------------------------------
async def member_left(member_id: str) -> None:
    """Free the places of someone who left (inside the leaving transaction)."""
    await common.forget_member(member_id, "signup", store.signups_committed_by, store.commitments_delete_of_member)

