"""`/calendar` (a list by day across groups) and the private ICS feed `/ics/{token}.ics`."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

from litestar import HttpMethod, Request, Response, get, post, route
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from groupbox.access import Actor
from groupbox.db.full import best_effort
from groupbox.domain.actions.service import short_name
from groupbox.domain.calendar import service as calendar
from groupbox.errors import Invalid, NotFound
from groupbox.i18n import _
from groupbox.timefmt import local, zone
from groupbox.util import now
from groupbox.web.support import (
    PUBLIC,
    SIGNED_IN,
    config_of,
    form_data,
    local_path,
    redirect,
    render,
    secret_of,
)

# The page shows three weeks (a phone list, not a year planner); "Later" doubles it up to 60
# days, like the API's default window. Busy weeks page by count: at most `PAGE_EVENTS` events
# (whole days), then "Later" goes on from the next day (ten busy groups fill three weeks with 300).
PAGE_DAYS = 21
MAX_PAGE_DAYS = 60
PAGE_EVENTS = 60


async def _feed_url(request: Request, actor: Actor) -> str | None:
    """The person's private feed link; none on a device signed in to one group only."""
    if not actor.whole_profile:
        return None
    config = config_of(request)
    token = None
    async with best_effort("a calendar feed link"):  # made on first view: never fails the page
        token = await calendar.feed_token(actor, secret_of(request))
    return f"{config.base_url}/ics/{token}.ics" if token else None


def _short_names(rows: list[dict]) -> list[dict]:
    """Rows name their group by its colour dot and short name ("FC Kreuzberg U12")."""
    for row in rows:
        row["group_short"] = short_name(row["group_name"] or "")
    return rows


async def calendar_card(request: Request, actor: Actor) -> dict:
    return {"calendar": {"feed_url": await _feed_url(request, actor)}}




def _whole_days(rows: list[dict], cap: int) -> tuple[list[dict], bool]:
    """At most `cap` rows (of `cap + 1` asked for), cut before the day the cap falls in, so a
    day is never half shown; `True` when rows were left for the next page. A single day with
    more than `cap` events is kept whole (the caller asked for that day alone)."""
    if len(rows) <= cap:
        return rows, False
    last_day = local(rows[cap]["starts_at"], rows[cap]["group_timezone"]).date()
    kept = [r for r in rows[:cap] if local(r["starts_at"], r["group_timezone"]).date() < last_day]
    return (kept, True) if kept else (rows, True)


def _start_day(text: str | None, today: date) -> date:
    """`?from=YYYY-MM-DD` (the "Later" link's next day), today when empty; a clear error otherwise."""
    if not text:
        return today
    try:
        day = date.fromisoformat(text)
        if not 2000 <= day.year <= 2200:
            raise ValueError(text)
        return day
    except ValueError:
        raise Invalid(_("Pick a day as year, month and day, for example {example}.",
                        example=today.isoformat()), field="from") from None


@get("/calendar", guards=SIGNED_IN, include_in_schema=False)
async def calendar_page(request: Request, actor: Actor, past: int = 0, days: int = PAGE_DAYS,
                        from_: Annotated[str | None, QueryParameter(name="from")] = None) -> Template:
    """Three weeks from today (or from `?from=`), at most `PAGE_EVENTS` events cut at a day's
    end; "Show later events" pages on from the first day not shown."""
    config = config_of(request)
    reference = now()
    days = min(max(days, 1), MAX_PAGE_DAYS)
    today = local(reference, config.timezone).date()
    first = _start_day(from_, today) if not past else today
    start = reference - timedelta(days=60) if past else datetime.combine(first, time(), zone(config.timezone))
    end = (reference if past or first <= today else start) + timedelta(days=days)
    found = await calendar.entries(actor, start=start, end=end, limit=None if past else PAGE_EVENTS + 1)
    # `found` holds other servers' entries too (calendar.entries), by start time, before the cut to whole days.
    rows, more = _whole_days(found, PAGE_EVENTS) if not past else (found, False)
    if more and len(rows) > PAGE_EVENTS:  # one day holds more than a page: show that day whole
        day_end = datetime.combine(local(rows[0]["starts_at"], rows[0]["group_timezone"]).date() + timedelta(days=1),
                                   time(), zone(config.timezone))
        rows = await calendar.entries(actor, start=start, end=day_end)
    by_day = calendar.group_by_day(_short_names(rows), lambda r: r["group_timezone"])
    later = None
    if not past:
        if more and by_day:
            later = f"/calendar?from={(by_day[-1][0] + timedelta(days=1)).isoformat()}"
        elif days < MAX_PAGE_DAYS:
            later = f"/calendar?days={min(days * 2, MAX_PAGE_DAYS)}" + (f"&from={first.isoformat()}" if from_ else "")
    return await render(request, "calendar/list.html", nav="calendar", days=by_day, past=past, shown_days=days,
                        later_url=later, from_day=first if first != today else None,
                        today=today, feed_url=await _feed_url(request, actor), page_title=_("Calendar"))


@get("/calendar/month", guards=SIGNED_IN, include_in_schema=False)
async def calendar_month(request: Request, actor: Actor, m: str | None = None) -> Template:
    """A month grid for a wide screen; on a phone the grid shows dots and the month's days follow
    as the list."""
    config = config_of(request)
    today = local(now(), config.timezone).date()
    first = calendar.parse_month(m, today)
    weeks_start = first - timedelta(days=first.weekday())
    start = datetime.combine(weeks_start - timedelta(days=1), time(), zone(config.timezone))
    rows = _short_names(await calendar.entries(actor, start=start, end=start + timedelta(days=45)))
    days = calendar.group_by_day(rows, lambda r: r["group_timezone"])
    return await render(request, "calendar/month.html", nav="calendar", first=first, today=today,
                        weeks=calendar.month_grid(first, dict(days), today),
                        days=[(day, entries) for day, entries in days if (day.year, day.month) == (first.year, first.month)],
                        previous=calendar.shift_month(first, -1), following=calendar.shift_month(first, 1),
                        this_month=today.replace(day=1), feed_url=await _feed_url(request, actor),
                        page_title=_("Calendar"))


@post("/calendar/feed/reset", guards=SIGNED_IN, include_in_schema=False)
async def feed_reset(request: Request, actor: Actor) -> Redirect:
    """The second button of "Make a new link…" (on /calendar and /me): back where it was asked."""
    form = await form_data(request)
    await calendar.reset_feed(actor, secret_of(request))
    return redirect(request, local_path(form.get("next"), "/calendar#feed"),
                    _("New calendar link made. The old one no longer works."))


# HEAD too: calendar apps and link checkers ask it before (or instead of) a GET; Litestar sends
# the GET's headers without the body.
@route("/ics/{token:str}", http_method=[HttpMethod.GET, HttpMethod.HEAD], opt=PUBLIC, include_in_schema=False)
async def ics_feed(request: Request, token: str) -> Response:
    if not token.endswith(".ics"):
        raise NotFound(_("Not found"))
    actor = await calendar.actor_for_feed(token[:-4])
    config = config_of(request)
    # A calendar app sends no cookie: the person's choice on /me, else its header, else the instance's.
    body = await calendar.ics(actor, config.base_url, config.name, actor.language or None)
    # Litestar adds "; charset=utf-8" to text/* itself: naming it here would send it twice.
    return Response(body, media_type="text/calendar",
                    headers={"cache-control": "private, max-age=300", "content-disposition": 'inline; filename="groupbox.ics"'})


HANDLERS = [calendar_page, calendar_month, feed_reset, ics_feed]
