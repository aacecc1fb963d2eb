"""JSON API for announcements and acknowledgements (SPEC §15, §15.1). Thin: parse, call the
service, shape."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import Request, delete, get, patch, post

from groupbox.access import Actor
from groupbox.domain.objects import announcements
from groupbox.domain.objects.schemas import AnnouncementCreate, AnnouncementInput
from groupbox.domain.remote import sync as remote_sync
from groupbox.web.api.events import FileOut, MemberBrief, file_out
from groupbox.web.openapi import NO_BODY
from groupbox.web.support import SIGNED_IN, config_of


class AckedMember(msgspec.Struct):
    id: str
    display_name: str
    acked_at: datetime


class AnnouncementOut(msgspec.Struct, omit_defaults=True):
    id: str
    group_id: str
    url: str
    title: str
    body: str
    official: bool
    urgent: bool
    ack_required: bool
    stays_here: bool
    author_id: str | None
    author_name: str
    created_at: datetime
    updated_at: datetime
    seq: int
    read: bool
    acked: bool
    acked_at: datetime | None
    ack_count: int
    ack_expected: int
    files: list[FileOut]
    # admins only, when acknowledgement is required
    acked_members: list[AckedMember] | None = None
    not_acked_members: list[MemberBrief] | None = None


class AnnouncementList(msgspec.Struct):
    items: list[AnnouncementOut]


def announcement_out(row: dict) -> AnnouncementOut:
    return AnnouncementOut(
        id=row["id"], group_id=row["group_id"], url=row["url"], title=row["title"], body=row["body"],
        official=row["official"], urgent=row["urgent"], ack_required=row["ack_required"],
        stays_here=row["stays_here"], author_id=row["author_id"], author_name=row["author_name"],
        created_at=row["created_at"], updated_at=row["updated_at"], seq=row["seq"], read=row["read"],
        acked=row["acked"], acked_at=row["acked_at"], ack_count=row["ack_count"], ack_expected=row["ack_expected"],
        files=[file_out(f) for f in row["files"]],
        acked_members=[AckedMember(m["id"], m["display_name"], m["acked_at"]) for m in row["acked_members"]]
        if "acked_members" in row else None,
        not_acked_members=[MemberBrief(m["id"], m["display_name"]) for m in row["not_acked_members"]]
        if "not_acked_members" in row else None,
    )


@get("/api/groups/{group_id:str}/announcements", guards=SIGNED_IN, tags=["announcements"])
async def announcements_list(actor: Actor, group_id: str, official: bool = False) -> AnnouncementList:
    """Newest first; `?official=1` for official ones only."""
    rows = await announcements.announcements_list(actor, group_id, official_only=official)
    return AnnouncementList(items=[announcement_out(row) for row in rows])


@post("/api/groups/{group_id:str}/announcements", guards=SIGNED_IN, tags=["announcements"])
async def announcements_create(actor: Actor, group_id: str, data: AnnouncementCreate) -> AnnouncementOut:
    return announcement_out(await announcements.announcement_create(actor, group_id, data))


@get("/api/announcements/{announcement_id:str}", guards=SIGNED_IN, tags=["announcements"])
async def announcements_get(actor: Actor, announcement_id: str) -> AnnouncementOut:
    return announcement_out(await announcements.announcement_get(actor, announcement_id))


@patch("/api/announcements/{announcement_id:str}", guards=SIGNED_IN, tags=["announcements"])
async def announcements_update(actor: Actor, announcement_id: str, data: AnnouncementInput) -> AnnouncementOut:
    return announcement_out(await announcements.announcement_update(actor, announcement_id, data))


@delete("/api/announcements/{announcement_id:str}", guards=SIGNED_IN, tags=["announcements"])
async def announcements_delete(actor: Actor, announcement_id: str) -> None:
    await announcements.announcement_delete(actor, announcement_id)


@post("/api/announcements/{announcement_id:str}/ack", guards=SIGNED_IN, tags=["announcements"], status_code=200,
      operation_class=NO_BODY, opt={"bearer": True})  # a home server with a token (act:acknowledge)
async def announcements_ack(request: Request, actor: Actor, announcement_id: str) -> AnnouncementOut:
    """"I've read it" (once; repeating it changes nothing)."""
    await remote_sync.refuse_kept_here(actor, "announcement", announcement_id, config_of(request).name)
    return announcement_out(await announcements.announcement_ack(actor, announcement_id))


HANDLERS = [announcements_list, announcements_create, announcements_get, announcements_update,
            announcements_delete, announcements_ack]
