"""JSON API of the migration kit (SPEC §15, §15.1): the funnel, reminder copy, the WhatsApp
import, and the archive's search (the twin of the archive page). Thin: parse, call, shape."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import QueryParameter

from groupbox.access import Actor
from groupbox.domain.migration import archive
from groupbox.domain.migration import service as migration
from groupbox.web.openapi import errors, upload
from groupbox.web.pages.migration import import_post, received_export
from groupbox.web.support import HEAVY, SIGNED_IN, config_of


class FunnelMember(msgspec.Struct):
    id: str
    display_name: str
    role: str
    joined_at: datetime
    invite_id: str | None
    invite_label: str
    verified: bool
    verified_by: str | None
    notifications_on: bool


class FunnelInvite(msgspec.Struct):
    id: str
    label: str
    role: str
    state: str
    created_at: datetime
    opened: int
    joined: int


class FunnelOut(msgspec.Struct, omit_defaults=True):
    opened: int
    joined: int
    verified: int
    notifications_on: int
    members: list[FunnelMember]
    invites: list[FunnelInvite]
    expected: int | None = None
    never_opened: int | None = None


class ReminderIn(msgspec.Struct):
    language: str = "en"
    tone: str = "friendly"
    invite_url: str | None = None


class ReminderOut(msgspec.Struct):
    text: str
    invite_url: str
    language: str
    tone: str


class ImportOut(msgspec.Struct):
    import_id: str
    messages: int
    system_messages: int
    media: int
    participants: int
    media_files: int
    already_imported: bool
    chat_name: str | None


class ArchiveItem(msgspec.Struct):
    id: int
    at: datetime
    kind: str
    sender: str | None
    text: str
    deleted: bool
    media_name: str | None
    media_omitted: bool
    media_url: str | None
    content_type: str | None


class ArchiveList(msgspec.Struct):
    items: list[ArchiveItem]
    older: int | None
    newer: int | None


@get("/api/groups/{group_id:str}/migration", guards=SIGNED_IN, tags=["migration"])
async def migration_funnel(actor: Actor, group_id: str) -> FunnelOut:
    f = await migration.funnel(actor, group_id)
    return FunnelOut(
        expected=f["expected"], opened=f["opened"], joined=f["joined"], verified=f["verified"],
        notifications_on=f["notifications_on"], never_opened=f["never_opened"],
        members=[FunnelMember(m["id"], m["display_name"], m["role"], m["joined_at"], m["invite_id"],
                              m["invite_label"] or "", m["verified"], m["verified_by"], m["notifications_on"])
                 for m in f["members"]],
        invites=[FunnelInvite(i["id"], i["label"], i["role"], i["state"], i["created_at"], i["opened"],
                              len(i["joined"])) for i in f["invites"]],
    )


@post("/api/groups/{group_id:str}/migration/reminder-copy", guards=SIGNED_IN, tags=["migration"], status_code=200)
async def migration_reminder_copy(request: Request, actor: Actor, group_id: str, data: ReminderIn) -> ReminderOut:
    result = await migration.reminder_copy(actor, group_id, data.language, data.tone,
                                           base_url=config_of(request).base_url, invite_url=data.invite_url)
    return ReminderOut(result["text"], result["invite_url"], result["language"], result["tone"])


@import_post("/api/groups/{group_id:str}/migration/import-whatsapp-export", guards=SIGNED_IN, tags=["migration"],
             operation_class=upload("The `.txt` or `.zip` a phone exported.", date_order=Schema(
                 type=OpenAPIType.STRING, description="How dates are written when the export leaves it open")),
             responses={200: ResponseSpec(ImportOut, description="This export is already in the archive"),
                        **errors(409, 413)})
async def migration_import(request: Request, actor: Actor, group_id: str) -> Response[ImportOut]:
    """Multipart field `file`: the `.txt` or `.zip` export; optional `date_order` (dmy|mdy).
    201 with the counts, or 200 with `already_imported` when this export is in the archive."""
    # The importer (WhatsApp parser, phrase tables) loads on the first import, not at start.
    from groupbox.domain.migration import archive_import

    config = config_of(request)
    async with received_export(request, config) as (path, name, fields):
        result = await archive_import.import_export(actor, group_id, path, files_dir=config.files_dir,
                                                    max_bytes=config.import_max_bytes,
                                                    date_order=fields.get("date_order"), source_name=name)
    body = ImportOut(result.import_id, result.messages, result.system_messages, result.media, result.participants,
                     result.media_files, result.already_imported, result.chat_name)
    return Response(body, status_code=200 if result.already_imported else 201)


@get("/api/groups/{group_id:str}/archive", guards=SIGNED_IN, tags=["migration"], opt=HEAVY)
async def archive_list(
    actor: Actor, group_id: str, q: str | None = None, sender: str | None = None,
    date_from: Annotated[str | None, QueryParameter(name="from")] = None,
    date_to: Annotated[str | None, QueryParameter(name="to")] = None,
    before: int | None = None, after: int | None = None, limit: int = archive.PAGE,
) -> ArchiveList:
    result = await archive.archive_search(actor, group_id, q=q, sender=sender, date_from=date_from, date_to=date_to,
                                          before=before, after=after, limit=limit)
    return ArchiveList(
        items=[ArchiveItem(r["id"], r["at"], r["kind"], r["sender"], r["text"], bool(r["deleted"]), r["media_name"],
                           bool(r["media_omitted"]),
                           f"/groups/{group_id}/archive/media/{r['file_id']}" if r["file_id"] else None,
                           r["content_type"]) for r in result.items],
        older=result.older, newer=result.newer,
    )


HANDLERS = [migration_funnel, migration_reminder_copy, migration_import, archive_list]
