"""The home dashboard: what needs me, what is coming, what changed — across all my groups (SPEC §8).

"Last visit" is tracked per person: a home view more than 30 minutes after the previous one
moves the window, so reloading keeps showing the same "changed since" list. Without any earlier
visit the window is the last 7 days.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from groupbox.access import Actor
from groupbox.db.engine import DB
from groupbox.db.full import best_effort
from groupbox.domain.actions import service as actions
from groupbox.domain.remote import aggregate as remote_items
from groupbox.util import as_utc, now

VISIT_GAP = timedelta(minutes=30)
FIRST_WINDOW = timedelta(days=7)
UPCOMING_DAYS = 14


async def visit_window(actor: Actor, reference: datetime | None = None, record: bool = True) -> datetime:
    """The start of "since my last visit"; records this visit when `record`."""
    reference = reference or now()
    profile = await DB.fetchone("SELECT last_visit_at, prev_visit_at FROM profile WHERE id = ?", actor.profile_id)
    last = as_utc(profile["last_visit_at"]) if profile and profile["last_visit_at"] else None
    prev = as_utc(profile["prev_visit_at"]) if profile and profile["prev_visit_at"] else None
    if last is None or reference - last > VISIT_GAP:
        prev, last = last, reference
        if record:
            async with best_effort("a visit"):
                await DB.execute("UPDATE profile SET prev_visit_at = ?, last_visit_at = ? WHERE id = ?", prev, last,
                                 actor.profile_id)
    return prev or reference - FIRST_WINDOW


def _marks(values: list[str]) -> str:
    return ",".join("?" * len(values))


async def changed_since(actor: Actor, since: datetime, limit: int = 10) -> list[dict[str, Any]]:
    """Moved or cancelled events (the latest change per event) and new official announcements
    since `since`, newest first. Changes I made myself, and those made before I joined the
    group, are left out."""
    gids = list(actor.memberships)
    if not gids:
        return []
    mids = actor.member_ids
    # `me`: my membership in the item's group; what happened before I joined is not news to me.
    # `event_change` first (CROSS JOIN keeps the order): the few changes, not all my groups' events.
    rows = await DB.fetch(
        f"SELECT c.event_id, c.old_starts_at, c.old_location, c.new_starts_at, c.new_location, c.cancelled,"
        f" c.changed_at, e.title, e.group_id, e.cancel_reason, e.starts_at FROM event_change c"
        f" CROSS JOIN event e ON e.id = c.event_id JOIN member me ON me.group_id = e.group_id AND me.id IN ({_marks(mids)})"
        f" WHERE e.group_id IN ({_marks(gids)}) AND e.deleted_at IS NULL AND c.changed_at > ?"
        f" AND c.changed_at > me.joined_at"
        f" AND (c.changed_by IS NULL OR c.changed_by NOT IN ({_marks(mids)}))"
        f" AND c.version = (SELECT MAX(version) FROM event_change c2 WHERE c2.event_id = c.event_id)"
        f" ORDER BY c.changed_at DESC LIMIT ?",
        *mids, *gids, since, *mids, limit,
    )
    # The oldest old value in the window, so "was → now" spans every change since the visit.
    first = {}
    if rows:
        ids = [r["event_id"] for r in rows]
        for r in await DB.fetch(
            f"SELECT event_id, old_starts_at, old_location FROM event_change WHERE event_id IN ({_marks(ids)})"
            f" AND changed_at > ? ORDER BY version DESC", *ids, since,
        ):
            first[r["event_id"]] = r
    items = []
    for r in rows:
        origin = first.get(r["event_id"], r)
        items.append({
            "type": "cancelled" if r["cancelled"] else "moved",
            "id": r["event_id"], "title": r["title"], "group_id": r["group_id"], "url": f"/events/{r['event_id']}",
            "at": r["changed_at"], "old_starts_at": origin["old_starts_at"], "old_location": origin["old_location"],
            "new_starts_at": r["new_starts_at"], "new_location": r["new_location"], "reason": r["cancel_reason"],
        })
    announcements = await DB.fetch(
        f"SELECT a.id, a.title, a.group_id, a.created_at, a.urgent, m.display_name AS author_name"
        f" FROM announcement a LEFT JOIN member m ON m.id = a.author_id"
        f" JOIN member me ON me.group_id = a.group_id AND me.id IN ({_marks(mids)})"
        f" WHERE a.group_id IN ({_marks(gids)}) AND a.official = 1 AND a.deleted_at IS NULL AND a.created_at > ?"
        f" AND a.created_at > me.joined_at"
        f" AND (a.author_id IS NULL OR a.author_id NOT IN ({_marks(mids)})) ORDER BY a.created_at DESC LIMIT ?",
        *mids, *gids, since, *mids, limit,
    )
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
    rows = await DB.fetch(
        f"SELECT a.id, a.title, a.group_id, a.created_at, a.urgent, a.ack_required, a.body,"
        f" m.display_name AS author_name FROM announcement a LEFT JOIN member m ON m.id = a.author_id"
        f" WHERE a.group_id IN ({_marks(gids)}) AND a.official = 1 AND a.deleted_at IS NULL"
        f" ORDER BY a.created_at DESC LIMIT ?",
        *gids, limit,
    )
    for row in rows:
        row["url"] = f"/announcements/{row['id']}"
    return rows


async def catch_up(actor: Actor, since: datetime) -> list[dict]:
    """Per group: what others said in discussions since my last visit — how many messages, the
    busiest threads, mentions of me — across all my groups in two queries (what
    `threads.catch_up` gives per group); groups with news only, mentions first."""
    mine = actor.members_in(None)
    if not mine:
        return []
    since = as_utc(since)
    pairs = [value for gid, mid in mine.items() for value in (gid, mid)]
    rows = await DB.fetch(
        "WITH mine(group_id, member_id) AS (VALUES " + ",".join("(?, ?)" for _ in mine) + ")"
        " SELECT m.group_id, m.thread_id AS id, t.title, COUNT(*) AS count, MAX(m.created_at) AS latest"
        " FROM mine JOIN message m ON m.group_id = mine.group_id JOIN thread t ON t.id = m.thread_id"
        " WHERE m.created_at > ? AND m.deleted_at IS NULL AND t.deleted_at IS NULL"
        " AND (m.author_id IS NULL OR m.author_id != mine.member_id) AND m.source = 'post'"
        " GROUP BY m.group_id, m.thread_id",
        *pairs, since,
    )
    mids = list(mine.values())
    mentions = {r["member_id"]: r["n"] for r in await DB.fetch(
        f"SELECT x.member_id, COUNT(*) AS n FROM mention x JOIN message m ON m.id = x.message_id"
        f" WHERE x.member_id IN ({_marks(mids)}) AND m.created_at > ? AND m.deleted_at IS NULL"
        f" GROUP BY x.member_id", *mids, since)}
    by_group: dict[str, list[dict]] = {}
    for r in rows:
        by_group.setdefault(r["group_id"], []).append(r)
    result = []
    for gid, mid in mine.items():
        threads = sorted(by_group.get(gid, []), key=lambda r: str(r["latest"]), reverse=True)
        threads.sort(key=lambda r: r["count"], reverse=True)  # stable: busiest, then latest
        messages = sum(r["count"] for r in threads)
        if not messages:
            continue
        result.append({
            "group_id": gid, "messages": messages,
            "threads": [{"id": r["id"], "title": r["title"], "count": r["count"], "url": f"/threads/{r['id']}"}
                        for r in threads[:3]],
            "thread_count": len(threads), "mentions": mentions.get(mid, 0),
            "url": f"/groups/{gid}/discussions",
        })
    result.sort(key=lambda r: (-r.get("mentions", 0), -r["messages"]))
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
               since: datetime | None = None) -> dict[str, Any]:
    """`needs_me` and `changed` are complete (the API's lists). The page shows each thing once:
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
    items = await actions.derive(actor, reference)
    groups = await actions.group_names(list(actor.memberships))
    coming = await upcoming(actor, reference)
    on_page = {e["id"]: e for e in coming}
    on_rows = set()
    for item in items:
        event = on_page.get(item.detail.get("event_id") or "") if item.kind == "commitment" else None
        if event is not None:
            event.setdefault("my_slots", []).append(item.detail["label"])
            on_rows.add(item.id)
    needed = {item.id for item in items}
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
        "needs_page": [item for item in items if item.id not in on_rows],
        "upcoming": coming,
        "changed": changed,
        "changed_below": changed_below,
        "changed_above": changed_above,
        "official": official,
        "official_page": [a for a in official if as_utc(a["created_at"]) > recent],
        "catch_up": await catch_up(actor, since),
        "groups": groups,
    }
    # The person's connected servers: their items ranked in, each with its server (SPEC §8).
    return await remote_items.extend_home(actor, result, reference)
