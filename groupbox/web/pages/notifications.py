"""`/me/notifications`: the list, mark read, and how I want to be told (per category, per group)."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.response import Redirect, Template

from groupbox.access import Actor
from groupbox.domain.groups import service as groups
from groupbox.domain.notify import service as notify
from groupbox.errors import Invalid
from groupbox.i18n import _
from groupbox.web.support import SIGNED_IN, form_data, redirect, render


@get("/me/notifications", guards=SIGNED_IN, include_in_schema=False)
async def notifications_page(request: Request, actor: Actor) -> Template:
    return await render(
        request, "me/notifications.html", nav="me", items=await notify.notifications(actor),
        prefs=await notify.preferences(actor), categories=notify.CATEGORIES, labels=notify.CATEGORY_LABELS,
        modes=notify.MODES, groups=await groups.groups_for(actor), page_title=_("Notifications"),
    )


@post("/me/notifications/read", guards=SIGNED_IN, include_in_schema=False)
async def notifications_read_all(request: Request, actor: Actor) -> Redirect:
    await notify.mark_read(actor)
    return redirect(request, "/me/notifications", _("All marked as read."))


@get("/me/notifications/{notification_id:str}", guards=SIGNED_IN, include_in_schema=False)
async def notification_open(request: Request, actor: Actor, notification_id: str) -> Redirect:
    """Following a notification marks it read and goes to what it is about."""
    await notify.mark_read(actor, notification_id)
    row = next((n for n in await notify.notifications(actor, limit=500) if n["id"] == notification_id), None)
    target = row["url"] if row and row["url"].startswith("/") else "/me/notifications"
    return redirect(request, target)


@post("/me/notifications/preferences", guards=SIGNED_IN, include_in_schema=False)
async def preferences_save(request: Request, actor: Actor) -> Redirect:
    form = await form_data(request)
    group_id = form.pop("group_id", "") or None
    changes = {key: value for key, value in form.items() if key in notify.CATEGORIES}
    try:
        await notify.set_preferences(actor, changes, group_id)
    except Invalid as exc:
        return redirect(request, "/me/notifications", exc.message, kind="error")
    return redirect(request, "/me/notifications#settings", _("Notification settings saved."))


HANDLERS = [notifications_page, notifications_read_all, notification_open, preferences_save]
