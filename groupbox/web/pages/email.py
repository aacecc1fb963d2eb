"""Adding and verifying an email address (a card on /me, a link in the mail)."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.response import Redirect, Template

from groupbox.access import Actor
from groupbox.domain.identity import email as email_service
from groupbox.domain.identity import service as identity
from groupbox.errors import Gone, Invalid, NotFound
from groupbox.i18n import _
from groupbox.web.support import PUBLIC, SIGNED_IN, config_of, form_data, redirect, render


async def email_card(request: Request, actor: Actor) -> dict:
    profile = await identity.get_profile(actor.profile_id)
    return {"email": {"address": profile["email"], "verified": profile["email_verified_at"] is not None,
                      "dev": config_of(request).dev_mode and not config_of(request).smtp_host}}




@post("/me/email", guards=SIGNED_IN, include_in_schema=False)
async def email_add(request: Request, actor: Actor) -> Redirect:
    form = await form_data(request)
    if form.get("remove"):
        await email_service.email_remove(actor)
        return redirect(request, "/me", _("Email address removed."))
    try:
        address = await email_service.email_start(actor, form.get("email", ""), config_of(request))
    except Invalid as exc:
        return redirect(request, "/me#email", exc.message, kind="error")
    return redirect(request, "/me#email", _("We sent a confirmation link to {email}.", email=address))


@get("/email/verify/{token:str}", opt=PUBLIC, include_in_schema=False)
async def verify_page(request: Request, token: str) -> Template:
    try:
        state = await email_service.verify_state(token)
    except (NotFound, Gone) as exc:
        return await render(request, "me/email_invalid.html", status_code=exc.status_code, message=exc.message)
    return await render(request, "me/email_verify.html", token=token, email=state["email"],
                        page_title=_("Confirm your email"))


@post("/email/verify/{token:str}", opt=PUBLIC, include_in_schema=False)
async def verify_submit(request: Request, token: str) -> Template | Redirect:
    try:
        address = await email_service.verify(token)
    except (NotFound, Gone) as exc:
        return await render(request, "me/email_invalid.html", status_code=exc.status_code, message=exc.message)
    return redirect(request, "/me", _("{email} is confirmed. Notifications can now reach you by mail.",
                                       email=address))


HANDLERS = [email_add, verify_page, verify_submit]
