"""`/api/remote/servers`: the other groupbox servers my home server reads (SPEC §14, docs/protocol.md).
The token goes in once (connect) and never comes back out: answers carry `token_hint` only."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import Request, delete, get, post

from groupbox.access import Actor
from groupbox.domain.remote import connections
from groupbox.web.openapi import NO_BODY, errors
from groupbox.web.support import SIGNED_IN, config_of


class ConnectIn(msgspec.Struct):
    url: str
    token: str


class SyncOut(msgspec.Struct):
    state: str
    detail: str
    received: int
    counts: dict[str, int]


class ServerOut(msgspec.Struct):
    id: str
    url: str
    server_name: str
    protocol_version: str
    scopes: list[str]
    token_hint: str
    token_expires_at: datetime | None
    state: str
    state_detail: str
    insecure: bool
    created_at: datetime
    last_sync_at: datetime | None
    last_ok_at: datetime | None
    counts: dict[str, int]
    sync: SyncOut | None = None


def _out(row: dict, result: connections.SyncResult | None = None) -> ServerOut:
    return ServerOut(
        id=row["id"], url=row["url"], server_name=row["server_name"], protocol_version=row["protocol_version"],
        scopes=row["scopes"].split(), token_hint=row["token_hint"], token_expires_at=row["token_expires_at"],
        state=row["state"],
        state_detail=row["state_detail"], insecure=row["insecure"], created_at=row["created_at"],
        last_sync_at=row["last_sync_at"], last_ok_at=row["last_ok_at"], counts=row["counts"],
        sync=SyncOut(result.state, result.detail, result.received, result.counts) if result else None)


@get("/api/remote/servers", guards=SIGNED_IN, tags=["remote"])
async def remote_servers_list(actor: Actor) -> dict[str, list[ServerOut]]:
    return {"items": [_out(row) for row in await connections.servers(actor)]}


@post("/api/remote/servers/connect", guards=SIGNED_IN, tags=["remote"], responses=errors(422))
async def remote_server_connect(request: Request, actor: Actor, data: ConnectIn) -> ServerOut:
    """Connect a server with its address and a connection token made there; answers with the
    connection and its first sync. An address that does not answer as a groupbox server is 422
    on `url`, a token it refuses 422 on `token`."""
    result = await connections.connect(actor, data.url, data.token, config_of(request))
    return _out(await connections.server(actor, result.connection_id), result)


@post("/api/remote/servers/{connection_id:str}/sync", guards=SIGNED_IN, tags=["remote"], status_code=200,
      operation_class=NO_BODY, responses=errors(404))
async def remote_server_sync(request: Request, actor: Actor, connection_id: str) -> ServerOut:
    """Sync now. A failing server is not an error here: the answer's `state` says what happened
    and the last good copy stays."""
    result = await connections.sync_mine(actor, connection_id, config_of(request))
    return _out(await connections.server(actor, connection_id), result)


@delete("/api/remote/servers/{connection_id:str}", guards=SIGNED_IN, tags=["remote"], responses=errors(404))
async def remote_server_disconnect(actor: Actor, connection_id: str) -> None:
    await connections.disconnect(actor, connection_id)


HANDLERS = [remote_servers_list, remote_server_connect, remote_server_sync, remote_server_disconnect]
