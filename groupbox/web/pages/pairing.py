"""`/link` (the new device shows a code and a QR) and `/link/approve` (a signed-in device types
or scans it, then confirms). The new device completes with a Continue button; static/pairing.js
presses it as soon as the code is approved."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from groupbox import qr
from groupbox.access import Actor
from groupbox.domain.groups import service as groups
from groupbox.domain.identity import pairing
from groupbox.errors import Conflict, DomainError, Forbidden, Gone, NotFound
from groupbox.i18n import _
from groupbox.web.api.pairing import approve_url
from groupbox.web.support import (
    PUBLIC,
    SIGNED_IN,
    client_ip,
    config_of,
    form_data,
    redirect,
    render,
    secret_of,
    session_cookie,
)

# The new browser's pairing secret. Only the /link pages read it.
PAIRING_COOKIE = "gb_pairing"
COOKIE_PATH = "/link"


def _pairing_cookie(request: Request, secret: str) -> Cookie:
    # Outlives the code (a day, like the row) so that a late Continue hears "expired", not "unknown".
    return Cookie(key=PAIRING_COOKIE, value=secret, path=COOKIE_PATH, httponly=True, samesite="lax",
                  secure=config_of(request).https, max_age=int(pairing.SWEEP_AFTER.total_seconds()))


def _forget_pairing(request: Request) -> Cookie:
    return Cookie(key=PAIRING_COOKIE, value="", path=COOKIE_PATH, httponly=True, samesite="lax",
                  secure=config_of(request).https, max_age=0)


async def _start(request: Request) -> pairing.Started:
    config = config_of(request)
    return await pairing.start(request.headers.get("user-agent"), key=secret_of(request), ip=client_ip(request),
                               rate=config.pairing_rate_limit, replaces=request.cookies.get(PAIRING_COOKIE))


async def _link_page(request: Request, state: dict, *, status_code: int = 200, error: str | None = None) -> Template:
    code = state["code"]
    url = approve_url(request, code)
    return await render(request, "pairing/link.html", status_code=status_code, pairing=state, approve_url=url,
                        qr_svg=qr.svg(url, scale=6), tz=config_of(request).timezone, error=error,
                        page_title=_("Link this device"))


async def _gone_page(request: Request, message: str, status_code: int = 410) -> Template:
    return await render(request, "pairing/link_gone.html", status_code=status_code, message=message,
                        page_title=_("Link this device"))


# -- the new device -------------------------------------------------------------------------------
@get("/link", opt=PUBLIC, include_in_schema=False)
async def link_page(request: Request, actor: Actor | None) -> Template:
    """Opening /link starts pairing (nothing is spent: the pairing belongs to this browser's
    cookie); a reload shows the same code."""
    if actor is not None:
        return await render(request, "pairing/already_signed_in.html", page_title=_("Link another device"))
    key = secret_of(request)
    state = await pairing.status(request.cookies.get(PAIRING_COOKIE), key=key)
    if state is not None and state["state"] in (pairing.USED, pairing.STOPPED, pairing.EXPIRED):
        return await _gone_page(request, pairing.gone_for_new_device(state["state"]).message)
    if state is None:
        started = await _start(request)
        state = await pairing.status(started.pairing_id, key=key)
        response = await _link_page(request, state)
        response.cookies.append(_pairing_cookie(request, started.pairing_id))
        return response
    return await _link_page(request, state)


@post("/link/new", opt=PUBLIC, include_in_schema=False)
async def link_new(request: Request, actor: Actor | None) -> Redirect:
    """Show a new code: the previous one stops."""
    if actor is not None:
        return redirect(request, "/link")
    started = await _start(request)
    response = redirect(request, "/link")
    response.cookies.append(_pairing_cookie(request, started.pairing_id))
    return response


@get("/link/status", opt=PUBLIC, include_in_schema=False, cache_control=None)
async def link_status(request: Request) -> Response:
    """For static/pairing.js: {"state": waiting|approved|used|stopped|expired|none}."""
    state = await pairing.status(request.cookies.get(PAIRING_COOKIE), key=secret_of(request))
    return Response({"state": state["state"] if state else "none"}, headers={"cache-control": "no-store"})


@post("/link/complete", opt=PUBLIC, include_in_schema=False)
async def link_complete(request: Request, actor: Actor | None) -> Template | Redirect:
    if actor is not None:
        return redirect(request, "/")
    config = config_of(request)
    secret = request.cookies.get(PAIRING_COOKIE)
    try:
        done = await pairing.complete(secret, session_days=config.session_days)
    except Conflict as exc:
        state = await pairing.status(secret, key=secret_of(request))
        return await _link_page(request, state, status_code=exc.status_code, error=exc.message)
    except (NotFound, Gone) as exc:
        return await _gone_page(request, exc.message, exc.status_code)
    response = redirect(request, "/", _("This device is linked. Welcome, {name}.", name=done.display_name))
    response.cookies.extend([session_cookie(config, done.session_token), _forget_pairing(request)])
    return response


# -- the approving device -------------------------------------------------------------------------
async def _approve_form(request: Request, *, code: str = "", error: str | None = None,
                        status_code: int = 200) -> Template:
    return await render(request, "pairing/approve.html", status_code=status_code, code=code,
                        errors={"code": error} if error else {}, page_title=_("Link another device"), nav="me")


async def _confirm(request: Request, actor: Actor, raw_code: str, *, count: bool) -> Template:
    config = config_of(request)
    try:
        shown = await pairing.look(actor, raw_code, key=secret_of(request), ip=client_ip(request),
                                   rate=config.pairing_rate_limit, count=count)
    except Forbidden:
        raise
    except DomainError as exc:
        return await _approve_form(request, code=raw_code, error=exc.message, status_code=exc.status_code)
    return await render(request, "pairing/confirm.html", pending=shown, groups=await groups.groups_for(actor),
                        page_title=_("Link another device"), nav="me")


@get("/link/approve", opt=PUBLIC, include_in_schema=False)
async def approve_page(request: Request, actor: Actor | None, c: str | None = None) -> Template:
    """Type a code, or arrive from the QR (`?c=CODE`): shows what would be linked; changes nothing."""
    if actor is None:
        return await render(request, "pairing/approve_signed_out.html", status_code=401,
                            page_title=_("Link another device"))
    pairing.may_approve(actor)
    if not c:
        return await _approve_form(request)
    return await _confirm(request, actor, c, count=False)


@post("/link/approve", guards=SIGNED_IN, include_in_schema=False)
async def approve_submit(request: Request, actor: Actor) -> Template | Redirect:
    """A typed code shows the confirmation (a wrong one counts); `confirm` approves."""
    form = await form_data(request)
    raw_code = form.get("code", "")
    if not form.get("confirm"):
        return await _confirm(request, actor, raw_code, count=True)
    config = config_of(request)
    try:
        shown = await pairing.approve(actor, raw_code, key=secret_of(request), ip=client_ip(request),
                                      rate=config.pairing_rate_limit)
    except Forbidden:
        raise
    except DomainError as exc:
        return await _approve_form(request, code=raw_code, error=exc.message, status_code=exc.status_code)
    return redirect(request, "/me/devices", _("Approved. “{label}” is signing in now and then appears in this list.",
                                               label=shown["label"]))


# -- /me ------------------------------------------------------------------------------------------
async def pairing_card(request: Request, actor: Actor) -> dict:
    return {"pairing": {"link_url": f"{config_of(request).base_url}/link"}}



HANDLERS = [link_page, link_new, link_status, link_complete, approve_page, approve_submit]
