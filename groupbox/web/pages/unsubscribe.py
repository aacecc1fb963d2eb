"""The unsubscribe link of notification mails (RFC 2369 `List-Unsubscribe`, RFC 8058 one-click).

GET shows what the link would stop and one button (mail scanners fetch links; a GET changes
nothing). POST mutes it: the button, or a mail client's one-click POST with the body
`List-Unsubscribe=One-Click`, which carries no CSRF token — the signed token in the URL is the
authority, so the route is exempt from CSRF and needs no session.
"""

from __future__ import annotations

from litestar import Request, get, post
from litestar.response import Redirect, Template

from groupbox.domain.notify import service as notify
from groupbox.errors import NotFound
from groupbox.i18n import _
from groupbox.web.support import PUBLIC, redirect, render, secret_of


async def _invalid(request: Request, exc: NotFound) -> Template:
    return await render(request, "me/email_invalid.html", status_code=exc.status_code, message=exc.message)


@get("/email/unsubscribe/{token:str}", opt=PUBLIC, include_in_schema=False)
async def unsubscribe_page(request: Request, token: str) -> Template:
    try:
        state = await notify.unsubscribe_state(secret_of(request), token)
    except NotFound as exc:
        return await _invalid(request, exc)
    return await render(request, "mail/unsubscribe.html", token=token, muted=state["muted"], labels=state["labels"],
                        digest=state["category"] == notify.DIGEST, page_title=_("Mail from groupbox"))


@post("/email/unsubscribe/{token:str}", opt={**PUBLIC, "exclude_from_csrf": True}, include_in_schema=False)
async def unsubscribe_submit(request: Request, token: str) -> Template | Redirect:
    try:
        await notify.unsubscribe(secret_of(request), token)
    except NotFound as exc:
        return await _invalid(request, exc)
    return redirect(request, f"/email/unsubscribe/{token}", _("Done. No more mails about this."))


HANDLERS = [unsubscribe_page, unsubscribe_submit]
