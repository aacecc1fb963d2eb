"""JSON API for linking another device (SPEC §6.4, §15.1): the new device starts and completes,
a signed-in device approves the code."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Request, Response, post

from groupbox.access import Actor
from groupbox.domain.identity import pairing
from groupbox.errors import Conflict
from groupbox.i18n import _
from groupbox.web.openapi import errors
from groupbox.web.support import PUBLIC, SIGNED_IN, client_ip, config_of, secret_of, session_cookie

SHORT = Annotated[str, msgspec.Meta(max_length=200)]


class DeviceLinkStartIn(msgspec.Struct):
    """No fields: send `{}`."""


class DeviceLinkStartOut(msgspec.Struct):
    pairing_id: str  # the new device's secret: keep it, send it to complete
    code: str  # "K7QM-2XPA": type it on a signed-in device
    approve_url: str  # the same, as a link (the QR code)
    expires_at: datetime


class DeviceLinkApproveIn(msgspec.Struct):
    code: SHORT


class DeviceLinkApproveOut(msgspec.Struct):
    approved: bool
    label: str  # the new device, from its user agent ("Firefox on Linux")
    expires_at: datetime  # complete before this


class DeviceLinkCompleteIn(msgspec.Struct):
    pairing_id: SHORT


class DeviceLinkCompleteOut(msgspec.Struct):
    device_id: str
    display_name: str
    redirect: str


def approve_url(request: Request, code: str) -> str:
    return f"{config_of(request).base_url}/link/approve?c={code.replace('-', '')}"


@post("/api/auth/device-link/start", opt=PUBLIC, tags=["auth"], status_code=201, responses=errors(409))
async def device_link_start(request: Request, data: DeviceLinkStartIn, actor: Actor | None) -> DeviceLinkStartOut:
    """Start pairing a browser that is not signed in; answers its code, valid 10 minutes."""
    if actor is not None:
        raise Conflict(_("This browser is already signed in. Start linking on the new device instead."))
    config = config_of(request)
    started = await pairing.start(request.headers.get("user-agent"), key=secret_of(request), ip=client_ip(request),
                                  rate=config.pairing_rate_limit)
    return DeviceLinkStartOut(started.pairing_id, started.code, approve_url(request, started.code), started.expires_at)


@post("/api/auth/device-link/approve", guards=SIGNED_IN, tags=["auth"], status_code=200,
      responses=errors(404, 429))
async def device_link_approve(request: Request, data: DeviceLinkApproveIn, actor: Actor) -> DeviceLinkApproveOut:
    """Approve a code from a device that holds the whole profile: the new device joins it."""
    config = config_of(request)
    shown = await pairing.approve(actor, data.code, key=secret_of(request), ip=client_ip(request),
                                  rate=config.pairing_rate_limit)
    return DeviceLinkApproveOut(True, shown["label"], shown["expires_at"])


@post("/api/auth/device-link/complete", opt=PUBLIC, tags=["auth"], status_code=200,
      responses=errors(404, 409, 410))
async def device_link_complete(request: Request, data: DeviceLinkCompleteIn) -> Response[DeviceLinkCompleteOut]:
    """The new device, once approved: its own session for the approver's profile (409 before)."""
    config = config_of(request)
    done = await pairing.complete(data.pairing_id, session_days=config.session_days)
    return Response(DeviceLinkCompleteOut(done.device_id, done.display_name, "/"),
                    cookies=[session_cookie(config, done.session_token)])


HANDLERS = [device_link_start, device_link_approve, device_link_complete]
