"""Acting on a connected server's items through the home server (SPEC §15.1 "Remote items on a
home server"): the local bodies, forwarded with the stored token. A group server that refuses
(401/403) answers 403 with its reason; one that cannot be asked answers 502 (docs/protocol.md)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, post
from litestar.openapi.datastructures import ResponseSpec

from groupbox.access import Actor
from groupbox.domain.remote import act
from groupbox.web.api.events import RsvpIn
from groupbox.web.api.polls import VoteIn
from groupbox.web.openapi import NO_BODY, ErrorBody, errors
from groupbox.web.support import SIGNED_IN, config_of

UPSTREAM = {**errors(409, 410, _409="The group server says it conflicts", _410="The group server says it is gone"),
            502: ResponseSpec(ErrorBody, generate_examples=False, description="The group server could not be asked "
                              "(down, too slow, an error or an unreadable answer); `detail` says which")}


async def _forward(request: Request, actor: Actor, connection_id: str, path: str, object_id: str, verb: str,
                   body: dict[str, Any] | None) -> dict[str, Any]:
    return await act.act(actor, config_of(request), connection_id, path, object_id, verb, body)


@post("/api/remote/servers/{connection_id:str}/events/{event_id:str}/rsvp", guards=SIGNED_IN, tags=["remote"],
      status_code=200, responses=UPSTREAM)
async def remote_event_rsvp(request: Request, actor: Actor, connection_id: str, event_id: str,
                            data: RsvpIn) -> dict[str, Any]:
    """RSVP to an event on a connected server (needs `act:rsvp` on the connection)."""
    return await _forward(request, actor, connection_id, "events", event_id, "rsvp", msgspec.structs.asdict(data))


@post("/api/remote/servers/{connection_id:str}/polls/{poll_id:str}/vote", guards=SIGNED_IN, tags=["remote"],
      status_code=200, responses=UPSTREAM)
async def remote_poll_vote(request: Request, actor: Actor, connection_id: str, poll_id: str,
                           data: VoteIn) -> dict[str, Any]:
    """Vote in a poll on a connected server (needs `act:vote`)."""
    return await _forward(request, actor, connection_id, "polls", poll_id, "vote", msgspec.structs.asdict(data))


@post("/api/remote/servers/{connection_id:str}/announcements/{announcement_id:str}/ack", guards=SIGNED_IN,
      tags=["remote"], status_code=200, operation_class=NO_BODY, responses=UPSTREAM)
async def remote_announcement_ack(request: Request, actor: Actor, connection_id: str,
                                  announcement_id: str) -> dict[str, Any]:
    """Acknowledge an announcement on a connected server (needs `act:acknowledge`)."""
    return await _forward(request, actor, connection_id, "announcements", announcement_id, "ack", None)


@post("/api/remote/servers/{connection_id:str}/files/{file_id:str}/ack", guards=SIGNED_IN, tags=["remote"],
      status_code=200, operation_class=NO_BODY, responses=UPSTREAM)
async def remote_file_ack(request: Request, actor: Actor, connection_id: str, file_id: str) -> dict[str, Any]:
    """Acknowledge a file on a connected server (needs `act:acknowledge`)."""
    return await _forward(request, actor, connection_id, "files", file_id, "ack", None)


HANDLERS = [remote_event_rsvp, remote_poll_vote, remote_announcement_ack, remote_file_ack]
