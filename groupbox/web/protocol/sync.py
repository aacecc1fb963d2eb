"""`GET /api/sync`: a member's groups for their home server, through a connection token only
(SPEC §14, docs/protocol.md). The work is `groupbox.domain.remote.sync`."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from groupbox.access import Actor
from groupbox.domain.remote import sync as service
from groupbox.errors import Unauthorized
from groupbox.i18n import _
from groupbox.web.auth import credentials
from groupbox.web.openapi import errors
from groupbox.web.support import actor_of, config_of, secret_of

BEARER = {"bearer": True}


def bearer_token(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    """Only a connection token opens the sync: a session cookie is not one."""
    auth = credentials(connection.scope)
    if auth is None or auth[0] != "bearer":
        raise Unauthorized(_("Send a connection token: Authorization: Bearer <token>."))
    if actor_of(connection) is None:
        raise Unauthorized(_("This connection token is unknown, expired or revoked."))


@get("/api/sync", guards=[bearer_token], opt=BEARER, tags=["protocol"], responses=errors(400))
async def sync_get(request: Request, actor: Actor, since: str | None = None,
                   limit: str | None = None) -> Response[dict[str, Any]]:
    """What changed in the token's groups since `since` (omitted: from the start), at most
    `limit` changes (default 500, at most 1000); `has_more: true` asks for the next page at once.
    Shapes: docs/protocol.md."""
    config = config_of(request)
    auth = credentials(request.scope)
    body = await service.sync(actor, auth[1] if auth else "", since, limit, secret=secret_of(request),
                              base_url=config.base_url, server_name=config.name)
    return Response(body, headers={"cache-control": "no-store"})


HANDLERS = [sync_get]
