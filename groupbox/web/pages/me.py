"""`/me` and `/me/devices`: who I am here, my devices, signing out."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.response import Redirect, Template

from groupbox.access import Actor
from groupbox.domain.groups import service as groups
from groupbox.domain.identity import service as identity
from groupbox.domain.identity import trust as trust_levels
from groupbox.errors import Invalid
from groupbox.i18n import _
from groupbox.web import areas
from groupbox.web.support import (
    SIGNED_IN,
    checked,
    clear_session_cookie,
    config_of,
    form_data,
    redirect,
    render,
)


@get("/me", guards=SIGNED_IN, include_in_schema=False)
async def me_page(request: Request, actor: Actor) -> Template:
    sections = {}
    # Email, calendar feed and tokens belong to the whole profile: not on a one-group device.
    for hook in areas.me_sections() if actor.whole_profile else []:
        sections.update(await hook(request, actor))
    return await render(request, "me/me.html", nav="me", groups=await groups.groups_for(actor),
                        devices=await identity.devices(actor), sections=sections, one_group=not actor.whole_profile,
                        trust=await trust_levels.trust(actor), errors={}, page_title=_("Me"))


@post("/me/save-device", guards=SIGNED_IN, include_in_schema=False)
async def device_save(request: Request, actor: Actor) -> Redirect:
    """"Save access on this device" (a trust step; SPEC §6.1)."""
    form = await form_data(request)
    try:
        await trust_levels.save_device(actor, form.get("label", "").strip() or None)
    except Invalid as exc:
        return redirect(request, "/me#save-device", exc.message, kind="error")
    return redirect(request, "/me", _("This device is saved as yours."))


@post("/me/groups/{group_id:str}/name", guards=SIGNED_IN, include_in_schema=False)
async def member_rename(request: Request, actor: Actor, group_id: str) -> Redirect:
    form = await form_data(request)
    try:
        name = await groups.member_rename(actor, group_id, form.get("display_name"))
    except Invalid as exc:
        return redirect(request, f"/me#g-{group_id}", exc.message, kind="error")
    return redirect(request, f"/me#g-{group_id}", _("In this group you are now {name}.", name=name))


@get("/me/devices", guards=SIGNED_IN, include_in_schema=False)
async def devices_page(request: Request, actor: Actor) -> Template:
    return await render(request, "me/devices.html", nav="me", devices=await identity.devices(actor), errors={},
                        page_title=_("Your devices"))


@post("/me/devices/{device_id:str}/rename", guards=SIGNED_IN, include_in_schema=False)
async def device_rename(request: Request, actor: Actor, device_id: str) -> Redirect:
    form = await form_data(request)
    try:
        await identity.device_rename(actor, device_id, form.get("label", ""))
    except Invalid as exc:
        return redirect(request, "/me/devices", exc.message, kind="error")
    return redirect(request, "/me/devices", _("Device renamed."))


@post("/me/devices/{device_id:str}/revoke", guards=SIGNED_IN, include_in_schema=False)
async def device_revoke(request: Request, actor: Actor, device_id: str) -> Redirect:
    await identity.device_revoke(actor, device_id)
    if device_id == actor.device_id:
        response = redirect(request, "/", _("This device is signed out."))
        response.cookies.append(clear_session_cookie(config_of(request)))
        return response
    return redirect(request, "/me/devices", _("That device can no longer open your groups."))


@post("/signout", guards=SIGNED_IN, include_in_schema=False)
async def signout(request: Request, actor: Actor) -> Redirect:
    form = await form_data(request)
    everywhere = checked(form, "everywhere")
    await identity.signout(actor, everywhere=everywhere)
    response = redirect(request, "/", _("Signed out everywhere.") if everywhere else _("Signed out."))
    response.cookies.append(clear_session_cookie(config_of(request)))
    return response


HANDLERS = [me_page, devices_page, device_rename, device_revoke, signout, device_save, member_rename]
