"""Passkeys on /me (a card), `/me/passkeys` (rename, remove: plain forms) and the sign-in entry on
the signed-out landing page (templates/passkeys/_signin.html). Making and using a passkey needs
the browser's WebAuthn, so static/passkeys.js drives those through the JSON API; nothing else
depends on it."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.response import Redirect, Template

from groupbox.access import Actor
from groupbox.domain.identity import passkeys as passkey_service
from groupbox.errors import Invalid
from groupbox.i18n import _
from groupbox.web.support import SIGNED_IN, config_of, form_data, redirect, render


async def passkeys_card(request: Request, actor: Actor) -> dict:
    return {"passkeys": {"entries": await passkey_service.passkeys(actor),
                         "unavailable": passkey_service.unavailable_reason(config_of(request))}}




@get("/me/passkeys", guards=SIGNED_IN, include_in_schema=False)
async def passkeys_page(request: Request, actor: Actor, added: str = "") -> Template:
    items = await passkey_service.passkeys(actor)
    just_added = next((p for p in items if p["id"] == added), None)
    return await render(request, "passkeys/manage.html", nav="me", items=items, just_added=just_added,
                        one_group=not actor.whole_profile,
                        unavailable=passkey_service.unavailable_reason(config_of(request)),
                        page_title=_("Your passkeys"))


@post("/me/passkeys/{passkey_id:str}/rename", guards=SIGNED_IN, include_in_schema=False)
async def passkey_rename(request: Request, actor: Actor, passkey_id: str) -> Redirect:
    form = await form_data(request)
    try:
        await passkey_service.passkey_rename(actor, passkey_id, form.get("name", ""))
    except Invalid as exc:
        return redirect(request, "/me/passkeys", exc.message, kind="error")
    return redirect(request, "/me/passkeys", _("Passkey renamed."))


@post("/me/passkeys/{passkey_id:str}/remove", guards=SIGNED_IN, include_in_schema=False)
async def passkey_remove(request: Request, actor: Actor, passkey_id: str) -> Redirect:
    await passkey_service.passkey_remove(actor, passkey_id)
    return redirect(request, "/me/passkeys", _("Passkey removed. It can no longer sign anyone in here."))


HANDLERS = [passkeys_page, passkey_rename, passkey_remove]
