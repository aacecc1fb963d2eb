"""Live updates over server-sent events (issue 17 item 5): `GET /live/thread/{id}` and `GET /live/me`;
the bus is groupbox/db/bus.py, the client static/live.js."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from litestar import Request, get
from litestar.exceptions import NotAuthorizedException
from litestar.response import ServerSentEvent, ServerSentEventMessage

from groupbox.access import Actor
from groupbox.db.bus import BUS
from groupbox.web.support import SIGNED_IN

HEARTBEAT = 25.0
RETRY_MS = 3000


def _session_only(request: Request) -> None:
    auth = request.scope.get("state", {}).get("auth")
    if not auth or auth[0] != "cookie":
        raise NotAuthorizedException()


async def _stream(state, first: dict | None = None) -> AsyncIterator[ServerSentEventMessage]:
    """Send `changed` whenever `state()` differs from before; a comment every HEARTBEAT seconds."""
    BUS.streams += 1  # the bus polls for other workers' writes only while streams are open
    try:
        last = await state()
        version = BUS.version
        loop = asyncio.get_running_loop()
        beat = loop.time() + HEARTBEAT
        yield ServerSentEventMessage(comment="live", retry=RETRY_MS)
        while not BUS.closing:
            version = await BUS.wait(version, max(0.0, beat - loop.time()))
            if BUS.closing:
                break
            if loop.time() >= beat:
                beat = loop.time() + HEARTBEAT
                yield ServerSentEventMessage(comment="keep-alive")
            current = await state()
            if current != last:
                last = current
                yield ServerSentEventMessage(event="changed", data=json.dumps(current))
    finally:
        BUS.streams -= 1


@get("/live/thread/{thread_id:str}", guards=SIGNED_IN, include_in_schema=False)
async def live_thread(request: Request, actor: Actor | None, thread_id: str) -> ServerSentEvent:
    from groupbox.domain.objects.store.threads import thread_marks
    from groupbox.domain.objects.threads import _visible_thread

    _session_only(request)
    if actor is None:
        raise NotAuthorizedException()
    await _visible_thread(actor, thread_id)  # 404 unless I may see it

    async def state() -> dict:
        row = await thread_marks(thread_id)
        return {"seq": row["seq"], "messages": row["message_count"]} if row else {}

    return ServerSentEvent(_stream(state), headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@get("/live/me", guards=SIGNED_IN, include_in_schema=False)
async def live_me(request: Request, actor: Actor | None) -> ServerSentEvent:
    from groupbox.domain.groups import store as groups_store
    from groupbox.domain.notify import service as notify

    _session_only(request)
    if actor is None:
        raise NotAuthorizedException()
    group_ids = sorted(actor.memberships)

    async def state() -> dict:
        seq = await groups_store.group_seq_sum(group_ids)
        return {"groups": seq, "notifications": await notify.unread_count(actor)}

    return ServerSentEvent(_stream(state), headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


HANDLERS = [live_thread, live_me]
