"""JSON API for joining, devices and signing out (SPEC §15, §15.1)."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import Request, Response, delete, get, post

from groupbox.access import Actor
from groupbox.domain.groups import invites
from groupbox.domain.identity import service as identity
from groupbox.web.openapi import NO_BODY, errors
from groupbox.web.support import (
    PUBLIC,
    SIGNED_IN,
    clear_session_cookie,
    client_ip,
    config_of,
    session_cookie,
)


class PreviewGroup(msgspec.Struct):
    id: str
    name: str
    purpose: str


class PreviewOut(msgspec.Struct):
    group: PreviewGroup
    member_count: int
    needs_approval: bool
    upcoming: list[str]


class ClaimIn(msgspec.Struct):
    display_name: str


class ClaimOut(msgspec.Struct):
    member_id: str
    group_id: str
    redirect: str
    status: str


class DeviceOut(msgspec.Struct):
    id: str
    label: str
    created_at: datetime
    last_seen_at: datetime
    current: bool


class DeviceList(msgspec.Struct):
    items: list[DeviceOut]


@get("/api/join/{token:str}/preview", opt=PUBLIC, tags=["auth"])
async def join_preview(token: str) -> PreviewOut:
    """What a stranger sees before joining (no personal data). Spends nothing."""
    preview = await invites.invite_preview(token)
    group = preview["group"]
    return PreviewOut(PreviewGroup(group["id"], group["name"], group["purpose"]), preview["member_count"],
                      preview["needs_approval"], [item["title"] for item in preview["upcoming"]])


@post("/api/auth/invite/{token:str}/claim", opt=PUBLIC, tags=["auth"], responses=errors(410))
async def invite_claim(request: Request, token: str, data: ClaimIn, actor: Actor | None) -> Response[ClaimOut]:
    config = config_of(request)
    result = await invites.invite_claim(
        token, data.display_name, actor=actor, user_agent=request.headers.get("user-agent"), ip=client_ip(request),
        rate=config.claim_rate_limit, session_days=config.session_days,
    )
    body = ClaimOut(result.member_id, result.group_id, result.redirect, result.status)
    cookies = [session_cookie(config, result.session_token)] if result.session_token else []
    return Response(body, status_code=200 if result.already_member else 201, cookies=cookies)


@get("/api/me/devices", guards=SIGNED_IN, tags=["auth"])
async def devices_list(actor: Actor) -> DeviceList:
    rows = await identity.devices(actor)
    return DeviceList([DeviceOut(r["id"], r["label"], r["created_at"], r["last_seen_at"], r["current"]) for r in rows])


@delete("/api/me/devices/{device_id:str}", guards=SIGNED_IN, tags=["auth"])
async def devices_revoke(actor: Actor, device_id: str) -> None:
    await identity.device_revoke(actor, device_id)


@post("/api/auth/signout", guards=SIGNED_IN, tags=["auth"], status_code=200, operation_class=NO_BODY)
async def auth_signout(request: Request, actor: Actor, everywhere: int = 0) -> Response:
    await identity.signout(actor, everywhere=bool(everywhere))
    return Response({"signed_out": True, "everywhere": bool(everywhere)},
                    cookies=[clear_session_cookie(config_of(request))])


HANDLERS = [join_preview, invite_claim, devices_list, devices_revoke, auth_signout]
