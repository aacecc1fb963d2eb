"""The home dashboard: what needs me, what is coming, what changed — across all my groups (SPEC §8).

"Last visit" is tracked per person: a home view more than 30 minutes after the previous one
moves the window, so reloading keeps showing the same "changed since" list. Without any earlier
visit the window is the last 7 days.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from groupbox.access import Actor
from groupbox.db.full import best_effort
from groupbox.domain.actions import service as actions
from groupbox.domain.actions import store
from groupbox.domain.identity.store import profiles as profiles_store
from groupbox.domain.remote import aggregate as remote_items
from groupbox.util import as_utc, now

VISIT_GAP = timedelta(minutes=30)
FIRST_WINDOW = timedelta(days=7)
UPCOMING_DAYS = 14
NEEDS_SHOWN = 12  # cards under "Needs you" before "n more"


async def visit_window(actor: Actor, reference: datetime | None = None, record: bool = True) -> datetime:
    """The start of "since my last visit"; records this visit when `record`."""
    reference = reference or now()
    profile = await profiles_store.profile_visits(actor.profile_id)
    last = as_utc(profile["last_visit_at"]) if profile and profile["last_visit_at"] else None
    prev = as_utc(profile["prev_visit_at"]) if profile and profile["prev_visit_at"] else None
    if last is None or reference - last > VISIT_GAP:
        prev, last = last, reference
        if record:
            async with best_effort("a visit"):
                await profiles_store.profile_visits_set(actor.profile_id, prev, last)
    return prev or reference - FIRST_WINDOW


async def changed_since(actor: Actor, since: datetime, limit: int = 10) -> list[dict[str, Any]]:
    """Moved or cancelled events (the latest change per event) and new official announcements
    since `since`, newest first. Changes I made myself, and those made before I joined the
    group, are left out."""
    gids = list(actor.memberships)
    if not gids:
        return []
    mids = actor.member_ids
    # What happened before I joined a group is not news to me.
    rows = await store.event_changes_since(gids, mids, since, limit)
    # The oldest old value in the window, so "was → now" spans every change since the visit.
    first = await store.event_changes_oldest([r["event_id"] for r in rows], since)
    items = []
    for r in rows:
        origin = first.get(r["event_id"], r)
        items.append({
            "type": "cancelled" if r["cancelled"] else "moved",
            "id": r["event_id"], "title": r["title"], "group_id": r["group_id"], "url": f"/events/{r['event_id']}",
            "at": r["changed_at"], "old_starts_at": origin["old_starts_at"], "old_location": origin["old_location"],
            "new_starts_at": r["new_starts_at"], "new_location": r["new_location"], "reason": r["cancel_reason"],
        })
    announcements = await store.official_since(gids, mids, since, limit)
    for a in announcements:
        items.append({"type": "announcement", "id": a["id"], "title": a["title"], "group_id": a["group_id"],
                      "url": f"/announcements/{a['id']}", "at": a["created_at"], "urgent": bool(a["urgent"]),
                      "author": a["author_name"]})
    items.sort(key=lambda i: as_utc(i["at"]), reverse=True)
    return items[:limit]


async def official_updates(actor: Actor, limit: int = 5) -> list[dict]:
    gids = list(actor.memberships)
    if not gids:
        return []
    rows = await store.official_latest(gids, limit)
    for row in rows:
        row["url"] = f"/announcements/{row['id']}"
    return rows


async def catch_up(actor: Actor, since: datetime, threads: bool = True) -> list[dict]:
    """Per group: what others said in discussions since my last visit — how many messages, the
    busiest threads (unless not `threads`: the home page shows counts only), mentions of me —
    across all my groups in two queries (what `threads.catch_up` gives per group); groups with
    news only, mentions first."""
    mine = actor.members_in(None)
    if not mine:
        return []
    since = as_utc(since)
    mentions = await store.mention_counts(list(mine.values()), since)
    by_group: dict[str, list[dict]] | None = None
    if threads:
        by_group = {}
        for r in await store.catch_up_threads(list(mine.items()), since):
            by_group.setdefault(r["group_id"], []).append(r)
        counts = {gid: sum(r["count"] for r in rows) for gid, rows in by_group.items()}
    else:
        counts = await store.catch_up_counts(list(mine.items()), since)
    result = []
    for gid, mid in mine.items():
        if not counts.get(gid):
            continue
        entry = {"group_id": gid, "messages": counts[gid], "mentions": mentions.get(mid, 0),
                 "url": f"/groups/{gid}/discussions"}
        if by_group is not None:
            busiest = sorted(by_group[gid], key=lambda r: str(r["latest"]), reverse=True)
            busiest.sort(key=lambda r: r["count"], reverse=True)  # stable: busiest, then latest
            entry["threads"] = [{"id": r["id"], "title": r["title"], "count": r["count"],
                                 "url": f"/threads/{r['id']}"} for r in busiest[:3]]
            entry["thread_count"] = len(busiest)
        result.append(entry)
    result.sort(key=lambda r: (-r["mentions"], -r["messages"]))
    return result


async def upcoming(actor: Actor, reference: datetime | None = None, days: int = UPCOMING_DAYS,
                   limit: int = 8) -> list[dict]:
    from groupbox.domain.objects import events

    reference = reference or now()
    return await events.events_between(actor, start=reference, end=reference + timedelta(days=days), limit=limit)


def _about(announcement: dict, events: dict[str, dict]) -> dict | None:
    """The coming-up event an official announcement is news about: one of its group whose title it
    names ("Parent evening moved to 3 Dec" and the moved "Parent evening"), changed since my visit."""
    title = announcement["title"].casefold()
    for event in events.values():
        if (event["group_id"] == announcement["group_id"] and event.get("home_change")
                and event["title"].casefold() in title):
            return event
    return None


async def home(actor: Actor, reference: datetime | None = None, record_visit: bool = True,
               since: datetime | None = None, limit: int = NEEDS_SHOWN,
               catch_up_threads: bool = False) -> dict[str, Any]:
    """`needs_me` is exact in its first `limit` items (`actions.ranked`; `needs_total` counts
    them all); `changed` is complete; `catch_up` names each group's busiest threads only with
    `catch_up_threads` (the API's; the page shows counts). The page shows each thing once:
    - a place I took on a sign-up sheet of an event that is coming up shows on that event's row
      (`my_slots`), not as a card of its own (`needs_page` leaves it out);
    - an event under "Coming up" that moved or was cancelled since my visit carries its change on
      its row (`home_change`), with the official announcement about it (`news`); "Changed" lists
      the rest (`changed_below`) and only names those on rows (`changed_above`);
    - "Official updates" are the last `UPCOMING_DAYS` days' announcements not shown above.
    `since` (the start of "since my last visit") when the caller has it already."""
    reference = reference or now()
    if since is None:  # the page records the visit before it builds its cache key, and passes it
        since = await visit_window(actor, reference, record=record_visit)
    needs = await actions.ranked(actor, reference, limit=limit)
    items = needs.items
    groups = await actions.group_names(list(actor.memberships))
    coming = await upcoming(actor, reference)
    on_page = {e["id"]: e for e in coming}
    on_rows = set()
    for item in items:
        event = on_page.get(item.detail.get("event_id") or "") if item.kind == "commitment" else None
        if event is not None:
            event.setdefault("my_slots", []).append(item.detail["label"])
            on_rows.add(item.id)
    needed = needs.ids  # shown or only counted under "n more": not news below
    changed = [c for c in await changed_since(actor, since) if c["id"] not in needed]
    changed_above, changed_below = [], []
    for c in changed:
        if c["id"] in on_page:
            on_page[c["id"]]["home_change"] = c
            changed_above.append(c)
    for c in changed:
        event = _about(c, on_page) if c["type"] == "announcement" else None
        if event is not None:
            event["news"] = c
            changed_above.append({**c, "event_id": event["id"]})
        elif c["id"] not in on_page:
            changed_below.append(c)
    shown = needed | {c["id"] for c in changed}
    recent = reference - timedelta(days=UPCOMING_DAYS)
    official = [a for a in await official_updates(actor, limit=8) if a["id"] not in shown][:4]
    result = {
        "since": since,
        "needs_me": items,
        "needs_total": needs.total,
        "needs_page": [item for item in items if item.id not in on_rows],
        "needs_page_total": needs.total - len(on_rows),
        "upcoming": coming,
        "changed": changed,
        "changed_below": changed_below,
        "changed_above": changed_above,
        "official": official,
        "official_page": [a for a in official if as_utc(a["created_at"]) > recent],
        "catch_up": await catch_up(actor, since, threads=catch_up_threads),
        "groups": groups,
    }
    # The person's connected servers: their items ranked in, each with its server (SPEC §8).
    return await remote_items.extend_home(actor, result, reference)
