"""Remote items beside local ones (SPEC §8, §10, §15.1 "Remote items on a home server").

What the sync client cached from a person's connections (`remote_object`, docs/protocol.md) is
shaped here into the rows the local home, calendar and files code already use, so pages and
the API rank and show both the same way. Rules:
- Only the actor's own connections, and only on a whole-profile device (a device signed in to
  one group, or a connection token, sees no remote items).
- Every remote row carries `remote` = {"connection_id", "server_name", "url"} (the url is the
  item's page on its group server) and `server` = {"name", "url"}; its `id` and `group.id` are
  the group server's own.
- A stub (an item that "stays on its server") shows no content: only that there is an item on
  that server, and the link to open it there.
- Acting from here needs the connection's scope (`act:rsvp`, `act:vote`, `act:acknowledge`);
  without it a card links to the item on its server (`can_act` False).
- Reading never waits for the network: the cache is what was last synced.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from groupbox.access import Actor
from groupbox.domain.actions import service as actions
from groupbox.domain.remote.store import servers as store
from groupbox.util import as_utc, now

# An action's kind -> (the object type it is about, the path segment to act on it, the scope).
ACTS = {"rsvp": ("events", "rsvp", "act:rsvp"), "vote": ("polls", "vote", "act:vote")}
ACK_PATHS = {"announcement": "announcements", "file": "files"}
ACK_SCOPE = "act:acknowledge"
PATH_TYPES = {"events": "event", "polls": "poll", "announcements": "announcement", "files": "file"}


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return as_utc(value)
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return as_utc(moment) if moment.tzinfo else None


def _zone(name: Any) -> str:
    if isinstance(name, str) and name:
        try:
            ZoneInfo(name)
            return name
        except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
            pass
    return "UTC"


def _color(connection_id: str, group_id: str) -> int:
    """A remote group's dot colour: stable, from its ids (local groups keep their own index)."""
    return zlib.crc32(f"{connection_id}/{group_id}".encode()) % 8


def _text(value: Any, limit: int = 500) -> str:
    return value[:limit] if isinstance(value, str) else ""


@dataclass
class Connection:
    id: str
    name: str
    url: str
    scopes: set[str]
    state: str
    state_detail: str
    last_ok_at: datetime | None

    def remote(self, url: str) -> dict[str, str]:
        return {"connection_id": self.id, "server_name": self.name, "url": url}

    @property
    def server(self) -> dict[str, str]:
        return {"name": self.name, "url": self.url}


async def connections(actor: Actor | None) -> dict[str, Connection]:
    """The actor's connections by id (none for a one-group device or a connection token)."""
    if actor is None or not getattr(actor, "whole_profile", False) or getattr(actor, "scopes", None):
        return {}
    rows = await store.servers_overview(actor.profile_id)
    return {r["id"]: Connection(r["id"], r["server_name"] or r["url"].split("://", 1)[-1], r["url"],
                                set((r["scopes"] or "").split()), r["state"], r["state_detail"] or "",
                                r["last_ok_at"]) for r in rows}


async def _rows(conns: dict[str, Connection], types: tuple[str, ...], **filters: Any) -> list[dict]:
    """Cached objects of these connections and types, their data parsed (`filters`: those of
    `store.objects_of`)."""
    if not conns:
        return []
    rows = await store.objects_of(list(conns), types, **filters)
    for row in rows:
        try:
            data = json.loads(row["data"] or "{}")
        except ValueError:
            data = {}
        row["data"] = data if isinstance(data, dict) else {}
    return rows


async def groups(actor: Actor, conns: dict[str, Connection] | None = None) -> dict[str, dict]:
    """group id -> the dict cards use to name a group ({id, name, short, color_index, timezone}),
    plus `server` (its server's name) and `remote`, for every group synced from the actor's servers."""
    conns = await connections(actor) if conns is None else conns
    result: dict[str, dict] = {}
    for row in await _rows(conns, ("group",)):
        conn = conns[row["connection_id"]]
        name = row["group_name"] or _text(row["data"].get("name"), 200)
        result[row["id"]] = {"id": row["id"], "name": name, "short": actions.short_name(name),
                             "color_index": _color(conn.id, row["id"]),
                             "timezone": _zone(row["data"].get("timezone")), "server": conn.name,
                             "server_url": conn.url, "connection_id": conn.id}
    return result


def _group_of(row: dict, conn: Connection, known: dict[str, dict]) -> dict:
    group = known.get(row["group_id"])
    if group is None:  # an object whose group row has not arrived: name it from the object
        name = row["group_name"]
        group = known[row["group_id"]] = {"id": row["group_id"], "name": name, "short": actions.short_name(name),
                                          "color_index": _color(conn.id, row["group_id"]), "timezone": "UTC",
                                          "server": conn.name, "server_url": conn.url, "connection_id": conn.id}
    return group


def _marker(row: dict, conn: Connection, group: dict) -> dict[str, Any]:
    url = _text(row["data"].get("url"), 500)
    return {"remote": conn.remote(url), "server": conn.server, "group": {"id": group["id"], "name": group["name"],
            "short": group["short"], "color_index": group["color_index"], "timezone": group["timezone"]},
            "stub": bool(row["stub"])}


# -- action items ----------------------------------------------------------------------------------
@dataclass
class RemoteActionItem(actions.ActionItem):
    """An action item from a connected server: ranked like local ones, shown with its server."""

    remote: dict[str, str] = field(default_factory=dict)
    server: dict[str, str] = field(default_factory=dict)
    group_name: str = ""

    def as_dict(self, groups: dict[str, dict]) -> dict[str, Any]:
        return {
            "id": self.detail.get("remote_id", self.id),
            "kind": self.kind,
            "group": {"id": self.group_id, "name": self.group_name},
            "server": self.server,
            "remote": self.remote,
            "title": self.title,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "url": self.url,
        }


def _act(conn: Connection, kind: str, obj_type: str, obj_id: str) -> tuple[str | None, bool]:
    """(the home server's form address for acting on it, whether the connection may)."""
    if kind in ACTS:
        path, verb, scope = ACTS[kind]
    elif kind == "acknowledge" and obj_type in ACK_PATHS:
        path, verb, scope = ACK_PATHS[obj_type], "ack", ACK_SCOPE
    else:
        return None, False
    return f"/remote/servers/{conn.id}/{path}/{obj_id}/{verb}", scope in conn.scopes


async def action_items(actor: Actor, conns: dict[str, Connection] | None = None,
                       known: dict[str, dict] | None = None) -> list[RemoteActionItem]:
    """The actor's remote action items (unranked). `detail` has what the card needs: `can_act`,
    `act_url`, the object's fields (`starts_at`, `location`, `options`…), `stub`."""
    conns = await connections(actor) if conns is None else conns
    if not conns:
        return []
    known = await groups(actor, conns) if known is None else known
    rows = await _rows(conns, ("action",))
    wanted: dict[tuple[str, str, str], dict] = {}
    for row in rows:
        ref = row["data"].get("object") if isinstance(row["data"].get("object"), dict) else {}
        if isinstance(ref.get("type"), str) and isinstance(ref.get("id"), str):
            wanted[(row["connection_id"], ref["type"], ref["id"])] = {}
    # Only the objects the actions are about (by primary key), not the whole cache.
    for obj_type in {key[1] for key in wanted}:
        ids = list({key[2] for key in wanted if key[1] == obj_type})
        for start in range(0, len(ids), 400):
            chunk = ids[start:start + 400]
            for obj in await _rows(conns, (obj_type,), ids=chunk):
                key = (obj["connection_id"], obj["type"], obj["id"])
                if key in wanted:
                    wanted[key] = obj
    items = []
    for row in rows:
        conn = conns[row["connection_id"]]
        data = row["data"]
        kind = _text(data.get("kind"), 20) or row["id"].split(":", 1)[0]
        ref = data.get("object") if isinstance(data.get("object"), dict) else {}
        obj_type, obj_id = _text(ref.get("type"), 20), _text(ref.get("id"), 64)
        obj = wanted.get((conn.id, obj_type, obj_id)) or {}
        odata = obj.get("data", {}) if obj else {}
        group = _group_of(row, conn, known)
        stub = bool(row["stub"] or obj.get("stub"))
        url = _text(data.get("url"), 500) or _text(odata.get("url"), 500)
        act_url, may = _act(conn, kind, obj_type, obj_id)
        urgent = bool(odata.get("urgent") and odata.get("official"))
        weight = actions.URGENT_ACK_WEIGHT if kind == "acknowledge" and urgent else actions.WEIGHTS.get(kind, 1.0)
        detail = {
            "remote_id": row["id"], "stub": stub, "can_act": bool(act_url and may and not stub),
            "act_url": act_url, "object": obj_type or None, "object_id": obj_id,
            "official": bool(odata.get("official")), "urgent": bool(odata.get("urgent")),
            "starts_at": _moment(odata.get("starts_at")), "location": _text(odata.get("location"), 200),
            "rsvp_deadline": _moment(odata.get("rsvp_deadline")), "my_rsvp": odata.get("my_rsvp"),
            "options": [o for o in odata.get("options", []) if isinstance(o, dict)
                        and isinstance(o.get("id"), str) and isinstance(o.get("label"), str)][:20]
            if isinstance(odata.get("options"), list) else [],
            "multiple": bool(odata.get("multiple")), "download_url": _text(odata.get("download_url"), 500),
            "older": False,
        }
        items.append(RemoteActionItem(
            id=f"{conn.id}-{row['id']}".replace(":", "-"), kind=kind, group_id=group["id"],
            title="" if stub else _text(data.get("title"), 300), url=url, due_at=_moment(data.get("due_at")),
            created_at=_moment(odata.get("created_at")) or row["updated_at"], weight=weight, detail=detail,
            remote=conn.remote(url), server=conn.server, group_name=group["name"]))
    return items


async def merge_actions(actor: Actor, items: list, reference: datetime | None = None) -> list:
    """Local action items and the remote ones, ranked together (SPEC §8)."""
    remote = await action_items(actor)
    if not remote:
        return items
    return actions.rank([*items, *remote], reference or now())


# -- events -----------------------------------------------------------------------------------------
async def events(actor: Actor, start: datetime, end: datetime, conns: dict[str, Connection] | None = None,
                 known: dict[str, dict] | None = None) -> list[dict]:
    """Remote events overlapping [start, end), as calendar rows (events.events_between's shape)."""
    conns = await connections(actor) if conns is None else conns
    if not conns:
        return []
    known = await groups(actor, conns) if known is None else known
    # sort_at is the start; an event that began before `start` may still be running (up to a week).
    rows = await _rows(conns, ("event",), stub=False, sort_from=start - timedelta(days=7), sort_until=end)
    result = []
    for row in rows:
        conn, data = conns[row["connection_id"]], row["data"]
        starts = _moment(data.get("starts_at")) or row["sort_at"]
        ends = _moment(data.get("ends_at"))
        if starts is None or (ends or starts) < start:
            continue
        group = _group_of(row, conn, known)
        answer = data.get("my_rsvp")
        result.append({
            "id": row["id"], "group_id": group["id"], "title": _text(data.get("title"), 300),
            "starts_at": starts, "ends_at": ends, "location": _text(data.get("location"), 300),
            "description": _text(data.get("description"), 5000),
            "url": _text(data.get("url"), 500), "my_rsvp": answer if answer in ("yes", "no", "maybe") else None,
            "change": None, "changed": bool(data.get("changed")), "cancelled": bool(data.get("cancelled")),
            "cancel_reason": "", "rsvp_required": bool(data.get("rsvp_required")),
            "rsvp_deadline": _moment(data.get("rsvp_deadline")), "stays_here": False,
            "updated_at": row["updated_at"], "version": 1, "files": [],
            "group_name": group["name"], "group_color_index": group["color_index"],
            "group_timezone": group["timezone"],
            "counts": data.get("counts") if isinstance(data.get("counts"), dict) else {},
            **{k: v for k, v in _marker(row, conn, group).items() if k != "group"},
            "can_rsvp": "act:rsvp" in conn.scopes,
            "act_url": f"/remote/servers/{conn.id}/events/{row['id']}/rsvp",
        })
    result.sort(key=lambda r: (r["starts_at"], r["id"]))
    return result


async def merge_events(actor: Actor, rows: list[dict], start: datetime, end: datetime,
                       limit: int | None = None) -> list[dict]:
    """Local calendar rows and remote events in one list by start time."""
    remote = await events(actor, start, end)
    if not remote:
        return rows
    merged = sorted([*rows, *remote], key=lambda r: (as_utc(r["starts_at"]), r["id"]))
    return merged[:limit] if limit else merged


# -- announcements ---------------------------------------------------------------------------------
async def announcements(actor: Actor, *, official_only: bool = True, limit: int = 20,
                        conns: dict[str, Connection] | None = None, known: dict[str, dict] | None = None) -> list[dict]:
    """Remote announcements newest first, in official_updates' row shape."""
    conns = await connections(actor) if conns is None else conns
    if not conns:
        return []
    known = await groups(actor, conns) if known is None else known
    result = []
    for row in await _rows(conns, ("announcement",), stub=False, newest_by="sort_at", limit=limit * 4):
        data = row["data"]
        if official_only and not data.get("official"):
            continue
        conn = conns[row["connection_id"]]
        group = _group_of(row, conn, known)
        result.append({"id": row["id"], "title": _text(data.get("title"), 300), "group_id": group["id"],
                       "created_at": _moment(data.get("created_at")) or row["updated_at"],
                       "urgent": bool(data.get("urgent")), "ack_required": bool(data.get("ack_required")),
                       "body": _text(data.get("body"), 2000), "author_name": None,
                       "url": _text(data.get("url"), 500),
                       **{k: v for k, v in _marker(row, conn, group).items() if k != "group"}})
    return result[:limit]


async def merge_official(actor: Actor, rows: list[dict], limit: int) -> list[dict]:
    remote = await announcements(actor, limit=limit)
    if not remote:
        return rows
    return sorted([*rows, *remote], key=lambda a: as_utc(a["created_at"]), reverse=True)[:limit]


# -- files --------------------------------------------------------------------------------------------
async def files(actor: Actor, limit: int = 100) -> list[dict]:
    """Remote files newest first, in files_for_person's row shape (what /files and its macros read)."""
    from groupbox.domain.files import sniff

    conns = await connections(actor)
    if not conns:
        return []
    known = await groups(actor, conns)
    result = []
    for row in await _rows(conns, ("file",), stub=False, newest_by="sort_at", limit=limit):
        conn, data = conns[row["connection_id"]], row["data"]
        group = _group_of(row, conn, known)
        name = _text(data.get("name"), 255) or row["id"]
        content_type = _text(data.get("content_type"), 100)
        label, family = sniff.badge(content_type, name)
        size = data.get("size") if isinstance(data.get("size"), int) else 0
        ack_required = bool(data.get("ack_required"))
        acked = bool(data.get("acknowledged"))
        marker = _marker(row, conn, group)
        result.append({
            "id": row["id"], "display_name": name, "content_type": content_type, "size": size,
            "created_at": _moment(data.get("created_at")) or row["updated_at"], "group_id": group["id"],
            "type_label": label, "type_family": family, "is_image": sniff.is_image(content_type),
            "uploader": conn.name, "mine": False, "ack_required": ack_required, "acked_by_me": acked,
            "needs_my_ack": ack_required and not acked, "can_see_acks": False, "can_delete": False,
            "url": marker["remote"]["url"], "download_url": _text(data.get("download_url"), 500)
            or marker["remote"]["url"],
            "can_ack": ACK_SCOPE in conn.scopes, "ack_url": f"/remote/servers/{conn.id}/files/{row['id']}/ack",
            **marker,
        })
    return result


async def merge_files(actor: Actor, rows: list[dict], limit: int = 100) -> list[dict]:
    remote = await files(actor, limit)
    if not remote:
        return rows
    return sorted([*rows, *remote], key=lambda f: as_utc(f["created_at"]), reverse=True)[:limit]


def file_json(row: dict) -> dict:
    """A remote file for /api/home/files (the local rows' keys that make sense, plus the marker)."""
    keep = ("id", "display_name", "content_type", "size", "ack_required", "acked_by_me", "needs_my_ack", "url",
            "download_url", "remote", "server")
    out = {k: row[k] for k in keep}
    out["created_at"] = as_utc(row["created_at"]).isoformat()
    out["group"] = {"id": row["group"]["id"], "name": row["group"]["name"]}
    return out


# -- stubs and connection states (the home page's "Other servers" notes) ------------------------------
async def stubs(actor: Actor, limit: int = 6, conns: dict[str, Connection] | None = None,
                known: dict[str, dict] | None = None) -> list[dict]:
    """Items that stay on their server: no content, only where to open them."""
    conns = await connections(actor) if conns is None else conns
    if not conns:
        return []
    known = await groups(actor, conns) if known is None else known
    rows = await _rows(conns, ("event", "announcement", "file"), stub=True, newest_by="updated_at", limit=limit)
    return [{"id": r["id"], "type": r["type"], **_marker(r, conns[r["connection_id"]],
                                                          _group_of(r, conns[r["connection_id"]], known))}
            for r in rows]


# -- the home dashboard ----------------------------------------------------------------------------
async def extend_home(actor: Actor, data: dict[str, Any], reference: datetime | None = None, *,
                      upcoming_days: int = 14, upcoming_limit: int = 8, official_limit: int = 4) -> dict[str, Any]:
    """Add the actor's remote items to `actions.home.home()`'s result, ranked with the local ones:
    `needs_me`/`needs_page`, `upcoming`, `official`/`official_page`, `groups`; and `remote` (the
    connections that are not up to date, and stubs)."""
    conns = await connections(actor)
    if not conns:
        return data
    reference = reference or now()
    known = await groups(actor, conns)
    data["groups"] = {**known, **data["groups"]}
    remote_items = await action_items(actor, conns, known)
    if remote_items:
        data["needs_me"] = actions.rank([*data["needs_me"], *remote_items], reference)
        on_page = {item.id for item in data["needs_page"]} | {item.id for item in remote_items}
        data["needs_page"] = [item for item in data["needs_me"] if item.id in on_page]
        data["needs_total"] += len(remote_items)
        data["needs_page_total"] += len(remote_items)
    coming = await events(actor, reference, reference + timedelta(days=upcoming_days), conns, known)
    if coming:
        data["upcoming"] = sorted([*data["upcoming"], *coming],
                                  key=lambda r: (as_utc(r["starts_at"]), r["id"]))[:upcoming_limit]
    needed = {item.detail.get("object_id") for item in remote_items}
    official = [a for a in await announcements(actor, limit=8, conns=conns, known=known) if a["id"] not in needed]
    if official:
        data["official"] = sorted([*data["official"], *official], key=lambda a: as_utc(a["created_at"]),
                                  reverse=True)[:official_limit]
        recent = reference - timedelta(days=upcoming_days)
        data["official_page"] = [a for a in data["official"] if as_utc(a["created_at"]) > recent]
    data["remote"] = {
        "groups": sorted({g["id"] for g in known.values()}),
        "stubs": [s for s in await stubs(actor, conns=conns, known=known) if s["id"] not in needed],
        "faults": [{"id": c.id, "name": c.name, "state": c.state, "detail": c.state_detail,
                    "last_ok_at": c.last_ok_at} for c in conns.values() if c.state not in ("ok", "syncing")],
    }
    return data
