"""A person's own data (issue 13 item 5): the export holds theirs and nobody else's; "delete me"
leaves no row naming them; nobody else can trigger either."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.factories import join

NAME = "Zebediah Quill"
EMAIL = "zeb.quill@example.org"


def _soon(days: int = 3) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def _busy_member(client, call, world, as_person, csrf):
    """Zebediah joins both groups and does a bit of everything; Lisa writes a reply."""
    group, other = world.group["id"], world.other_group["id"]
    zeb = call(join, None, group, NAME, admin=world.owner)
    call(join, zeb, other, NAME, admin=world.owner)
    as_person(world.owner)
    event = client.post(f"/api/groups/{group}/events", json={"title": "Match", "starts_at": _soon(),
                                                            "rsvp_required": True}, headers=csrf(client)).json()
    poll = client.post(f"/api/groups/{group}/polls", json={"question": "Snacks?", "options": ["Fruit", "Cake"]},
                       headers=csrf(client)).json()
    client.patch(f"/api/groups/{group}/members/{zeb.member_ids[group]}", json={"role": "moderator"},
                 headers=csrf(client))
    as_person(zeb)
    assert client.post(f"/api/events/{event['id']}/rsvp", json={"status": "yes", "note": "Zeb brings oranges"},
                       headers=csrf(client)).status_code == 200
    assert client.post(f"/api/polls/{poll['id']}/vote", json={"option_ids": [poll["options"][0]["id"]]},
                       headers=csrf(client)).status_code == 200
    thread = client.post(f"/api/groups/{group}/threads", json={"title": "Carpool", "body": "Zeb drives 3 kids"},
                         headers=csrf(client)).json()["thread"]
    upload = client.post(f"/api/groups/{group}/files", files={"file": ("zeb-notes.txt", b"ZEB FILE BYTES", "text/plain")},
                         headers=csrf(client))
    assert upload.status_code == 201, upload.text
    as_person(world.people["moderator"])
    reply = client.post(f"/api/threads/{thread['id']}/messages", json={"body": "LISA REPLY thanks"},
                        headers=csrf(client))
    assert reply.status_code == 201
    return zeb, event, thread


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/zip")
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_a_person_downloads_their_data_and_nobody_elses(client, call, world, as_person, csrf):
    zeb, event, _thread = _busy_member(client, call, world, as_person, csrf)
    as_person(zeb)
    archive = _zip(client.get("/api/me/export"))
    names = archive.namelist()
    assert "README.txt" in names and any(n.startswith("files/") and n.endswith("zeb-notes.txt") for n in names)
    data = {n[:-5]: json.loads(archive.read(n)) for n in names if n.endswith(".json")}
    assert data["profile"]["display_name"] == NAME
    assert {m["group_id"] for m in data["memberships"]} == {world.group["id"], world.other_group["id"]}
    assert [r["note"] for r in data["rsvps"]] == ["Zeb brings oranges"]
    assert [v["option"] for v in data["votes"]] == ["Fruit"]
    assert [m["body"] for m in data["messages"]] == ["Zeb drives 3 kids"]
    assert data["devices"] and any(e["action"] == "member.role" for e in data["audit_entries"])
    everything = b"".join(archive.read(n) for n in names)
    assert b"ZEB FILE BYTES" in everything
    assert b"LISA REPLY" not in everything  # someone else's message
    # The page link gives the same zip.
    assert _zip(client.get("/me/export")).namelist() == names


def test_nobody_gets_someone_elses_export(client, call, world, as_person, csrf):
    _busy_member(client, call, world, as_person, csrf)
    as_person(world.owner)
    everything = b"".join(_zip(client.get("/api/me/export")).read(n) for n in
                          _zip(client.get("/api/me/export")).namelist())
    assert b"Zeb drives" not in everything and b"ZEB FILE BYTES" not in everything
    as_person(None)
    assert client.get("/api/me/export").status_code == 401


def test_deleting_oneself_from_a_group_erases_what_one_wrote_there(client, call, world, as_person, csrf):
    zeb, event, thread = _busy_member(client, call, world, as_person, csrf)
    group = world.group["id"]
    as_person(zeb)
    page = client.get(f"/me/delete?group={group}")
    assert page.status_code == 200 and "1 message you wrote" in page.text and "Former member" in page.text
    refused = client.post("/me/delete", data={"group": group}, headers=csrf(client))
    assert refused.status_code == 422 and "Tick the box" in refused.text
    response = client.post("/me/delete", data={"group": group, "confirm": "1"}, headers=csrf(client),
                           follow_redirects=False)
    assert response.status_code == 303
    me = client.get("/api/me").json()
    assert [m["group_id"] for m in me["memberships"]] == [world.other_group["id"]]
    as_person(world.people["moderator"])
    messages = client.get(f"/api/threads/{thread['id']}").json()["messages"] if client.get(
        f"/api/threads/{thread['id']}").status_code == 200 else []
    bodies = [m.get("body") for m in messages]
    assert "Zeb drives 3 kids" not in bodies and "LISA REPLY thanks" in bodies
    members = [m["display_name"] for m in client.get(f"/api/groups/{group}/members").json()["items"]]
    assert NAME not in members
    rsvps = client.get(f"/api/groups/{group}/events").json()["items"]
    assert all(e.get("counts", {}).get("yes", 0) == 0 for e in rsvps if e["id"] == event["id"])


def test_deleting_oneself_entirely_leaves_no_row_naming_them(client, call, world, as_person, csrf, config):
    zeb, _event, thread = _busy_member(client, call, world, as_person, csrf)

    async def add_email():
        from groupbox.db.engine import DB
        from groupbox.util import now

        await DB.execute("UPDATE profile SET email = ?, email_verified_at = ? WHERE id = ?", EMAIL, now(),
                         zeb.profile_id)

    call(add_email)
    as_person(zeb)
    assert client.get("/me/delete").status_code == 200
    response = client.delete("/api/me", headers=csrf(client))
    assert response.status_code == 204
    assert client.get("/api/me").status_code == 401
    if not config.database_url:  # the SQLite file itself (PostgreSQL's files are not ours to read)
        database = Path(config.db_path).read_bytes() + _wal(config)
        for needle in (NAME, EMAIL, "Zeb drives", "Zeb brings oranges", "ZEB FILE BYTES"):
            assert needle.encode() not in database, needle
    else:
        from groupbox.db.engine import DB

        for sql in ("SELECT id FROM profile WHERE display_name = ? OR email = ?",
                    "SELECT id FROM member WHERE display_name = ? OR display_name = ?",
                    "SELECT id FROM audit_entry WHERE actor_name = ? OR target_name = ?"):
            assert call(DB.fetch, sql, NAME, EMAIL) == [], sql
        assert call(DB.fetch, "SELECT id FROM message WHERE body LIKE ? OR body LIKE ?", "%Zeb drives%",
                    "%Zeb brings oranges%") == []
    assert not any(b"ZEB FILE BYTES" in p.read_bytes() for p in config.files_dir.rglob("*") if p.is_file())
    # Others' replies stay.
    as_person(world.people["moderator"])
    thread_page = client.get(f"/threads/{thread['id']}")
    assert thread_page.status_code == 200 and "LISA REPLY thanks" in thread_page.text


def _wal(config) -> bytes:
    wal = Path(str(config.db_path) + "-wal")
    return wal.read_bytes() if wal.exists() else b""


def test_owners_hand_over_before_deleting_themselves(client, call, world, as_person, csrf):
    as_person(world.owner)  # the server's owner, and owner of both groups
    assert client.delete("/api/me", headers=csrf(client)).status_code == 403
    assert client.delete(f"/api/me/groups/{world.group['id']}", headers=csrf(client)).status_code == 409
    as_person(world.outsider)
    assert client.delete(f"/api/me/groups/{world.group['id']}", headers=csrf(client)).status_code == 404
    page = client.get("/me/delete")
    assert page.status_code == 200
