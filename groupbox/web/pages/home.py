"""`/`: the home dashboard for a signed-in person, a short landing page otherwise."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from groupbox.access import Actor
from groupbox.domain.actions import home as home_service
from groupbox.timefmt import local
from groupbox.util import now
from groupbox.web.support import PUBLIC, config_of, render


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
async def home(request: Request, actor: Actor | None) -> Template:
    if actor is None:
        return await render(request, "home/landing.html", demo_links=await _demo_links(request))
    data = await home_service.home(actor)
    config = config_of(request)
    today = local(now(), config.timezone)
    return await render(request, "home/dashboard.html", nav="home", today=today, home=data,
                        group_count=len(actor.memberships), page_title=None)


HANDLERS = [home]
