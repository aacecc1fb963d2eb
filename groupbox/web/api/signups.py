"""JSON API for sign-up sheets (SPEC §15, §15.1). Thin: parse, call the service, shape."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import delete, get, post

from groupbox.access import Actor
from groupbox.domain.objects import signups
from groupbox.domain.objects.schemas import SignupCreate
from groupbox.web.openapi import NO_BODY, errors
from groupbox.web.support import SIGNED_IN


class CommitIn(msgspec.Struct):
    note: str = ""


class CommitmentOut(msgspec.Struct):
    member_id: str
    display_name: str
    note: str
    committed_at: datetime


class SlotOut(msgspec.Struct):
    id: str
    signup_id: str
    label: str
    capacity: int
    starts_at: datetime | None
    position: int
    taken: int
    open: int
    full: bool
    mine: bool
    my_note: str
    people: list[CommitmentOut]


class EventBrief(msgspec.Struct):
    id: str
    title: str
    starts_at: datetime | None
    url: str


class SignupOut(msgspec.Struct):
    id: str
    group_id: str
    author_id: str | None
    author_name: str
    title: str
    description: str
    event_id: str | None
    event: EventBrief | None
    closes_at: datetime | None
    closed: bool
    closed_at: datetime | None
    taken_total: int
    capacity_total: int
    open_total: int
    slots: list[SlotOut]
    stays_here: bool
    seq: int
    created_at: datetime
    updated_at: datetime
    url: str
    may_commit: bool
    may_edit: bool


class SignupList(msgspec.Struct):
    items: list[SignupOut]


def slot_out(slot: dict) -> SlotOut:
    return SlotOut(
        id=slot["id"], signup_id=slot["signup_id"], label=slot["label"], capacity=slot["capacity"],
        starts_at=slot["starts_at"], position=slot["position"], taken=slot["taken"], open=slot["open"],
        full=slot["full"], mine=slot["mine"], my_note=slot["my_note"],
        people=[CommitmentOut(p["id"], p["display_name"], p["note"], p["committed_at"]) for p in slot["people"]],
    )


def signup_out(row: dict) -> SignupOut:
    event = row["event"]
    return SignupOut(
        id=row["id"], group_id=row["group_id"], author_id=row["author_id"], author_name=row["author_name"],
        title=row["title"], description=row["description"], event_id=row["event_id"],
        event=EventBrief(event["id"], event["title"], event["starts_at"], event["url"]) if event else None,
        closes_at=row["closes_at"], closed=row["closed"], closed_at=row["closed_at"],
        taken_total=row["taken_total"], capacity_total=row["capacity_total"], open_total=row["open_total"],
        slots=[slot_out(s) for s in row["slots"]], stays_here=bool(row["stays_here"]), seq=row["seq"],
        created_at=row["created_at"], updated_at=row["updated_at"], url=row["url"], may_commit=row["may_commit"],
        may_edit=row["may_edit"],
    )


@get("/api/groups/{group_id:str}/signups", guards=SIGNED_IN, tags=["signups"])
async def signups_list(actor: Actor, group_id: str) -> SignupList:
    return SignupList(items=[signup_out(r) for r in await signups.signups_list(actor, group_id)])


@post("/api/groups/{group_id:str}/signups", guards=SIGNED_IN, tags=["signups"])
async def signups_create(actor: Actor, group_id: str, data: SignupCreate) -> SignupOut:
    return signup_out(await signups.signup_create(actor, group_id, data))


@get("/api/signups/{signup_id:str}", guards=SIGNED_IN, tags=["signups"])
async def signups_get(actor: Actor, signup_id: str) -> SignupOut:
    return signup_out(await signups.signup_get(actor, signup_id))


@post("/api/signups/{signup_id:str}/close", guards=SIGNED_IN, tags=["signups"], status_code=200,
      operation_class=NO_BODY)
async def signups_close(actor: Actor, signup_id: str) -> SignupOut:
    return signup_out(await signups.signup_close(actor, signup_id))


@delete("/api/signups/{signup_id:str}", guards=SIGNED_IN, tags=["signups"])
async def signups_delete(actor: Actor, signup_id: str) -> None:
    await signups.signup_delete(actor, signup_id)


@post("/api/signups/slots/{slot_id:str}/commitment", guards=SIGNED_IN, tags=["signups"], responses=errors(409))
async def commitment_create(actor: Actor, slot_id: str, data: CommitIn | None = None) -> SlotOut:
    """Take a place in this slot (again: change the note). 409 when the slot is full or the
    sheet closed."""
    return slot_out(await signups.commit(actor, slot_id, data.note if data else ""))


@delete("/api/signups/slots/{slot_id:str}/commitment", guards=SIGNED_IN, tags=["signups"], responses=errors(409))
async def commitment_delete(actor: Actor, slot_id: str) -> None:
    """Give my place back."""
    await signups.withdraw(actor, slot_id)


HANDLERS = [
    signups_list, signups_create, signups_get, signups_close, signups_delete, commitment_create, commitment_delete,
]
