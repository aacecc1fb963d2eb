"""A cache of rendered dashboards, keyed by everything they show.

The home and group dashboards gather a lot (actions across groups, counts, catch-up) and are
opened far more often than anything changes. Every change to a group's objects, members or
settings takes the group's next change number (`grp.seq`); what is personal (threads read,
events and announcements seen, the last visit) has its own timestamps. The cache key is built
from those with one small query, plus the minute (relative times like "in 2 h" and deadlines
move with the clock) and the request's language, so a hit is never stale by more than a minute
and never shows another person's page or another language. Per-request parts — the CSRF token,
the flash message, the unread count — are placeholders filled in on the way out. Each worker
has its own small LRU; nothing to share.
"""

from __future__ import annotations

import hashlib
import inspect
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, Response
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup, escape

from groupbox import i18n
from groupbox.access import Actor
from groupbox.domain.actions import store as actions_store
from groupbox.i18n import _, _n
from groupbox.web.support import FLASH_COOKIE, Viewer, config_of, read_flash

CSRF_SLOT = "<!--gb:csrf-->"
FLASH_SLOT = "<!--gb:flash-->"
BELL_SLOT = "<!--gb:bell-->"
MAX_ENTRIES = 256


class PageCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.entries: OrderedDict[str, str] = OrderedDict()
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> str | None:
        html = self.entries.get(key)
        if html is not None:
            self.entries.move_to_end(key)
            self.hits += 1
        else:
            self.misses += 1
        return html

    def put(self, key: str, html: str) -> None:
        self.entries[key] = html
        self.entries.move_to_end(key)
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)


async def state_key(actor: Actor, group_ids: list[str], *parts: Any) -> str:
    """Everything a dashboard of these groups shows for this person, as one digest."""
    member_ids = [m.member_id for gid, m in actor.memberships.items() if gid in group_ids]
    row = await actions_store.dashboard_state(group_ids, member_ids, actor.profile_id)
    memberships = sorted((m.group_id, m.member_id, m.role) for m in actor.memberships.values())
    # The language too: the same person reads German after choosing it on /me, or from another browser.
    raw = repr((actor.profile_id, actor.display_name, memberships, row, int(time.time() // 60),
                i18n.current(), parts))
    return hashlib.sha256(raw.encode()).hexdigest()


def _bell(count: int) -> str:
    if count <= 0:
        return ""
    shown = count if count < 100 else "99+"
    return (f'<span class="bell__badge" aria-hidden="true">{shown}</span>'
            f'<span class="visually-hidden">{escape(_("{count} unread", count=count))}</span>')


async def cached_key(request: Request, key: Awaitable[str]) -> str | None:
    """The cache key (`state_key(...)`, not yet awaited) if the page cache is on; with it off, the
    key's query is not sent at all (issue 17: the cache's key was a query of every uncached page)."""
    if config_of(request).page_cache:
        return await key
    if inspect.iscoroutine(key):
        key.close()
    return None


async def cached_page(request: Request, actor: Actor, template: str, key: Awaitable[str],
                      build: Callable[[], Awaitable[dict[str, Any]]], *, nav: str | None = None) -> Response:
    """Serve `template` from the cache under `key` (`state_key(...)`, awaited only when the
    cache is on), or render it (with placeholders) and keep it."""
    cache: PageCache = request.app.state.page_cache
    cache_key = await cached_key(request, key)
    html = cache.get(cache_key) if cache_key is not None else None
    if html is None:
        context = await build()
        engine = request.app.template_engine
        viewer = Viewer(actor.display_name, 0, actor, bell_slot=Markup(BELL_SLOT))
        html = engine.get_template(template).render(
            **context, request=request, csrf_input=Markup(CSRF_SLOT), viewer=viewer, flash=None,
            flash_slot=Markup(FLASH_SLOT), nav=nav,
        )
        if cache_key is not None:
            cache.put(cache_key, html)
    token = ScopeState.from_scope(request.scope).csrf_token or ""
    csrf = f'<input type="hidden" name="_csrf_token" value="{escape(token)}" />'
    counter = request.app.state.get("unread_counter")
    unread = await counter(actor) if counter else 0
    flash = read_flash(request)
    flash_html = ""
    if flash is not None:
        flash_html = request.app.template_engine.engine.from_string(
            '{% import "macros/ui.html" as ui with context %}{{ ui.flash_banner(flash) }}'
        ).render(flash=flash, _=_, _n=_n, static_url=request.app.template_engine.engine.globals["static_url"])
    body = html.replace(CSRF_SLOT, csrf).replace(BELL_SLOT, _bell(unread)).replace(FLASH_SLOT, flash_html)
    response = Response(body, media_type="text/html")  # Litestar adds the charset (once)
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response
