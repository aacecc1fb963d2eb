"""JSON API for recovery by email (SPEC §6.5, §15.1): ask for a link, spend it."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Request, Response, post
from litestar.background_tasks import BackgroundTask

from groupbox.access import Actor
from groupbox.domain.identity import recovery
from groupbox.i18n import _
from groupbox.web.openapi import errors
from groupbox.web.support import PUBLIC, client_ip, config_of, session_cookie


class RecoveryRequestIn(msgspec.Struct):
    email: Annotated[str, msgspec.Meta(max_length=320)]


class RecoveryRequestOut(msgspec.Struct):
    message: str  # the same whether or not the address is known


class RecoveryConsumeIn(msgspec.Struct):
    token: Annotated[str, msgspec.Meta(max_length=200)]


class RecoveryConsumeOut(msgspec.Struct):
    profile_id: str
    redirect: str


@post("/api/auth/recovery/request", opt=PUBLIC, tags=["auth"], status_code=202)
async def recovery_request(request: Request, data: RecoveryRequestIn) -> Response[RecoveryRequestOut]:
    """Mail a sign-in link to a confirmed address. 202 whether or not the address is known."""
    config = config_of(request)
    requested = await recovery.recovery_request(data.email, config=config, ip=client_ip(request))
    body = RecoveryRequestOut(_("If this is a confirmed address here, a sign-in link is on its way. It works once, "
                                "for 30 minutes."))
    return Response(body, status_code=202,
                    background=BackgroundTask(recovery.recovery_deliver, config, requested))


@post("/api/auth/recovery/consume", opt=PUBLIC, tags=["auth"], status_code=200, responses=errors(404, 409, 410))
async def recovery_consume(request: Request, data: RecoveryConsumeIn,
                           actor: Actor | None) -> Response[RecoveryConsumeOut]:
    """Spend a recovery link: this browser is signed in to the whole profile (the session cookie).
    404 unknown, 410 used or expired, 409 when signed in as someone else."""
    config = config_of(request)
    result = await recovery.recovery_consume(data.token, current=actor, user_agent=request.headers.get("user-agent"),
                                             session_days=config.session_days)
    cookies = [session_cookie(config, result.session_token)] if result.session_token else []
    return Response(RecoveryConsumeOut(result.profile_id, result.redirect), cookies=cookies)


HANDLERS = [recovery_request, recovery_consume]
