"""`/me/tokens`: connection tokens for my own home server (SPEC §14), made and revoked here."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.response import Redirect, Template

from groupbox.access import Actor
from groupbox.domain.remote import tokens
from groupbox.errors import DomainError
from groupbox.i18n import _
from groupbox.web.support import SIGNED_IN, checked, form_data, redirect, render


@get("/me/tokens", guards=SIGNED_IN, include_in_schema=False)
async def tokens_page(request: Request, actor: Actor) -> Template:
    return await render(request, "me/tokens.html", nav="me", tokens=await tokens.tokens_list(actor), created=None,
                        scopes=tokens.SCOPES, page_title=_("Home servers"))


@post("/me/tokens", guards=SIGNED_IN, include_in_schema=False)
async def tokens_create(request: Request, actor: Actor) -> Template | Redirect:
    form = await form_data(request)
    scopes = list(tokens.READ_SCOPES) + [s for s in ("act:rsvp", "act:vote", "act:acknowledge") if checked(form, s)]
    try:
        row, token = await tokens.token_create(actor, scopes, form.get("expires_in_days"), label=form.get("label", ""))
    except DomainError as exc:
        return redirect(request, "/me/tokens", exc.message, kind="error")
    return await render(request, "me/tokens.html", nav="me", tokens=await tokens.tokens_list(actor),
                        created={"token": token, "row": row}, scopes=tokens.SCOPES, page_title=_("Home servers"))


@post("/me/tokens/{token_id:str}/revoke", guards=SIGNED_IN, include_in_schema=False)
async def tokens_revoke(request: Request, actor: Actor, token_id: str) -> Redirect:
    await tokens.token_revoke(actor, token_id)
    return redirect(request, "/me/tokens", _("Token revoked: that home server can no longer read your groups."))


HANDLERS = [tokens_page, tokens_create, tokens_revoke]
