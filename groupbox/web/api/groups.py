"""JSON API for groups, invites and members (SPEC §15). Thin: parse, call the service, shape."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import Request, Response, delete, get, patch, post

from groupbox.access import Actor
from groupbox.domain.groups import invites as invite_service
from groupbox.domain.groups import service as groups
from groupbox.domain.groups.schemas import GroupCreate, GroupSettings, InviteOptions
from groupbox.web.openapi import NO_BODY, errors
from groupbox.web.support import SIGNED_IN, config_of


class GroupOut(msgspec.Struct):
    id: str
    name: str
    purpose: str
    timezone: str
    color_index: int
    members_post_official: bool
    members_upload: bool
    expected_size: int | None
    my_role: str | None = None
    member_count: int | None = None


class GroupList(msgspec.Struct):
    items: list[GroupOut]


class InviteOut(msgspec.Struct):
    id: str
    url: str
    expires_at: datetime | None
    max_uses: int | None
    role: str
    needs_approval: bool


class MemberOut(msgspec.Struct):
    id: str
    display_name: str
    role: str
    status: str
    joined_at: datetime


class MemberList(msgspec.Struct):
    items: list[MemberOut]


class MemberPatch(msgspec.Struct):
    role: str


class SignInLinkOut(msgspec.Struct):
    signin_url: str


def group_out(row: dict, actor: Actor | None = None, member_count: int | None = None) -> GroupOut:
    membership = actor.membership(row["id"]) if actor else None
    return GroupOut(
        id=row["id"], name=row["name"], purpose=row["purpose"], timezone=row["timezone"],
        color_index=row["color_index"], members_post_official=bool(row["members_post_official"]),
        members_upload=bool(row["members_upload"]), expected_size=row["expected_size"],
        my_role=membership.role if membership else row.get("my_role"),
        member_count=member_count if member_count is not None else row.get("member_count"),
    )


@get("/api/groups", guards=SIGNED_IN, tags=["groups"])
async def groups_list(actor: Actor) -> GroupList:
    return GroupList(items=[group_out(row) for row in await groups.groups_for(actor)])


@post("/api/groups", guards=SIGNED_IN, tags=["groups"])
async def groups_create(request: Request, actor: Actor, data: GroupCreate) -> GroupOut:
    row = await groups.group_create(actor, data, default_timezone=config_of(request).timezone)
    out = group_out(row, None, 1)
    out.my_role = "owner"
    return out


@get("/api/groups/{group_id:str}", guards=SIGNED_IN, tags=["groups"])
async def groups_get(actor: Actor, group_id: str) -> GroupOut:
    row = await groups.group_get(actor, group_id)
    return group_out(row, actor, await groups.member_count(group_id))


@patch("/api/groups/{group_id:str}", guards=SIGNED_IN, tags=["groups"])
async def groups_update(actor: Actor, group_id: str, data: GroupSettings) -> GroupOut:
    row = await groups.group_update(actor, group_id, data)
    return group_out(row, actor, await groups.member_count(group_id))


@post("/api/groups/{group_id:str}/invites", guards=SIGNED_IN, tags=["invites"])
async def invites_create(request: Request, actor: Actor, group_id: str, data: InviteOptions) -> InviteOut:
    invite, token = await invite_service.invite_create(actor, group_id, data)
    return InviteOut(id=invite["id"], url=f"{config_of(request).base_url}/join/{token}",
                     expires_at=invite["expires_at"], max_uses=invite["max_uses"], role=invite["role"],
                     needs_approval=bool(invite["needs_approval"]))


@delete("/api/invites/{invite_id:str}", guards=SIGNED_IN, tags=["invites"])
async def invites_revoke(actor: Actor, invite_id: str) -> None:
    await invite_service.invite_revoke(actor, invite_id)


@get("/api/groups/{group_id:str}/members", guards=SIGNED_IN, tags=["members"])
async def members_list(actor: Actor, group_id: str) -> MemberList:
    rows = await groups.members_list(actor, group_id)
    return MemberList(items=[MemberOut(r["id"], r["display_name"], r["role"], r["status"], r["joined_at"])
                             for r in rows])


def _member_out(row: dict) -> MemberOut:
    return MemberOut(row["id"], row["display_name"], row["role"], row["status"], row["joined_at"])


@patch("/api/groups/{group_id:str}/members/{member_id:str}", guards=SIGNED_IN, tags=["members"], responses=errors(409))
async def members_update(actor: Actor, group_id: str, member_id: str, data: MemberPatch) -> MemberOut:
    return _member_out(await groups.member_set_role(actor, group_id, member_id, data.role))


@delete("/api/groups/{group_id:str}/members/{member_id:str}", guards=SIGNED_IN, tags=["members"])
async def members_remove(actor: Actor, group_id: str, member_id: str) -> None:
    await groups.member_remove(actor, group_id, member_id)


@post("/api/groups/{group_id:str}/members/{member_id:str}/reset-access", guards=SIGNED_IN, tags=["members"],
      status_code=200, operation_class=NO_BODY)
async def members_reset_access(actor: Actor, group_id: str, member_id: str) -> Response:
    await groups.member_reset_access(actor, group_id, member_id)
    return Response({"reset": True})


@post("/api/groups/{group_id:str}/members/{member_id:str}/approve", guards=SIGNED_IN, tags=["members"],
      status_code=200, operation_class=NO_BODY, responses=errors(409))
async def members_approve(actor: Actor, group_id: str, member_id: str) -> MemberOut:
    await groups.member_approve(actor, group_id, member_id)
    return _member_out(await groups.member_row(member_id))


@post("/api/groups/{group_id:str}/members/{member_id:str}/signin-link", guards=SIGNED_IN, tags=["members"],
      operation_class=NO_BODY, responses=errors(409))
async def members_resend_access(request: Request, actor: Actor, group_id: str, member_id: str) -> SignInLinkOut:
    token = await groups.member_resend_access(actor, group_id, member_id)
    return SignInLinkOut(signin_url=f"{config_of(request).base_url}/signin/{token}")


@get("/api/groups/{group_id:str}/members/removed", guards=SIGNED_IN, tags=["members"])
async def members_removed(actor: Actor, group_id: str) -> MemberList:
    """People an admin removed; they cannot rejoin through an invite until let back in (admins)."""
    rows = await groups.members_barred(actor, group_id)
    return MemberList(items=[MemberOut(r["id"], r["display_name"], r["role"], "removed", r["barred_at"])
                             for r in rows])


@post("/api/groups/{group_id:str}/members/{member_id:str}/let-back-in", guards=SIGNED_IN, tags=["members"],
      status_code=200, operation_class=NO_BODY)
async def members_let_back_in(actor: Actor, group_id: str, member_id: str) -> Response:
    await groups.member_let_back_in(actor, group_id, member_id)
    return Response({"let_back_in": True})


@post("/api/groups/{group_id:str}/leave", guards=SIGNED_IN, tags=["members"], status_code=200,
      operation_class=NO_BODY, responses=errors(409))
async def groups_leave(actor: Actor, group_id: str) -> Response:
    await groups.group_leave(actor, group_id)
    return Response({"left": True})


HANDLERS = [
    groups_list, groups_create, groups_get, groups_update, invites_create, invites_revoke, members_list,
    members_update, members_remove, members_reset_access, members_approve, members_resend_access, members_removed,
    members_let_back_in, groups_leave,
]
