"""`/recover` ("Lost access?"): ask for a sign-in link by email; `/recover/{token}`: the mailed
link (GET shows one button, POST spends it: mail scanners fetch GETs)."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.response import Redirect, Template

from groupbox.access import Actor
from groupbox.domain.identity import recovery
from groupbox.errors import Conflict, Gone, Invalid, NotFound, RateLimited
from groupbox.i18n import _
from groupbox.web.support import (
    PUBLIC,
    client_ip,
    config_of,
    form_data,
    redirect,
    render,
    session_cookie,
)


async def _form(request: Request, *, email: str = "", error: str | None = None, status_code: int = 200) -> Template:
    return await render(request, "recovery/request.html", status_code=status_code, email=email,
                        errors={"email": error} if error else {}, page_title=_("Lost access?"))


def _outbox_hint(request: Request) -> str | None:
    """In development without SMTP, mail is only written to a folder: say which."""
    config = config_of(request)
    return str(config.outbox_dir) if config.dev_mode and not config.smtp_host else None


@get("/recover", opt=PUBLIC, include_in_schema=False)
async def recover_page(request: Request) -> Template:
    return await _form(request)


@post("/recover", opt=PUBLIC, include_in_schema=False)
async def recover_submit(request: Request) -> Template | Redirect:
    config = config_of(request)
    form = await form_data(request)
    try:
        requested = await recovery.recovery_request(form.get("email", ""), config=config, ip=client_ip(request))
    except Invalid as exc:
        return await _form(request, email=form.get("email", ""), error=exc.message, status_code=exc.status_code)
    except RateLimited as exc:
        response = await _form(request, email=form.get("email", ""), error=exc.message, status_code=429)
        response.headers["retry-after"] = str(exc.retry_after)
        return response
    response = redirect(request, "/recover/sent")
    response.background = BackgroundTask(recovery.recovery_deliver, config, requested)
    return response


@get("/recover/sent", opt=PUBLIC, include_in_schema=False)
async def recover_sent(request: Request) -> Template:
    return await render(request, "recovery/sent.html", outbox=_outbox_hint(request), page_title=_("Check your mail"))


async def _invalid(request: Request, exc: NotFound | Gone | Conflict) -> Template:
    return await render(request, "recovery/invalid.html", status_code=exc.status_code, message=exc.message,
                        ask_again=not isinstance(exc, Conflict), page_title=_("Recovery link"))


@get("/recover/{token:str}", opt=PUBLIC, include_in_schema=False)
async def recover_link_page(request: Request, token: str, actor: Actor | None) -> Template:
    try:
        state = await recovery.recovery_link_state(token, current=actor)
    except (NotFound, Gone, Conflict) as exc:
        return await _invalid(request, exc)
    return await render(request, "recovery/link.html", token=token, state=state, tz=config_of(request).timezone,
                        page_title=_("Sign in"))


@post("/recover/{token:str}", opt=PUBLIC, include_in_schema=False)
async def recover_link_submit(request: Request, token: str, actor: Actor | None) -> Template | Redirect:
    config = config_of(request)
    try:
        result = await recovery.recovery_consume(token, current=actor, user_agent=request.headers.get("user-agent"),
                                                 session_days=config.session_days)
    except (NotFound, Gone, Conflict) as exc:
        return await _invalid(request, exc)
    response = redirect(request, result.redirect, _("Welcome back. This device is signed in to all your groups."))
    if result.session_token:
        response.cookies.append(session_cookie(config, result.session_token))
    return response


HANDLERS = [recover_page, recover_submit, recover_sent, recover_link_page, recover_link_submit]
