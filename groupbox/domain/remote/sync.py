"""The group server's side of the sync protocol (SPEC §14, docs/protocol.md): what a member's home
server reads through a connection token.

- Only structured objects, only in the token's groups (its memberships that are still active) and
  its read scopes: `read:events` → events, `read:announcements` → announcements, `read:files` →
  files, `read:polls` → polls, `read:tasks` → tasks. Thread titles and counts go to every token;
  a thread's opening message (`body`) only with `read:threads` (without it the key is absent).
- Actions are the member's action items for objects in scope — rsvp, vote, acknowledge, task —
  by the rules, titles and deadlines of `domain/actions/service.derive`, read from the rows the
  page loads anyway (`_Shaper.open_action`; deriving per page cost 100 ms on a big group; a test
  checks both agree). Mentions, questions and sign-up commitments stay on the group server in
  protocol 0.1.
- An object marked "stays on this server" (`stays_here`) is a stub: id, group, link, time.
  Its action is a stub too (no title).
- The cursor is, per group, the change number (`grp.seq`, see `objects/common.py`) already
  delivered; it is base64url JSON signed with the instance secret and bound to the token, so a
  changed or foreign cursor is refused (400). Every change of a group takes the group's next
  number, so a sync with no change compares the cursor with the groups' counters and answers
  without loading any object.
- A page holds at most `limit` changes (objects and tombstones; an object's action rides along
  with it). Changes are delivered per group in change-number order, so a page that stops inside a
  group says how far it got, and `has_more` asks for the next page at once.
- Objects are re-sent whole when they, or my answer to them, change. Deleted objects come back as
  tombstones (with a tombstone for their action). An action that no longer applies (answered,
  done, closed, unassigned) comes back as an action tombstone the next time its object changes.
  A group's first sync sends neither old deletions nor tombstones for what it never sent.
  A group the token no longer reaches (member left or removed) is a `group` tombstone with
  `reason: "access_lost"`: the home server drops everything of it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any

import msgspec

from groupbox.access import Actor, role_may
from groupbox.db.engine import DB
from groupbox.db.full import best_effort
from groupbox.domain.objects import rsvps
from groupbox.domain.remote.store import feed
from groupbox.domain.remote.store import tokens as token_store
from groupbox.errors import DomainError, Forbidden, Invalid, Unauthorized
from groupbox.i18n import _
from groupbox.util import as_utc, now, token_hash

PROTOCOL_VERSION = "0.1"
CAPABILITIES = {"events": True, "tasks": True, "files": True, "chat": True, "polls": True, "federation": False}
DEFAULT_LIMIT = 500
MAX_LIMIT = 1000
CURSOR_VERSION = 1
_MAC_BYTES = 12
LAST_USED_EVERY = timedelta(minutes=1)
# A page stays well under what a home server reads at once (8 MiB in `client.MAX_BYTES`).
MAX_PAGE_BYTES = 2 * 1024 * 1024

# list name in the answer -> (table, scope that opens it; None: every token)
KINDS: dict[str, tuple[str, str | None]] = {
    "events": ("event", "read:events"),
    "announcements": ("announcement", "read:announcements"),
    "files": ("file", "read:files"),
    "threads": ("thread", None),
    "polls": ("poll", "read:polls"),
    "tasks": ("task", "read:tasks"),
}
LIST_OF = {table: name for name, (table, _scope) in KINDS.items()}
ACTION_OF = {"event": "rsvp", "poll": "vote", "task": "task", "announcement": "acknowledge", "file": "acknowledge"}
PATHS = {"event": "/events/{}", "announcement": "/announcements/{}", "file": "/files/{}", "thread": "/threads/{}",
         "poll": "/polls/{}", "task": "/tasks/{}"}


class BadCursor(DomainError):
    status_code = 400


def manifest(server_name: str, base_url: str) -> dict[str, Any]:
    """`GET /.well-known/group-platform.json` (SPEC §14)."""
    return {"server_name": server_name, "api_base": f"{base_url.rstrip('/')}/api",
            "protocol_version": PROTOCOL_VERSION, "capabilities": dict(CAPABILITIES)}


def clean_limit(raw: Any) -> int:
    if raw in (None, ""):
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except (TypeError, ValueError):
        raise Invalid(_("limit must be a whole number."), field="limit") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(_("limit must be between 1 and {n}.", n=MAX_LIMIT), field="limit")
    return limit


# -- the cursor -----------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _mac(key: bytes, token_id: str, payload: bytes) -> bytes:
    return hmac.new(key, token_id.encode() + b"\n" + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def cursor_key(secret: str) -> bytes:
    """The cursor's own key, derived from the instance secret."""
    return hmac.new(secret.encode(), b"groupbox sync cursor", hashlib.sha256).digest()


def encode_cursor(key: bytes, token_id: str, positions: dict[str, int], first: dict[str, int] | None = None,
                  onlookers: set[str] | None = None) -> str:
    """`positions`: group id -> change number delivered; `first`: groups still in their first pass
    -> the group's change number when it began (what had not changed since then was never sent:
    nothing to take back); `onlookers`: groups where the member may not act (a guest: no actions)."""
    doc: dict[str, Any] = {"v": CURSOR_VERSION, "g": dict(sorted(positions.items()))}
    if first:
        doc["i"] = dict(sorted(first.items()))
    if onlookers:
        doc["q"] = sorted(onlookers)
    payload = json.dumps(doc, separators=(",", ":")).encode()
    return _b64(_mac(key, token_id, payload) + payload)


def decode_cursor(key: bytes, token_id: str, cursor: str | None) -> tuple[dict[str, int], dict[str, int], set[str]]:
    """(group id -> change number delivered, groups in their first pass, groups where the member
    could not act); BadCursor for anything this server did not issue to this token."""
    if not cursor:
        return {}, {}, set()
    bad = BadCursor(_("This sync position is not valid here; sync again from the start (without since)."))
    if len(cursor) > 4000:
        raise bad
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise bad from None
    mac, payload = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
    if len(mac) != _MAC_BYTES or not hmac.compare_digest(mac, _mac(key, token_id, payload)):
        raise bad
    try:
        doc = json.loads(payload)
        positions, first, onlookers = doc["g"], doc.get("i", {}), doc.get("q", [])
        if (doc.get("v") != CURSOR_VERSION or not isinstance(positions, dict) or not isinstance(first, dict)
                or not isinstance(onlookers, list)):
            raise bad
        return ({str(gid): int(seq) for gid, seq in positions.items()},
                {str(gid): int(seq) for gid, seq in first.items()}, {str(gid) for gid in onlookers})
    except (ValueError, KeyError, TypeError):
        raise bad from None


# -- the token ------------------------------------------------------------------------------------
async def token_row(token: str) -> dict:
    """The token's row, or Unauthorized (unknown, expired, revoked)."""
    row = await token_store.token_by_hash(token_hash(token or ""))
    if row is None or row["revoked_at"] is not None or as_utc(row["expires_at"]) <= now():
        raise Unauthorized(_("This connection token is unknown, expired or revoked."))
    return row


async def note_use(row: dict) -> None:
    """`last_used_at`, at most once a minute, never failing the sync."""
    stamp = now()
    if row["last_used_at"] is not None and stamp - as_utc(row["last_used_at"]) < LAST_USED_EVERY:
        return
    async with best_effort("token last used"), DB.write():
        await token_store.token_touch(row["id"], stamp)


# -- acting through a token ------------------------------------------------------------------------
async def refuse_kept_here(actor: Actor, table: str, object_id: str, server_name: str) -> None:
    """A home server acting with a token (RSVP, vote, acknowledge) on an item that stays on this
    server: 403, so the answer (the whole object) never leaves it. Anything else — a session, an
    item outside the token's groups (the service's 404), a shared item — passes."""
    if actor.scopes is None or table not in PATHS:
        return
    row = await feed.kept_here(table, object_id)
    if row is not None and row["group_id"] in actor.memberships and row["stays_here"]:
        raise Forbidden(_("This item stays on {server}; open it there to answer.", server=server_name))


# -- what changed -----------------------------------------------------------------------------------
async def _changes(group_id: str, member_id: str, since: int, readable: set[str], budget: int,
                   gone_after: int = 0) -> list[tuple]:
    """(change number, table or 'tombstone', id) of what changed in a group after `since`, in
    change order, at most `budget + 1` per kind (enough to cut a page: see `_page`)."""
    found: dict[tuple[str, str], int] = {}

    def add(rows: list[dict], table: str) -> None:
        for r in rows:
            key = (table, r["id"])
            if r["seq"] > found.get(key, -1):
                found[key] = r["seq"]

    cap = int(budget) + 1
    for table in sorted(readable):
        add(await feed.objects_changed(table, group_id, since, cap), table)
    if "event" in readable:  # someone's answer changes the counts (and mine, my_rsvp)
        add(await feed.answers_changed(group_id, since, cap), "event")
    if "announcement" in readable:  # my acknowledgement
        add(await feed.acks_changed(member_id, since, cap), "announcement")
    tombs = await feed.tombstones_after(group_id, max(since, gone_after), sorted(readable), cap)
    changes = [(seq, table, oid) for (table, oid), seq in found.items()]
    changes += [(r["seq"], "tombstone", (r["object_type"], r["id"])) for r in tombs]
    changes.sort(key=lambda c: (c[0], c[1], str(c[2])))
    return changes


def _cut(changes: list[tuple], budget: int) -> tuple[list[tuple], int | None]:
    """The first `budget` changes, never splitting one change number; (taken, last number) when
    more remain, else (all, None)."""
    if len(changes) <= budget:
        return changes, None
    last = changes[max(budget, 1) - 1][0]
    taken = [c for c in changes if c[0] <= last]
    return taken, last


# -- shaping ----------------------------------------------------------------------------------------
def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


class _Shaper:
    def __init__(self, base_url: str, groups: dict[str, dict], members: dict[str, str], scopes: set[str]):
        self.base = base_url.rstrip("/")
        self.groups = groups
        self.members = members
        self.scopes = scopes
        self.mine: dict[str, set[str]] = {}  # table -> ids I answered / acknowledged / voted in / am assigned

    def url(self, table: str, object_id: str) -> str:
        return self.base + PATHS[table].format(object_id)

    def head(self, table: str, row: dict) -> dict[str, Any]:
        group = self.groups[row["group_id"]]
        return {"id": row["id"], "group": {"id": group["id"], "name": group["name"]},
                "url": self.url(table, row["id"]), "updated_at": _iso(row["updated_at"])}

    def stub(self, table: str, row: dict) -> dict[str, Any]:
        return {**self.head(table, row), "stub": True}

    async def events(self, rows: list[dict]) -> list[dict]:
        out = []
        by_group: dict[str, list[str]] = {}
        for r in rows:
            by_group.setdefault(r["group_id"], []).append(r["id"])
        counts: dict[str, dict] = {}
        for gid, ids in by_group.items():
            counts.update(await rsvps.counts_for(ids, gid))
        ids = [r["id"] for r in rows]
        mids = list(self.members.values())
        mine = await feed.my_rsvps(ids, mids)
        self.mine["event"] = set(mine)
        for r in rows:
            if r["stays_here"]:
                out.append(self.stub("event", r))
                continue
            c = counts.get(r["id"], {})
            out.append({**self.head("event", r), "title": r["title"], "starts_at": _iso(r["starts_at"]),
                        "ends_at": _iso(r["ends_at"]), "location": r["location"], "description": r["description"],
                        "cancelled": r["cancelled_at"] is not None, "changed": r["version"] > 1,
                        "version": r["version"], "rsvp_required": bool(r["rsvp_required"]),
                        "rsvp_deadline": _iso(r["rsvp_deadline"]), "my_rsvp": mine.get(r["id"]),
                        "counts": {k: c.get(k, 0) for k in ("yes", "no", "maybe")}})
        return out

    async def announcements(self, rows: list[dict]) -> list[dict]:
        ids = [r["id"] for r in rows]
        mids = list(self.members.values())
        acked = await feed.mine_among("announcement_ack", ids, mids)
        self.mine["announcement"] = acked
        read = await feed.mine_among("announcement_read", ids, mids)
        out = []
        for r in rows:
            if r["stays_here"]:
                out.append(self.stub("announcement", r))
                continue
            mine = r["author_id"] is not None and r["author_id"] == self.members.get(r["group_id"])
            out.append({**self.head("announcement", r), "title": r["title"], "body": r["body"],
                        "official": bool(r["official"]), "urgent": bool(r["urgent"]),
                        "ack_required": bool(r["ack_required"]), "acknowledged": r["id"] in acked or mine,
                        "read": r["id"] in read or r["id"] in acked or mine, "created_at": _iso(r["created_at"])})
        return out

    async def files(self, rows: list[dict]) -> list[dict]:
        ids = [r["id"] for r in rows]
        mids = list(self.members.values())
        acked = await feed.mine_among("file_ack", ids, mids)
        self.mine["file"] = acked
        out = []
        for r in rows:
            if r["stays_here"]:
                out.append(self.stub("file", r))
                continue
            mine = r["uploader_id"] is not None and r["uploader_id"] == self.members.get(r["group_id"])
            out.append({**self.head("file", r), "name": r["display_name"], "size": r["size"],
                        "content_type": r["content_type"], "created_at": _iso(r["created_at"]),
                        "ack_required": bool(r["ack_required"]), "acknowledged": r["id"] in acked or mine,
                        "download_url": f"{self.url('file', r['id'])}/download"})
        return out

    async def threads(self, rows: list[dict]) -> list[dict]:
        ids = [r["id"] for r in rows if not r["stays_here"]]
        bodies = await feed.thread_openings(ids) if "read:threads" in self.scopes else {}
        out = []
        for r in rows:
            if r["stays_here"]:
                out.append(self.stub("thread", r))
                continue
            item = {**self.head("thread", r), "title": r["title"], "message_count": r["message_count"],
                    "last_message_at": _iso(r["last_message_at"])}
            if "read:threads" in self.scopes:
                item["body"] = bodies.get(r["id"], "")
            out.append(item)
        return out

    async def polls(self, rows: list[dict]) -> list[dict]:
        ids = [r["id"] for r in rows]
        mids = list(self.members.values())
        options: dict[str, list[dict]] = {}
        votes: dict[str, list[str]] = {}
        for o in await feed.poll_options(ids):
            options.setdefault(o["poll_id"], []).append({"id": o["id"], "label": o["label"]})
        for v in await feed.my_votes(ids, mids):
            votes.setdefault(v["poll_id"], []).append(v["option_id"])
        self.mine["poll"] = set(votes)
        out = []
        for r in rows:
            if r["stays_here"]:
                out.append(self.stub("poll", r))
                continue
            closed = r["closed_at"] is not None or (r["closes_at"] is not None and as_utc(r["closes_at"]) <= now())
            out.append({**self.head("poll", r), "question": r["question"], "options": options.get(r["id"], []),
                        "multiple": bool(r["multiple"]), "closes_at": _iso(r["closes_at"]), "closed": closed,
                        "my_vote": votes.get(r["id"], [])})
        return out

    async def tasks(self, rows: list[dict]) -> list[dict]:
        ids = [r["id"] for r in rows]
        mids = list(self.members.values())
        assigned = await feed.mine_among("task_assignee", ids, mids)
        self.mine["task"] = assigned
        out = []
        for r in rows:
            if r["stays_here"]:
                out.append(self.stub("task", r))
                continue
            out.append({**self.head("task", r), "title": r["title"], "status": r["status"],
                        "due_at": _iso(r["due_at"]), "assigned_to_me": r["id"] in assigned})
        return out

    def open_action(self, table: str, r: dict, may_act: bool, at: datetime) -> tuple[str, str, datetime | None] | None:
        """(kind, title, due) of my action item on this object, or None: the rules of
        `domain/actions/service.derive` (its docstring's table), read from rows already loaded
        (`test_sync.py` checks the two agree)."""
        me = self.members.get(r["group_id"])
        done = r["id"] in self.mine.get(table, set())
        if table == "task":  # assigned to me (`mine`) and not done; derive does not ask about the role
            return ("task", r["title"], r["due_at"]) if done and r["status"] != "done" else None
        if not may_act or done:
            return None
        if table == "event":
            ahead = as_utc(r["starts_at"]) > at and (r["rsvp_deadline"] is None or as_utc(r["rsvp_deadline"]) > at)
            open_ = bool(r["rsvp_required"]) and r["cancelled_at"] is None and ahead
            return ("rsvp", r["title"], r["rsvp_deadline"] or r["starts_at"]) if open_ else None
        if table == "announcement":
            open_ = bool(r["ack_required"]) and (r["author_id"] is None or r["author_id"] != me)
            return ("acknowledge", r["title"], None) if open_ else None
        if table == "file":
            open_ = (bool(r["ack_required"]) and r["source"] != "import"
                     and (r["uploader_id"] is None or r["uploader_id"] != me))
            return ("acknowledge", r["display_name"], None) if open_ else None
        if table == "poll":
            open_ = r["closed_at"] is None and (r["closes_at"] is None or as_utc(r["closes_at"]) > at)
            return ("vote", r["question"], r["closes_at"]) if open_ else None
        return None

    def action(self, kind: str, title: str, due: datetime | None, table: str, row: dict) -> dict[str, Any]:
        head = self.head(table, row)
        shaped = {"id": f"{kind}:{row['id']}", "kind": kind, "group": head["group"], "due_at": _iso(due),
                  "url": head["url"], "object": {"type": table, "id": row["id"]}, "updated_at": head["updated_at"]}
        if row.get("stays_here"):
            return {**shaped, "stub": True}
        return {**shaped, "title": title}


# -- the sync -------------------------------------------------------------------------------------
def _empty(server_name: str, base_url: str, token: dict, groups: list[dict]) -> dict[str, Any]:
    return {"cursor": "", "has_more": False, "server": {"name": server_name, "url": base_url.rstrip("/")},
            "token": {"scopes": token["scopes"].split(), "expires_at": _iso(token["expires_at"])},
            "groups": [{"id": g["id"], "name": g["name"], "timezone": g["timezone"]} for g in groups],
            "actions": [], "events": [], "announcements": [], "files": [], "threads": [], "polls": [], "tasks": [],
            "tombstones": []}


async def sync(actor: Actor, token: str, since: str | None, limit: Any = None, *, secret: str, base_url: str,
               server_name: str) -> dict[str, Any]:
    """One page of `GET /api/sync` for the token's actor (see the module docstring)."""
    row = await token_row(token)
    budget = clean_limit(limit)
    key = cursor_key(secret)
    delivered, first, onlookers_then = decode_cursor(key, row["id"], since)
    scopes = set(row["scopes"].split())
    readable = {table for table, scope in KINDS.values() if scope is None or scope in scopes}
    members = {gid: m.member_id for gid, m in actor.memberships.items()}
    gids = sorted(members)
    groups = await feed.groups_with_counters(gids)
    answer = _empty(server_name, base_url, row, groups)
    await note_use(row)
    lost = sorted(set(delivered) - {g["id"] for g in groups})
    answer["tombstones"] = [{"type": "group", "id": gid, "reason": "access_lost"} for gid in lost]
    onlookers = {gid for gid, m in actor.memberships.items() if not role_may(m.role, "act")}
    for g in groups:
        if delivered.get(g["id"], 0) > g["seq"]:  # a position from the future (a restored backup): start over
            delivered.pop(g["id"])
            first.pop(g["id"], None)
        elif g["id"] in delivered and (g["id"] in onlookers) != (g["id"] in onlookers_then):
            # Made a guest, or a member again: everything of the group again, with its actions
            # (or their tombstones). Rare; the role change took a change number, so it is seen.
            delivered[g["id"]] = 0
            first.pop(g["id"], None)
    first = {gid: s0 for gid, s0 in first.items() if gid in delivered}
    first.update({g["id"]: g["seq"] for g in groups if g["id"] not in delivered})
    positions = {g["id"]: delivered.get(g["id"], 0) for g in groups}
    pending = [g for g in groups if g["seq"] > positions[g["id"]]]
    if not pending:  # nothing changed: answered from the counters alone
        answer["cursor"] = encode_cursor(key, row["id"], positions, None, onlookers)
        return answer

    still_first = {g["id"]: first[g["id"]] for g in pending if g["id"] in first}
    while True:
        fresh = {k: list(v) if isinstance(v, list) else v for k, v in answer.items()}
        page = await _page(fresh, actor, pending, dict(positions), dict(still_first), first, budget, key, row["id"],
                           onlookers, members, scopes, readable, base_url, {g["id"]: g for g in groups})
        # Long texts (10,000 characters each) could make a page too big for a home server to take
        # (docs/protocol.md: MAX_PAGE_BYTES): fewer changes then, as many pages as it takes.
        if budget == 1 or len(msgspec.json.encode(page)) <= MAX_PAGE_BYTES:
            return page
        budget = max(1, budget // 4)


async def _page(answer: dict, actor: Actor, pending: list[dict], positions: dict[str, int],
                still_first: dict[str, int], first: dict[str, int], budget: int, key: bytes, token_id: str,
                onlookers: set[str], members: dict[str, str], scopes: set[str], readable: set[str],
                base_url: str, groups: dict[str, dict]) -> dict[str, Any]:
    """Up to `budget` changes of the pending groups, in group and change order, shaped."""
    left = budget
    chosen: dict[str, list[tuple]] = {}
    for g in pending:
        if left <= 0:
            answer["has_more"] = True
            break
        start = positions[g["id"]]
        # In a first pass, deletions from before it began concern nothing the home server holds.
        changes = await _changes(g["id"], members[g["id"]], start, readable, left, first.get(g["id"], 0))
        taken, stopped = _cut(changes, left)
        chosen[g["id"]] = taken
        left -= len(taken)
        if stopped is None:
            positions[g["id"]] = g["seq"]
            still_first.pop(g["id"], None)
        else:
            positions[g["id"]] = stopped
            answer["has_more"] = True
            break
    answer["cursor"] = encode_cursor(key, token_id, positions, still_first, onlookers)
    await _fill(answer, actor, chosen, first, scopes, readable, base_url, groups, members)
    return answer


async def _fill(answer: dict, actor: Actor, chosen: dict[str, list[tuple]], first: dict[str, int],
                scopes: set[str], readable: set[str], base_url: str, groups: dict[str, dict],
                members: dict[str, str]) -> None:
    """Load and shape the chosen changes, with the member's actions for them."""
    shaper = _Shaper(base_url, groups, members, scopes)
    wanted: dict[str, list[str]] = {}
    gone: list[tuple[str, str, str]] = []  # (group, table, id)
    changed_at: dict[tuple[str, str], int] = {}  # (table, id) -> the change number it goes out with
    for gid, changes in chosen.items():
        for seq, table, oid in changes:
            if table == "tombstone":
                gone.append((gid, *oid))
            else:
                wanted.setdefault(table, []).append(oid)
                changed_at[(table, oid)] = seq
    rows: dict[str, list[dict]] = {}
    for table, ids in wanted.items():
        rows[table] = await feed.objects_by_id(table, ids)
        answer[LIST_OF[table]] = await getattr(shaper, LIST_OF[table])(rows[table])
    answer["tombstones"] += [{"type": table, "id": oid, "reason": "deleted"} for _gid, table, oid in gone]

    # Actions for the objects on this page: present → the action, absent → its tombstone — unless
    # the object is in its group's first pass and has not changed since that began (then the home
    # server never got it: nothing to take back).
    at = now()
    for table in ("event", "announcement", "file", "poll", "task"):
        if table not in readable:
            continue
        for r in rows.get(table, []):
            membership = actor.memberships.get(r["group_id"])
            may_act = membership is not None and role_may(membership.role, "act")
            found = shaper.open_action(table, r, may_act, at)
            if found is not None:
                answer["actions"].append(shaper.action(*found, table, r))
            elif changed_at.get((table, r["id"]), 0) > first.get(r["group_id"], -1):
                answer["tombstones"].append({"type": "action", "id": f"{ACTION_OF[table]}:{r['id']}",
                                             "reason": "done"})
    for _gid, table, oid in gone:  # (a first pass sends only deletions from after it began)
        if table in ACTION_OF:
            answer["tombstones"].append({"type": "action", "id": f"{ACTION_OF[table]}:{oid}", "reason": "deleted"})
