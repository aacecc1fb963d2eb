"""JSON API for events and RSVPs (SPEC §15, §15.1). Thin: parse, call the service, shape.
Times go out as ISO 8601 in UTC; they come in with an offset, or naive in the group's zone."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import Request, delete, get, patch, post

from groupbox.access import Actor
from groupbox.domain.objects import events
from groupbox.domain.objects.schemas import EventCreate, EventInput
from groupbox.domain.remote import sync as remote_sync
from groupbox.web.openapi import errors
from groupbox.web.support import SIGNED_IN, config_of


class RsvpIn(msgspec.Struct):
    status: str
    note: str | None = None
    guests: int | None = None


class Counts(msgspec.Struct):
    yes: int
    no: int
    maybe: int
    guests: int
    answered: int
    no_answer: int


class RsvpOut(msgspec.Struct):
    event_id: str
    member_id: str
    status: str
    note: str
    guests: int
    answered_at: datetime


class RsvpResult(msgspec.Struct):
    """The RSVP (flat, and as `rsvp`) with the event's counts."""

    event_id: str
    member_id: str
    status: str
    note: str
    guests: int
    answered_at: datetime
    rsvp: RsvpOut
    counts: Counts
    url: str


class ChangeOut(msgspec.Struct):
    old_starts_at: datetime
    old_ends_at: datetime | None
    old_location: str
    new_starts_at: datetime
    new_ends_at: datetime | None
    new_location: str
    cancelled: bool


class FileOut(msgspec.Struct):
    id: str
    display_name: str
    content_type: str
    size: int
    url: str


class MemberBrief(msgspec.Struct):
    id: str
    display_name: str


class AnswerOut(msgspec.Struct):
    member_id: str
    display_name: str
    status: str
    note: str
    guests: int


class EventOut(msgspec.Struct, omit_defaults=True):
    id: str
    group_id: str
    url: str
    title: str
    description: str
    location: str
    starts_at: datetime
    ends_at: datetime | None
    rsvp_required: bool
    rsvp_deadline: datetime | None
    cancelled: bool
    cancelled_at: datetime | None
    cancel_reason: str
    version: int
    revision: int
    stays_here: bool
    author_id: str | None
    author_name: str
    created_at: datetime
    updated_at: datetime
    seq: int
    counts: Counts
    my_rsvp: str | None
    changed: bool
    change: ChangeOut | None
    files: list[FileOut]
    # admins only
    answers: list[AnswerOut] | None = None
    no_answer_members: list[MemberBrief] | None = None


class EventList(msgspec.Struct):
    items: list[EventOut]


def file_out(row: dict) -> FileOut:
    return FileOut(row["id"], row["display_name"], row["content_type"], row["size"], f"/files/{row['id']}")


def event_out(row: dict) -> EventOut:
    change = row.get("change")
    return EventOut(
        id=row["id"], group_id=row["group_id"], url=row["url"], title=row["title"], description=row["description"],
        location=row["location"], starts_at=row["starts_at"], ends_at=row["ends_at"],
        rsvp_required=row["rsvp_required"], rsvp_deadline=row["rsvp_deadline"], cancelled=row["cancelled"],
        cancelled_at=row["cancelled_at"], cancel_reason=row["cancel_reason"], version=row["version"], revision=row["revision"],
        stays_here=row["stays_here"], author_id=row["author_id"], author_name=row["author_name"],
        created_at=row["created_at"], updated_at=row["updated_at"], seq=row["seq"], counts=Counts(**row["counts"]),
        my_rsvp=row["my_rsvp"]["status"] if row["my_rsvp"] else None, changed=row["changed"],
        change=ChangeOut(**{k: change[k] for k in ChangeOut.__struct_fields__}) if change else None,
        files=[file_out(f) for f in row["files"]],
        answers=[AnswerOut(a["member_id"], a["display_name"], a["status"], a["note"], a["guests"])
                 for a in row["answers"]] if "answers" in row else None,
        no_answer_members=[MemberBrief(m["id"], m["display_name"]) for m in row["no_answer_members"]]
        if "no_answer_members" in row else None,
    )


@get("/api/groups/{group_id:str}/events", guards=SIGNED_IN, tags=["events"])
async def events_list(actor: Actor, group_id: str, past: bool = False) -> EventList:
    """Upcoming events by start time; `?past=1` for past ones, most recent first."""
    return EventList(items=[event_out(row) for row in await events.events_list(actor, group_id, past=past)])


@post("/api/groups/{group_id:str}/events", guards=SIGNED_IN, tags=["events"])
async def events_create(actor: Actor, group_id: str, data: EventCreate) -> EventOut:
    return event_out(await events.event_create(actor, group_id, data))


@get("/api/events/{event_id:str}", guards=SIGNED_IN, tags=["events"])
async def events_get(actor: Actor, event_id: str) -> EventOut:
    return event_out(await events.event_get(actor, event_id))


@patch("/api/events/{event_id:str}", guards=SIGNED_IN, tags=["events"], responses=errors(409))
async def events_update(actor: Actor, event_id: str, data: EventInput) -> EventOut:
    return event_out(await events.event_update(actor, event_id, data))


@delete("/api/events/{event_id:str}", guards=SIGNED_IN, tags=["events"])
async def events_delete(actor: Actor, event_id: str) -> None:
    await events.event_delete(actor, event_id)


@post("/api/events/{event_id:str}/rsvp", guards=SIGNED_IN, tags=["events"], status_code=200,
      responses=errors(409), opt={"bearer": True})  # a home server answers with a token (act:rsvp)
async def events_rsvp(request: Request, actor: Actor, event_id: str, data: RsvpIn) -> RsvpResult:
    await remote_sync.refuse_kept_here(actor, "event", event_id, config_of(request).name)
    result = await events.rsvp(actor, event_id, data.status, data.note, data.guests)
    answer = result["rsvp"]
    out = RsvpOut(answer["event_id"], answer["member_id"], answer["status"], answer["note"], answer["guests"],
                  answer["answered_at"])
    return RsvpResult(out.event_id, out.member_id, out.status, out.note, out.guests, out.answered_at, out,
                      Counts(**result["counts"]), result["event"]["url"])


HANDLERS = [events_list, events_create, events_get, events_update, events_delete, events_rsvp]
