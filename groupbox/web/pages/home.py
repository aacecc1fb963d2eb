"""`/`: the home dashboard for a signed-in person, a short landing page otherwise."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from groupbox.access import Actor
from groupbox.web.support import PUBLIC, render


@get("/", opt=PUBLIC, include_in_schema=False)
async def home(request: Request, actor: Actor | None) -> Template:
    if actor is None:
        return await render(request, "home/landing.html")
    return await render(request, "home/dashboard.html", nav="home")


HANDLERS = [home]
