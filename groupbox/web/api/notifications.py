"""JSON API for notifications and their preferences (SPEC §12, §15)."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import get, patch

from groupbox.access import Actor
from groupbox.domain.notify import service as notify
from groupbox.web.openapi import NO_BODY, errors
from groupbox.web.support import SIGNED_IN


class NotificationOut(msgspec.Struct):
    id: str
    category: str
    title: str
    body: str
    url: str
    group: dict | None
    created_at: datetime
    read: bool


class NotificationList(msgspec.Struct):
    items: list[NotificationOut]
    unread: int


class Preferences(msgspec.Struct):
    defaults: dict[str, str]
    overrides: dict[str, dict[str, str]]


class PreferencesPatch(msgspec.Struct):
    modes: dict[str, str]
    group_id: str | None = None


@get("/api/me/notifications", guards=SIGNED_IN, tags=["notifications"])
async def notifications_list(actor: Actor, unread: int = 0) -> NotificationList:
    rows = await notify.notifications(actor, unread_only=bool(unread))
    items = [
        NotificationOut(r["id"], r["category"], r["title"], r["body"], r["url"],
                        {"id": r["group_id"], "name": r["group_name"]} if r["group_id"] else None,
                        r["created_at"], r["read_at"] is not None)
        for r in rows
    ]
    return NotificationList(items=items, unread=await notify.unread_count(actor))


@patch("/api/me/notifications/{notification_id:str}/read", guards=SIGNED_IN, tags=["notifications"],
       operation_class=NO_BODY)
async def notification_read(actor: Actor, notification_id: str) -> dict:
    await notify.mark_read(actor, notification_id)
    return {"read": True, "unread": await notify.unread_count(actor)}


@get("/api/me/notification-preferences", guards=SIGNED_IN, tags=["notifications"])
async def preferences_get(actor: Actor) -> Preferences:
    return Preferences(**await notify.preferences(actor))


@patch("/api/me/notification-preferences", guards=SIGNED_IN, tags=["notifications"], responses=errors(404))
async def preferences_update(actor: Actor, data: PreferencesPatch) -> Preferences:
    return Preferences(**await notify.set_preferences(actor, data.modes, data.group_id))


HANDLERS = [notifications_list, notification_read, preferences_get, preferences_update]
