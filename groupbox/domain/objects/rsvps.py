"""RSVPs: answers to events (SPEC §7). The rules are in `events`' docstring; this module holds
the answering, the counts and what a person still has to answer."""

from __future__ import annotations

from typing import Any

from groupbox import timefmt
from groupbox.access import Actor, require, roles_that
from groupbox.db.engine import DB
from groupbox.domain.groups import store as groups_store
from groupbox.domain.groups.service import group_get
from groupbox.domain.objects import common
from groupbox.domain.objects.store import events as store
from groupbox.errors import Conflict, Invalid
from groupbox.i18n import _
from groupbox.util import as_utc, now

NOTE_MAX = 200
GUESTS_MAX = 20
STATUSES = ("yes", "no", "maybe")


def clean_status(raw: str | None) -> str:
    status = (raw or "").strip().lower()
    if status not in STATUSES:
        raise Invalid(_("Answer yes, no or maybe."), field="status")
    return status


def clean_note(raw: str | None) -> str:
    note = " ".join((raw or "").split())
    if len(note) > NOTE_MAX:
        raise Invalid(_("Please use at most {n} characters.", n=NOTE_MAX), field="note")
    return note


def clean_guests(raw: Any) -> int:
    if raw is None or raw == "":
        return 0
    try:
        guests = int(raw)
    except (TypeError, ValueError):
        raise Invalid(_("Enter a number of guests from 0 to {n}.", n=GUESTS_MAX), field="guests") from None
    if not 0 <= guests <= GUESTS_MAX:
        raise Invalid(_("Enter a number of guests from 0 to {n}.", n=GUESTS_MAX), field="guests")
    return guests


async def counts_for(event_ids: list[str], group_id: str) -> dict[str, dict]:
    """event id -> {yes, no, maybe, guests, answered, no_answer} (answers of current members)."""
    roles = roles_that("act")
    eligible = await groups_store.member_count_active(group_id, list(roles))
    result = {eid: {"yes": 0, "no": 0, "maybe": 0, "guests": 0, "answered": 0, "no_answer": eligible}
              for eid in event_ids}
    for row in await store.rsvp_counts(event_ids, roles):
        counts = result[row["event_id"]]
        counts[row["status"]] = row["n"]
        counts["guests"] += row["g"] or 0
        counts["answered"] += row["n"]
        counts["no_answer"] = max(0, eligible - counts["answered"])
    return result


async def rsvp(actor: Actor, event_id: str, status: str, note: str | None = None, guests: Any = None) -> dict:
    """Answer (or change my answer). Returns {"rsvp": my row, "counts": the event's counts,
    "event": the event}."""
    from groupbox.domain.objects import events as ev

    row = await ev._row(event_id)
    group = await group_get(actor, row["group_id"])
    me = require(actor, "act:rsvp", row, group)
    values = ev._collect([("status", lambda: clean_status(status)), ("note", lambda: clean_note(note)),
                       ("guests", lambda: clean_guests(guests))])
    if values["status"] == "no":
        values["guests"] = 0
    stamp = now()
    tz = group["timezone"]
    if row["cancelled_at"] is not None:
        raise Conflict(_("“{title}” is cancelled, so there is nothing to answer.", title=row["title"]))
    if ev.end_of(row) < stamp:
        raise Conflict(_("“{title}” is over.", title=row["title"]))
    if row["rsvp_deadline"] is not None and as_utc(row["rsvp_deadline"]) < stamp:
        author = (await common.member_names([row["author_id"]])).get(row["author_id"] or "")
        who = author["display_name"] if author and author["status"] == "active" else _("an admin of the group")
        deadline = f"{timefmt.day(row['rsvp_deadline'], tz)} {timefmt.hm(row['rsvp_deadline'], tz)}"
        raise Conflict(_("The RSVP deadline passed on {deadline}. Ask {who} if you need to change your answer.",
                         deadline=deadline, who=who))
    async with DB.write():
        seq = await common.next_seq(row["group_id"])
        await store.rsvp_upsert(event_id=event_id, member_id=me.member_id, status=values["status"],
                                note=values["note"], guests=values["guests"], answered_at=stamp, seq=seq)
        # Answering means having seen this version.
        await ev._mark_seen(event_id, me.member_id, row["version"])
    answer = await store.rsvp_get(event_id, me.member_id)
    counts = (await counts_for([event_id], row["group_id"]))[event_id]
    return {"rsvp": answer, "counts": counts, "event": {**row, "url": ev.url_of(event_id), "group_timezone": tz}}


async def forget_member_rsvps(member_id: str) -> None:
    """Someone left or was removed: their answers no longer count (the events they answered take a
    new change number: their counts changed, for "changed since" and home servers' sync)."""
    await common.forget_member(member_id, "event", store.events_answered_by, store.rsvps_delete_of_member)

