"""Put a connection and what its server "sent" into a home server's cache, the way a sync would:
the token sealed with the home's key (`domain/remote/secrets.seal`), the objects as a protocol
page (docs/protocol.md) through the sync client's own checks and cache writer. For tests of what
the home does with remote items (aggregation, acting); syncing itself is tested in
tests/api/test_remote_connect.py and tests/e2e/test_two_servers.py."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from groupbox.db.engine import DB
from groupbox.domain.remote import client, connections, secrets
from groupbox.domain.remote.store import servers as store
from groupbox.util import new_id, now
from tests import pg

TOKEN = "gbt_" + "Hq3xR2mVtLk4Np7Ws3Yd9Hc6Jf1Ab5Zz"
SERVER = "Tenants' server"
GROUP = {"id": "tg1", "name": "Tenant Association Haus B", "timezone": "Europe/Berlin"}
ALL_SCOPES = ("read:events", "read:announcements", "read:files", "read:polls", "act:rsvp", "act:vote",
              "act:acknowledge")


def _iso(delta: timedelta) -> str:
    return (now() + delta).replace(microsecond=0).isoformat()


def _base(kind_path: str, oid: str, base_url: str, group: dict = GROUP) -> dict:
    return {"id": oid, "group": {"id": group["id"], "name": group["name"]}, "url": f"{base_url}/{kind_path}/{oid}",
            "updated_at": _iso(timedelta(minutes=-5))}


def sample_page(base_url: str = "http://b.example", scopes=ALL_SCOPES, server: str = SERVER) -> dict:
    """A first sync page: an event to answer in 1 day, an official announcement and a file to
    acknowledge, a poll to vote in, and two items that stay on their server (stubs)."""
    event = {**_base("events", "rev1", base_url), "title": "Building assembly", "starts_at": _iso(timedelta(days=1)),
             "ends_at": _iso(timedelta(days=1, hours=2)), "location": "Courtyard, Haus B", "description": "Agenda",
             "cancelled": False, "changed": False, "rsvp_required": True, "rsvp_deadline": None, "my_rsvp": None,
             "counts": {"yes": 3, "no": 0, "maybe": 1}}
    later = {**event, **_base("events", "rev2", base_url), "title": "Garden day", "starts_at": _iso(timedelta(days=9)),
             "ends_at": None, "rsvp_required": False, "my_rsvp": "yes"}
    news = {**_base("announcements", "ran1", base_url), "title": "Water off on Friday", "body": "From 9 to 12.",
            "official": True, "urgent": False, "ack_required": True, "acknowledged": False,
            "created_at": _iso(timedelta(hours=-3))}
    doc = {**_base("files", "rfi1", base_url), "name": "House rules 2027.pdf", "size": 48213,
           "content_type": "application/pdf", "created_at": _iso(timedelta(hours=-2)), "ack_required": True,
           "acknowledged": False, "download_url": f"{base_url}/files/rfi1/download"}
    poll = {**_base("polls", "rpo1", base_url), "question": "Which day for the bulky waste?",
            "options": [{"id": "o1", "label": "Saturday"}, {"id": "o2", "label": "Sunday"}], "multiple": False,
            "closes_at": _iso(timedelta(days=6)), "my_vote": []}

    def action(kind: str, obj: dict, obj_type: str, title: str, due: str | None) -> dict:
        return {"id": f"{kind}:{obj['id']}", "group": obj["group"], "kind": kind, "title": title, "due_at": due,
                "url": obj["url"], "object": {"type": obj_type, "id": obj["id"]}, "updated_at": obj["updated_at"]}

    return {
        "cursor": "c1", "has_more": False, "server": {"name": server, "url": base_url},
        "token": {"scopes": list(scopes), "expires_at": _iso(timedelta(days=90))},
        "groups": [GROUP],
        "actions": [action("rsvp", event, "event", event["title"], event["starts_at"]),
                    action("acknowledge", news, "announcement", news["title"], None),
                    action("acknowledge", doc, "file", doc["name"], None),
                    action("vote", poll, "poll", poll["question"], poll["closes_at"])],
        "events": [event, later, {**_base("events", "rstub1", base_url), "stub": True}],
        "announcements": [news, {**_base("announcements", "rstub2", base_url), "stub": True}],
        "files": [doc], "polls": [poll], "threads": [], "tasks": [], "tombstones": [],
    }


async def seed_connection(config, profile_id: str, *, url: str = "http://b.example", api_base: str | None = None,
                          token: str = TOKEN, page: dict | None = None, scopes=ALL_SCOPES,
                          state: str = "ok") -> str:
    """A connection of `profile_id` to `url` with `page` (default `sample_page`) in its cache."""
    cid = new_id()
    stamp = now()
    async with DB.write():
        await store.server_insert(cid, profile_id, url=url, api_base=api_base or f"{url}/api", server_name=SERVER,
                                  protocol_version="0.1", capabilities="{}", token_cipher=secrets.seal(config, cid, token),
                                  token_hint=secrets.hint(token), insecure=url.startswith("http:"), created_at=stamp,
                                  next_sync_at=stamp)
        await store.server_finish(cid, state, "", stamp, stamp + timedelta(hours=1))
    document = page if page is not None else sample_page(url, scopes)
    # The page brings the scopes (`token`), as a sync would.
    await connections._apply(cid, client.parse_page(document, url.split("://", 1)[-1]))
    return cid


# A second server's data folder: a copy of the template and, on PostgreSQL, a database of its own.
server_folder = pg.data_copy


def stored_bytes(data_dir: Path, postgres: pg.PostgresServer | None) -> list[bytes]:
    """Everything the database holds, to search for what must never be stored: the SQLite files
    (the database, its -wal and -shm), or on PostgreSQL every table's rows as text."""
    if postgres is None:
        files = list(data_dir.glob("groupbox.sqlite3*"))
        assert files
        return [path.read_bytes() for path in files]
    database = next(line for line in (data_dir / "groupbox.toml").read_text().splitlines()
                    if line.startswith("database_url =")).rsplit("/", 1)[-1].rstrip('"')
    tables = postgres.sql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
                          database).split()
    assert "remote_server" in tables
    return [postgres.sql(f'SELECT t::text FROM "{table}" t', database).encode() for table in tables]
