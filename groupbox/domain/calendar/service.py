"""The cross-group calendar and the private ICS feed (SPEC §10).

The ICS URL is `/ics/{token}.ics`. The token is derived with an HMAC from the instance secret and
a per-person secret, so the person can see the same URL again at any time; only its hash is
stored for lookup. "Reset link" rotates the per-person secret: the old URL answers 404.
Events carry SEQUENCE = their version (bumped on every move and on cancel) and
STATUS:CANCELLED once cancelled, so phone calendars show moves and cancellations; a cancelled
event's summary says so in the person's language and its DESCRIPTION gives the reason.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from groupbox.access import Actor, require_whole_profile
from groupbox.domain.identity.store import profiles as profiles_store
from groupbox.errors import Invalid, NotFound
from groupbox.i18n import N_, _, translator
from groupbox.util import as_utc, now, token_hash

DEFAULT_BACK = timedelta(days=7)
DEFAULT_AHEAD = timedelta(days=60)
ICS_BACK = timedelta(days=60)
ICS_AHEAD = timedelta(days=400)
# My answer as the pages say it (templates/macros/ui.html, status_pill).
ANSWER_LABELS = {"yes": N_("Going"), "maybe": N_("Maybe"), "no": N_("Not going")}


async def entries(actor: Actor, start: datetime | None = None, end: datetime | None = None,
                  limit: int | None = None) -> list[dict[str, Any]]:
    """Calendar entries (SPEC §15.1 shape plus what pages show), 7 days back to 60 ahead by
    default; the first `limit` by start time when given."""
    from groupbox.domain.files import service as files
    from groupbox.domain.objects import events

    reference = now()
    start = start or reference - DEFAULT_BACK
    end = end or reference + DEFAULT_AHEAD
    rows = await events.events_between(actor, start=start, end=end, limit=limit)
    attached = await files.attachments("event", [r["id"] for r in rows])
    for row in rows:
        row["files"] = attached.get(row["id"], [])
    from groupbox.domain.remote import aggregate as remote_items  # the person's connected servers

    return await remote_items.merge_events(actor, rows, start, end, limit)


def entry_json(row: dict) -> dict[str, Any]:
    return {
        "id": row["id"], "title": row["title"],
        "starts_at": as_utc(row["starts_at"]).isoformat(),
        "ends_at": as_utc(row["ends_at"]).isoformat() if row.get("ends_at") else None,
        "location": row.get("location") or None,
        "group": {"id": row["group_id"], "name": row.get("group_name", "")},
        "my_rsvp": row.get("my_rsvp"), "changed": bool(row.get("changed")), "cancelled": bool(row.get("cancelled")),
        "url": row["url"],
        **({"remote": row["remote"], "server": row["server"]} if row.get("remote") else {}),
    }


def group_by_day(rows: list[dict], tz_of) -> list[tuple[Any, list[dict]]]:
    """[(local date, [entries])] in order; each entry in its own group's timezone."""
    from groupbox.timefmt import local

    days: dict[Any, list[dict]] = {}
    for row in rows:
        day = local(row["starts_at"], tz_of(row)).date()
        days.setdefault(day, []).append(row)
    return sorted(days.items())


def parse_month(text: str | None, today: date) -> date:
    """The first day of the month "YYYY-MM" (this month when empty); a clear error otherwise."""
    if not text:
        return today.replace(day=1)
    try:
        year, month = (int(part) for part in text.split("-"))
        if len(text) != 7 or not 2000 <= year <= 2200:
            raise ValueError(text)
        return date(year, month, 1)
    except ValueError:
        raise Invalid(_("Pick a month as year and month, for example {example}.",
                          example=today.strftime("%Y-%m"))) from None


def shift_month(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_grid(first: date, by_day: dict[date, list[dict]], today: date) -> list[list[dict[str, Any]]]:
    """The weeks (Monday first) that show the month starting at `first`: each day with
    `date`, `in_month`, `today` and its `entries` (from `by_day`)."""
    start = first - timedelta(days=first.weekday())
    following = shift_month(first, 1)
    end = following + timedelta(days=(7 - following.weekday()) % 7)
    weeks: list[list[dict[str, Any]]] = []
    day = start
    while day < end:
        if day.weekday() == 0:
            weeks.append([])
        weeks[-1].append({"date": day, "in_month": day.month == first.month, "today": day == today,
                          "entries": by_day.get(day, [])})
        day += timedelta(days=1)
    return weeks


# -- the ICS feed -------------------------------------------------------------------------------
def _derive(instance_secret: str, profile_id: str, person_secret: str) -> str:
    digest = hmac.new(instance_secret.encode(), f"ics:{profile_id}:{person_secret}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def feed_token(actor: Actor, instance_secret: str) -> str:
    """The person's feed token (created on first use). The feed shows every group of the profile,
    so a device signed in to one group has none."""
    require_whole_profile(actor)
    person_secret = await profiles_store.profile_ics_secret(actor.profile_id)
    if not person_secret:
        return await reset_feed(actor, instance_secret)
    return _derive(instance_secret, actor.profile_id, person_secret)


async def reset_feed(actor: Actor, instance_secret: str) -> str:
    """Rotate the per-person secret: a new URL, and the old one stops working."""
    require_whole_profile(actor)
    person_secret = secrets.token_urlsafe(24)
    token = _derive(instance_secret, actor.profile_id, person_secret)
    await profiles_store.profile_ics_set(actor.profile_id, person_secret, token_hash(token))
    return token


async def actor_for_feed(token: str) -> Actor:
    from groupbox.domain.identity import service as identity

    profile_id = await profiles_store.profile_id_for_ics(token_hash(token or ""))
    if profile_id is None:
        raise NotFound("Not found")
    return await identity.load_actor(profile_id)


def _description(row: dict, gettext) -> str:
    """The group, a cancellation and its reason, my answer, then the event's own text."""
    parts = [" · ".join(p for p in (row.get("group_name"), (row.get("server") or {}).get("name")) if p)]
    if row["cancelled"]:
        reason = (row.get("cancel_reason") or "").strip()
        parts.append(gettext("Cancelled: {reason}", reason=reason) if reason else gettext("Cancelled."))
    if row.get("my_rsvp"):
        answer = ANSWER_LABELS.get(row["my_rsvp"], row["my_rsvp"])
        parts.append(gettext("Your answer: {answer}", answer=gettext(answer)))
    parts.append((row.get("description") or "").strip())
    return "\n\n".join(part for part in parts if part)


async def ics(actor: Actor, base_url: str, server_name: str, language: str | None = None) -> bytes:
    """The person's events from all groups as iCalendar (UTC times, SEQUENCE, STATUS), the
    words in `language` (default: the current one)."""
    from icalendar import Calendar, Event

    gettext = translator(language)
    reference = now()
    rows = await entries(actor, reference - ICS_BACK, reference + ICS_AHEAD)
    calendar = Calendar()
    calendar.add("prodid", "-//groupbox//calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{server_name}: {actor.display_name}")
    calendar.add("refresh-interval;value=duration", "PT1H")
    for row in rows:
        event = Event()
        # A remote event keeps its group server's identity (its id @ that host) and link.
        host = (row["server"]["url"] if row.get("remote") else base_url).split("://", 1)[-1]
        event.add("uid", f"{row['id']}@{host}")
        event.add("summary", gettext("{title} (cancelled)", title=row["title"]) if row["cancelled"] else row["title"])
        event.add("dtstart", as_utc(row["starts_at"]))
        event.add("dtend", as_utc(row["ends_at"]) if row.get("ends_at") else as_utc(row["starts_at"]) + timedelta(hours=1))
        event.add("dtstamp", as_utc(row["updated_at"]))
        event.add("last-modified", as_utc(row["updated_at"]))
        event.add("sequence", int(row.get("version") or 1))
        event.add("status", "CANCELLED" if row["cancelled"] else "CONFIRMED")
        if row.get("location"):
            event.add("location", row["location"])
        event.add("description", _description(row, gettext))
        event.add("url", row["url"] if row.get("remote") else f"{base_url}{row['url']}")
        calendar.add_component(event)
    return calendar.to_ical()
