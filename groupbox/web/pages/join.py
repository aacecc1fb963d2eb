"""`/join/{token}`: the moment a parent taps the invite link in the old group chat.

GET shows the group and one field (a name); it spends nothing, so link previews are harmless.
When the group's next event asks for RSVPs, Yes / Maybe / No sit under the name ("Join and
answer"): plain submit buttons of the same form, so one field and one tap record the answer.
POST claims (and answers): member, device, session, then the group dashboard."""

from __future__ import annotations

import secrets

from litestar import Request, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from groupbox.access import Actor
from groupbox.domain.groups import invites
from groupbox.errors import Forbidden, Gone, Invalid, NotFound, RateLimited
from groupbox.i18n import _
from groupbox.web.pages.events import rsvp_confirmation
from groupbox.web.support import (
    BROWSER_COOKIE,
    PUBLIC,
    client_ip,
    config_of,
    form_data,
    redirect,
    render,
    session_cookie,
)


def _browser_key(request: Request, actor: Actor | None) -> tuple[str, Cookie | None]:
    """A stable id for this browser (for the "opened" count): its device, or a cookie."""
    if actor is not None and actor.device_id:
        return actor.device_id, None
    existing = request.cookies.get(BROWSER_COOKIE)
    if existing and 10 <= len(existing) <= 64:
        return existing, None
    value = secrets.token_urlsafe(16)
    config = config_of(request)
    return value, Cookie(key=BROWSER_COOKIE, value=value, path="/", httponly=True, samesite="lax",
                         secure=config.https, max_age=365 * 86400)


async def _invalid(request: Request, exc: NotFound | Gone | Forbidden) -> Template:
    return await render(request, "join/invalid.html", status_code=exc.status_code, message=exc.message,
                        link_spent=exc.status_code != 403, page_title=_("This invite link doesn't work"))


@get("/join/{token:str}", opt=PUBLIC, include_in_schema=False)
async def join_page(request: Request, token: str, actor: Actor | None) -> Template | Redirect:
    browser, cookie = _browser_key(request, actor)
    try:
        preview = await invites.invite_preview(token, browser)
    except (NotFound, Gone) as exc:
        return await _invalid(request, exc)
    group_id = preview["group"]["id"]
    if actor is not None and actor.membership(group_id):
        return redirect(request, f"/groups/{group_id}")
    if actor is not None and await invites.pending_membership(actor, group_id):
        return redirect(request, f"/groups/{group_id}/waiting")
    refusal = await invites.join_refusal(actor, group_id)
    if refusal:
        return await _invalid(request, Forbidden(refusal))
    response = await render(request, "join/join.html", token=token, preview=preview, errors={},
                            values={"display_name": actor.display_name if actor else ""},
                            returning=actor is not None, page_title=preview["group"]["name"])
    if cookie:
        response.cookies.append(cookie)
    return response


@post("/join/{token:str}", opt=PUBLIC, include_in_schema=False)
async def join_submit(request: Request, token: str, actor: Actor | None) -> Template | Redirect:
    config = config_of(request)
    form = await form_data(request)
    answer = None
    claim = {"actor": actor, "user_agent": request.headers.get("user-agent"), "ip": client_ip(request),
             "rate": config.claim_rate_limit, "session_days": config.session_days}
    try:
        if form.get("answer"):
            result, answer = await invites.invite_claim_and_answer(
                token, form.get("display_name", ""), form.get("event", ""), form.get("answer", ""), **claim)
        else:
            result = await invites.invite_claim(token, form.get("display_name", ""), **claim)
    except (NotFound, Gone, Forbidden) as exc:
        return await _invalid(request, exc)
    except RateLimited as exc:
        response = await render(request, "join/invalid.html", status_code=429, message=exc.message,
                                page_title=_("Slow down"))
        response.headers["retry-after"] = str(exc.retry_after)
        return response
    except Invalid as exc:
        preview = await invites.invite_preview(token)
        return await render(request, "join/join.html", status_code=422, token=token, preview=preview,
                            errors=exc.errors, values=form, returning=actor is not None,
                            page_title=preview["group"]["name"])
    message = _("Welcome! You're in.") if result.status == "active" else None
    kind = "success"
    if answer is not None and answer.status:
        message = _("Welcome! You're in. {answer}", answer=rsvp_confirmation(
            answer.status, answer.event, answer.event["group_timezone"]))
    elif answer is not None and answer.problem and result.status == "active":
        message, kind = _("Welcome! You're in, but your answer was not saved: {reason}", reason=answer.problem), "error"
    response = redirect(request, result.redirect, message, kind=kind)
    if result.session_token:
        response.cookies.append(session_cookie(config, result.session_token))
    return response


HANDLERS = [join_page, join_submit]
