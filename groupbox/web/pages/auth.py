"""One-time sign-in links: GET shows a button, POST spends the link (SPEC §15.1)."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.response import Redirect, Template

from groupbox.access import Actor
from groupbox.domain.identity import service as identity
from groupbox.errors import Conflict, Gone, NotFound
from groupbox.i18n import _
from groupbox.web.support import PUBLIC, config_of, redirect, render, session_cookie


@get("/signin/{token:str}", opt=PUBLIC, include_in_schema=False)
async def signin_page(request: Request, token: str) -> Template:
    try:
        state = await identity.signin_link_state(token)
    except (NotFound, Gone) as exc:
        return await render(request, "auth/signin_invalid.html", status_code=exc.status_code, message=exc.message)
    return await render(request, "auth/signin.html", token=token, state=state)


@post("/signin/{token:str}", opt=PUBLIC, include_in_schema=False)
async def signin_submit(request: Request, token: str, actor: Actor | None) -> Redirect | Template:
    config = config_of(request)
    try:
        result = await identity.consume_signin(
            token, current=actor, user_agent=request.headers.get("user-agent"), session_days=config.session_days
        )
    except (NotFound, Gone, Conflict) as exc:
        return await render(request, "auth/signin_invalid.html", status_code=exc.status_code, message=exc.message)
    response = redirect(request, result.redirect, _("You're signed in on this device."))
    if result.session_token:
        response.cookies.append(session_cookie(config, result.session_token))
    return response


HANDLERS = [signin_page, signin_submit]
