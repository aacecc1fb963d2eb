"""What every controller shares: the current person, guards, rendering, redirects with a
confirmation, and cookies. Controllers stay thin: parse, call a service, render."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.exceptions import NotAuthorizedException
from litestar.handlers import BaseRouteHandler
from litestar.response import Redirect, Template

from groupbox.access import Actor
from groupbox.config import Config
from groupbox.web.auth import SESSION_COOKIE

FLASH_COOKIE = "gb_flash"
BROWSER_COOKIE = "gb_browser"


def config_of(connection: ASGIConnection) -> Config:
    return connection.app.state.config


def secret_of(connection: ASGIConnection) -> str:
    """The instance secret, read once when the app was made (as its CSRF check uses it), not
    from the key file on every request."""
    return connection.app.state.secret


def actor_of(connection: ASGIConnection) -> Actor | None:
    return connection.scope.get("state", {}).get("actor")


async def provide_actor(request: Request) -> Actor | None:
    """Litestar dependency `actor`: the signed-in person, or None."""
    return actor_of(request)


# -- guards -------------------------------------------------------------------------------------
# Every route either carries `opt={"public": True}` or one of these guards; a test walks the
# routes and fails on any that has neither. The *decisions* still happen in services via
# `access.can`; a guard only insists that someone is signed in at all.
def signed_in(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if actor_of(connection) is None:
        raise NotAuthorizedException("Please sign in first.")


SIGNED_IN = [signed_in]
PUBLIC = {"public": True}
# Routes whose answers cost many times an ordinary page's (a long archive page, its search): a
# worker serves only a few of them at once (`web.app.HeavyRoutes`), so people reading them hard
# cannot starve everyone else's requests.
HEAVY = {"heavy": True}


# -- cookies ------------------------------------------------------------------------------------
def session_cookie(config: Config, token: str) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE, value=token, path="/", httponly=True, samesite="lax", secure=config.https,
        max_age=config.session_days * 86400,
    )


def clear_session_cookie(config: Config) -> Cookie:
    return Cookie(key=SESSION_COOKIE, value="", path="/", httponly=True, samesite="lax", secure=config.https,
                  max_age=0)


# -- flash confirmations ------------------------------------------------------------------------
@dataclass(frozen=True)
class Flash:
    message: str
    kind: str = "success"


def read_flash(request: Request) -> Flash | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    kind, _, message = unquote(raw).partition("|")
    if kind not in {"success", "error", "info"} or not message:
        return None
    return Flash(message[:300], kind)


def redirect(request: Request, path: str, flash: str | None = None, kind: str = "success") -> Redirect:
    """POST -> 303 -> GET, carrying a short confirmation for the next page."""
    cookies = []
    if flash:
        cookies.append(Cookie(key=FLASH_COOKIE, value=quote(f"{kind}|{flash}"[:400]), path="/", httponly=True,
                              samesite="lax", secure=config_of(request).https, max_age=60))
    return Redirect(path=path, status_code=303, cookies=cookies)


# -- rendering ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Viewer:
    display_name: str
    unread_count: int
    actor: Actor
    bell_slot: Any = None  # a cached page's placeholder for the unread badge (see pagecache)


async def viewer_for(request: Request) -> Viewer | None:
    actor = actor_of(request)
    if actor is None:
        return None
    unread = 0
    counter = request.app.state.get("unread_counter")
    if counter is not None:
        unread = await counter(actor)
    return Viewer(actor.display_name, unread, actor)


async def render(request: Request, template: str, *, status_code: int = 200, nav: str | None = None,
                 **context: Any) -> Template:
    flash = read_flash(request)
    response = Template(
        template_name=template,
        context={"viewer": await viewer_for(request), "flash": flash, "nav": nav, **context},
        status_code=status_code,
    )
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def _trusted(address: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: Request) -> str:
    """The client's address, for rate limits. X-Forwarded-For is believed only from the proxies
    named in `trusted_proxies` (none by default): walking it from the right, the first address
    that is not one of those proxies is the client. Anyone else's header is ignored, so rotating
    it gains nothing."""
    peer = request.client.host if request.client else "unknown"
    networks = config_of(request).trusted_networks
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in ",".join(request.headers.getall("x-forwarded-for", [])).split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop[:64]
    return hops[0][:64] if hops else peer


def wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path == "/api" or path.startswith("/.well-known/")


def live_refresh(request: Request) -> bool:
    """A page fetched in the background by static/live.js (`X-Live: 1`) to swap a section or the
    bell: the person has not looked at the page again, so nothing counts as seen or visited."""
    return request.headers.get("x-live") == "1"


async def form_data(request: Request) -> dict[str, str]:
    """The posted form as a plain dict of strings (the last value wins)."""
    form = await request.form()
    return {key: (value if isinstance(value, str) else "") for key, value in form.items() if key != "_csrf_token"}


def checked(form: dict[str, str], name: str) -> bool:
    return form.get(name, "") not in ("", "0", "off", "false")


def form_error_page(exc) -> dict[str, Any]:
    """Context for re-rendering a form beside a domain error: {errors: {field: message}}."""
    errors = dict(exc.errors) if exc.errors else {"_form": exc.message}
    return {"errors": errors}


def local_path(raw: str | None, default: str) -> str:
    """Where a small form returns to (its `next`/`back` field): only a path on this site."""
    target = (raw or "").strip()
    if target.startswith("/") and not target.startswith("//") and "\\" not in target and len(target) < 300:
        return target
    return default
