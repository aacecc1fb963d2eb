"""JSON API for polls (SPEC §15, §15.1). Thin: parse, call the service, shape.
Anonymous polls never carry voters' names; results appear only when the poll lets the
caller see them (then `votes`/`percent` are numbers, otherwise null)."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import Request, delete, get, post

from groupbox.access import Actor
from groupbox.domain.objects import polls
from groupbox.domain.objects.schemas import PollCreate
from groupbox.domain.remote import sync as remote_sync
from groupbox.web.openapi import NO_BODY, errors
from groupbox.web.support import SIGNED_IN, config_of


class PersonOut(msgspec.Struct):
    id: str
    display_name: str


class VoteIn(msgspec.Struct):
    option_ids: list[str]


class OptionOut(msgspec.Struct):
    id: str
    label: str
    position: int
    mine: bool
    votes: int | None
    percent: int | None
    voters: list[PersonOut] | None


class PollOut(msgspec.Struct):
    id: str
    group_id: str
    author_id: str | None
    author_name: str
    question: str
    description: str
    multiple: bool
    anonymous: bool
    results_visibility: str
    closes_at: datetime | None
    closed: bool
    closed_at: datetime | None
    results_visible: bool
    voter_count: int
    my_option_ids: list[str]
    options: list[OptionOut]
    stays_here: bool
    seq: int
    created_at: datetime
    updated_at: datetime
    url: str
    may_vote: bool
    may_edit: bool


class PollList(msgspec.Struct):
    items: list[PollOut]


def poll_out(row: dict) -> PollOut:
    return PollOut(
        id=row["id"], group_id=row["group_id"], author_id=row["author_id"], author_name=row["author_name"],
        question=row["question"], description=row["description"], multiple=bool(row["multiple"]),
        anonymous=bool(row["anonymous"]), results_visibility=row["results_visibility"], closes_at=row["closes_at"],
        closed=row["closed"], closed_at=row["closed_at"], results_visible=row["results_visible"],
        voter_count=row["voter_count"], my_option_ids=row["my_option_ids"],
        options=[
            OptionOut(id=o["id"], label=o["label"], position=o["position"], mine=o["mine"], votes=o["votes"],
                      percent=o["percent"],
                      voters=None if o["voters"] is None else [PersonOut(v["id"], v["display_name"])
                                                               for v in o["voters"]])
            for o in row["options"]
        ],
        stays_here=bool(row["stays_here"]), seq=row["seq"], created_at=row["created_at"],
        updated_at=row["updated_at"], url=row["url"], may_vote=row["may_vote"], may_edit=row["may_edit"],
    )


@get("/api/groups/{group_id:str}/polls", guards=SIGNED_IN, tags=["polls"])
async def polls_list(actor: Actor, group_id: str) -> PollList:
    return PollList(items=[poll_out(r) for r in await polls.polls_list(actor, group_id)])


@post("/api/groups/{group_id:str}/polls", guards=SIGNED_IN, tags=["polls"])
async def polls_create(actor: Actor, group_id: str, data: PollCreate) -> PollOut:
    return poll_out(await polls.poll_create(actor, group_id, data))


@get("/api/polls/{poll_id:str}", guards=SIGNED_IN, tags=["polls"])
async def polls_get(actor: Actor, poll_id: str) -> PollOut:
    return poll_out(await polls.poll_get(actor, poll_id))


@post("/api/polls/{poll_id:str}/vote", guards=SIGNED_IN, tags=["polls"], status_code=200, responses=errors(409),
      opt={"bearer": True})  # a home server votes with a token (act:vote)
async def polls_vote(request: Request, actor: Actor, poll_id: str, data: VoteIn) -> PollOut:
    """Cast or change my vote (replaces any earlier one) until the poll closes."""
    await remote_sync.refuse_kept_here(actor, "poll", poll_id, config_of(request).name)
    return poll_out(await polls.poll_vote(actor, poll_id, data.option_ids))


@post("/api/polls/{poll_id:str}/close", guards=SIGNED_IN, tags=["polls"], status_code=200, operation_class=NO_BODY)
async def polls_close(actor: Actor, poll_id: str) -> PollOut:
    return poll_out(await polls.poll_close(actor, poll_id))


@delete("/api/polls/{poll_id:str}", guards=SIGNED_IN, tags=["polls"])
async def polls_delete(actor: Actor, poll_id: str) -> None:
    await polls.poll_delete(actor, poll_id)


HANDLERS = [polls_list, polls_create, polls_get, polls_vote, polls_close, polls_delete]
