"""JSON twins of the home dashboard and calendar (SPEC §15, shapes in §15.1)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get
from litestar.params import QueryParameter

from groupbox.access import Actor
from groupbox.domain.actions import home as home_service
from groupbox.domain.actions import service as actions
from groupbox.domain.calendar import service as calendar
from groupbox.domain.remote import aggregate as remote_items
from groupbox.errors import Invalid
from groupbox.i18n import _
from groupbox.timefmt import clean_moment
from groupbox.util import as_utc
from groupbox.web.pagecache import cached_key, state_key
from groupbox.web.support import SIGNED_IN


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value else None


# `/api/home` carries the first `HOME_ACTIONS` action items (the ranked top, what a home screen
# shows) with `actions_total` and `actions_next`, the page of `/api/home/actions` that follows;
# that list pages by `offset` and `limit` (default `ACTIONS_PAGE`, at most `MAX_ACTIONS_PAGE`).
HOME_ACTIONS = 20
ACTIONS_PAGE = 50
MAX_ACTIONS_PAGE = 200


def _next_actions(offset: int, limit: int, total: int) -> str | None:
    return f"/api/home/actions?offset={offset}&limit={limit}" if offset < total else None


def _group(groups: dict, gid: str) -> dict:
    return {"id": gid, "name": groups.get(gid, {}).get("name", "")}


@get("/api/home", guards=SIGNED_IN, tags=["home"])
async def home_get(request: Request, actor: Actor) -> Response:
    """The home dashboard as JSON; cached like the page (same key, see web/pagecache).

    `actions` holds the 20 highest-ranked action items; `actions_total` counts them all and
    `actions_next` (null when none are left) is the `/api/home/actions` page with the rest.
    `upcoming` (14 days, 8 at most), `changed` (10), `official_updates` and `catch_up` are short
    by design; `/api/home/calendar`, `/api/home/official-updates` and `/api/home/catch-up` have
    more."""
    cache = request.app.state.page_cache
    key = await cached_key(request, state_key(actor, list(actor.memberships), "api-home"))
    body = cache.get(key) if key is not None else None
    if body is None:
        body = msgspec.json.encode(await _home_json(actor)).decode()
        if key is not None:
            cache.put(key, body)
    return Response(body, media_type="application/json")


async def _home_json(actor: Actor) -> dict[str, Any]:
    data = await home_service.home(actor, record_visit=False, limit=HOME_ACTIONS, catch_up_threads=True)
    groups = data["groups"]
    return {
        "since": _iso(data["since"]),
        "actions": [item.as_dict(groups) for item in data["needs_me"][:HOME_ACTIONS]],
        "actions_total": data["needs_total"],
        "actions_next": _next_actions(HOME_ACTIONS, ACTIONS_PAGE, data["needs_total"]),
        "upcoming": [calendar.entry_json(r) for r in data["upcoming"]],
        "changed": [{**{k: (_iso(v) if isinstance(v, datetime) else v) for k, v in c.items() if k != "group_id"},
                     "group": _group(groups, c["group_id"])} for c in data["changed"]],
        "official_updates": [_announcement(a, groups) for a in data["official"]],
        "catch_up": [{**c, "group": _group(groups, c["group_id"])} for c in data["catch_up"]],
    }


def _announcement(a: dict, groups: dict) -> dict:
    return {"id": a["id"], "title": a["title"], "group": _group(groups, a["group_id"]), "urgent": bool(a["urgent"]),
            "author": a.get("author_name"), "created_at": _iso(a["created_at"]), "url": a["url"],
            **({"remote": a["remote"], "server": a["server"]} if a.get("remote") else {})}


@get("/api/home/actions", guards=SIGNED_IN, tags=["home"])
async def home_actions(
    actor: Actor,
    offset: Annotated[int, QueryParameter(description="items to skip (ranked order)")] = 0,
    limit: Annotated[int, QueryParameter(description=f"items per page, 1 to {MAX_ACTIONS_PAGE}")] = ACTIONS_PAGE,
) -> dict[str, Any]:
    """What needs me across my groups, ranked (SPEC §8): `items` from `offset`, `limit` of them
    (50 by default, 200 at most); `total` counts all; `next` is the following page (null at
    the end)."""
    if offset < 0:
        raise Invalid(_("Start at 0 or later."), field="offset")
    if not 1 <= limit <= MAX_ACTIONS_PAGE:
        raise Invalid(_("Ask for 1 to {n} items at a time.", n=MAX_ACTIONS_PAGE), field="limit")
    items = await remote_items.merge_actions(actor, await actions.derive(actor))  # other servers' too, ranked
    groups = await actions.group_names(list(actor.memberships))
    page = items[offset:offset + limit]
    return {"items": [item.as_dict(groups) for item in page], "total": len(items),
            "next": _next_actions(offset + limit, limit, len(items))}


@get("/api/home/calendar", guards=SIGNED_IN, tags=["home"])
async def home_calendar(
    actor: Actor,
    from_: Annotated[str | None, QueryParameter(name="from")] = None,
    to: str | None = None,
) -> dict[str, Any]:
    start = clean_moment(from_, "UTC", "from", example="2026-05-28")
    end = clean_moment(to, "UTC", "to", example="2026-07-28")
    rows = await calendar.entries(actor, start, end)
    return {"items": [calendar.entry_json(r) for r in rows]}


@get("/api/home/official-updates", guards=SIGNED_IN, tags=["home"])
async def home_official(actor: Actor) -> dict[str, Any]:
    groups = {**await remote_items.groups(actor), **await actions.group_names(list(actor.memberships))}
    rows = await remote_items.merge_official(actor, await home_service.official_updates(actor, limit=20), 20)
    return {"items": [_announcement(a, groups) for a in rows]}


@get("/api/home/catch-up", guards=SIGNED_IN, tags=["home"])
async def home_catch_up(actor: Actor) -> dict[str, Any]:
    since = await home_service.visit_window(actor, record=False)
    groups = await actions.group_names(list(actor.memberships))
    return {"since": _iso(since),
            "items": [{**c, "group": _group(groups, c["group_id"])} for c in await home_service.catch_up(actor, since)]}


@get("/api/home/files", guards=SIGNED_IN, tags=["home"])
async def home_files(actor: Actor) -> dict[str, Any]:
    from groupbox.domain.files import service as files

    finder = getattr(files, "files_for_person", None)
    rows = await remote_items.merge_files(actor, await finder(actor, 50) if finder else [], 50)
    return {"items": [{k: (_iso(v) if isinstance(v, datetime) else v) for k, v in r.items()} for r in rows]}


HANDLERS = [home_get, home_actions, home_calendar, home_official, home_catch_up, home_files]
