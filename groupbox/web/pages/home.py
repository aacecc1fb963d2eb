"""`/`: the home dashboard for a signed-in person, a short landing page otherwise."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template

from groupbox.access import Actor, can
from groupbox.domain.actions import home as home_service
from groupbox.timefmt import local
from groupbox.util import now
from groupbox.web.pagecache import cached_page, state_key
from groupbox.web.support import PUBLIC, config_of, live_refresh, render

# Words before a name that are not what friends call you: "Hi Coach Mark", not "Hi Coach".
_TITLES = {"coach", "dr", "dr.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "frau", "herr", "prof", "prof."}


def first_name(display_name: str) -> str:
    """"Anna Müller" -> "Anna"; "Anna (Mia's mum)" -> "Anna"; "Ms Schulz" stays whole."""
    words = display_name.split()
    if not words:
        return display_name
    if words[0].lower() in _TITLES:
        return display_name.strip()
    return words[0].rstrip(",")


async def _demo_links(request: Request) -> dict | None:
    """In development with demo data, the landing page offers the demo's two doors."""
    if not config_of(request).dev_mode:
        return None
    try:
        from groupbox.domain.demo import service as demo
    except ImportError:  # pragma: no cover - the demo is optional
        return None
    return await demo.landing_links(config_of(request))


@get("/", opt=PUBLIC, include_in_schema=False)
async def home(request: Request, actor: Actor | None) -> Template | Response:
    if actor is None:
        return await render(request, "home/landing.html", demo_links=await _demo_links(request))
    # Records this visit first (it is part of the key); a background refresh is no visit.
    since = await home_service.visit_window(actor, record=not live_refresh(request))
    config = config_of(request)

    async def build() -> dict:
        data = await home_service.home(actor, since=since)
        # Groups on connected servers count too: a home server may hold no group of its own.
        groups = len(actor.memberships) + len(data.get("remote", {}).get("groups", ()))
        return {"today": local(now(), config.timezone), "home": data,
                "group_count": groups, "first_name": first_name(actor.display_name),
                "can_create_group": can(actor, "group.create", None), "page_title": None,
                "needs_shown": home_service.NEEDS_SHOWN}

    key = state_key(actor, list(actor.memberships), "home")
    return await cached_page(request, actor, "home/dashboard.html", key, build, nav="home")


HANDLERS = [home]


@post("/demo/anna", opt=PUBLIC, include_in_schema=False)
async def demo_try_as_anna(request: Request, actor: Actor | None) -> Redirect:
    """Development with demo data only: sign this browser in as Anna in one tap."""
    from groupbox.domain.demo import service as demo
    from groupbox.domain.identity import service as identity
    from groupbox.errors import NotFound
    from groupbox.web.support import redirect, session_cookie

    config = config_of(request)
    token = await demo.anna_signin_token() if config.dev_mode else None
    if token is None:
        raise NotFound("Not found")
    result = await identity.consume_signin(token, current=None, user_agent=request.headers.get("user-agent"),
                                           session_days=config.session_days)
    response = redirect(request, "/", "You're signed in as Anna (demo).")
    response.cookies.append(session_cookie(config, result.session_token))
    return response


HANDLERS.append(demo_try_as_anna)
