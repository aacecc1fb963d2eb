"""A home server connects another groupbox server with URL + token, syncs its objects into the
cache, and survives every way that server can misbehave (issue 14, items 3 and 6).

The other server here is a small real HTTP server on a loopback port that speaks
docs/protocol.md and can be told to misbehave; the two-process test with real groupbox servers
is tests/e2e/test_two_servers.py."""

from __future__ import annotations

import json
import logging
import time

import pytest

from groupbox.db.engine import DB
from tests.conftest import csrf_headers
from tests.protocol_server import TOKEN, GroupServer, event
from tests.remote_seed import stored_bytes


@pytest.fixture
def config(make_config):
    return make_config(remote_timeout_seconds=1)  # the slow server's 2.5 s is too slow


@pytest.fixture
def group_server():
    server = GroupServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def anna(world, as_person):
    as_person(world.people["member"])
    return world.people["member"]


def connect(client, url, token=TOKEN):
    return client.post("/api/remote/servers/connect", json={"url": url, "token": token}, headers=csrf_headers(client))


def cached(call, connection_id: str) -> dict[tuple[str, str], dict]:
    rows = call(DB.fetch, "SELECT * FROM remote_object WHERE connection_id = ?", connection_id)
    return {(r["type"], r["id"]): r for r in rows}


# -- connecting -----------------------------------------------------------------------------------
def test_anna_connects_her_tenants_server_and_its_objects_are_cached(client, call, anna, group_server):
    response = connect(client, group_server.url)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["server_name"] == "Tenants' server"
    assert body["state"] == "ok" and body["insecure"] is True
    assert body["scopes"] == ["read:events", "act:rsvp"]
    assert body["token_hint"] == TOKEN[-4:]
    assert body["sync"]["counts"]["events"] == 3 and body["sync"]["counts"]["actions"] == 1
    assert "token" not in body and TOKEN not in response.text
    rows = cached(call, body["id"])
    assert rows[("event", "ev1")]["group_name"] == "Tenants"
    assert rows[("event", "ev1")]["sort_at"].isoformat() == "2026-12-11T18:00:00+00:00"
    assert json.loads(rows[("event", "ev1")]["data"])["title"] == "Meeting 1"
    assert rows[("announcement", "an1")]["stub"] and rows[("announcement", "an1")]["sort_at"] is None
    assert ("group", "g2") in rows
    assert group_server.auth_seen[-1] == f"Bearer {TOKEN}"
    listed = client.get("/api/remote/servers").json()["items"]
    assert [s["id"] for s in listed] == [body["id"]] and listed[0]["counts"]["events"] == 3


def test_a_wrong_address_or_token_is_named_and_nothing_is_stored(client, call, anna, group_server):
    assert connect(client, "").json()["errors"].keys() == {"url"}
    assert connect(client, "ftp://example.org").json()["errors"].keys() == {"url"}
    assert connect(client, group_server.url, token="").json()["errors"].keys() == {"token"}
    wrong = connect(client, group_server.url, token="gbt_" + "x" * 30)
    assert wrong.status_code == 422 and wrong.json()["errors"].keys() == {"token"}
    assert "does not accept this token" in wrong.json()["errors"]["token"]
    group_server.stop()
    down = connect(client, group_server.url)
    assert down.status_code == 422 and "Could not reach" in down.json()["errors"]["url"]
    assert call(DB.fetch, "SELECT id FROM remote_server") == []


def test_a_server_of_another_protocol_version_is_refused(client, anna, group_server):
    group_server.mode = "bad_version"
    response = connect(client, group_server.url)
    assert response.status_code == 422 and "protocol 1.0" in response.json()["errors"]["url"]


def test_a_page_that_is_not_a_groupbox_server_is_refused(client, anna, group_server):
    response = connect(client, group_server.url + "/nothing-here")  # the manifest is at the origin: still found
    assert response.status_code == 201
    group_server.mode = "garbage"
    other = connect(client, group_server.url)
    assert other.status_code == 422 and "not JSON" in other.json()["errors"]["url"]


def test_syncing_brings_new_items_and_deletions(client, call, anna, group_server):
    connection = connect(client, group_server.url).json()
    group_server.changes += [("events", event(4)), ("tombstones", {"type": "event", "id": "ev2", "reason": "deleted"})]
    response = client.post(f"/api/remote/servers/{connection['id']}/sync", headers=csrf_headers(client))
    assert response.status_code == 200 and response.json()["state"] == "ok"
    rows = cached(call, connection["id"])
    assert ("event", "ev4") in rows and ("event", "ev2") not in rows
    group_server.changes += [("tombstones", {"type": "group", "id": "g2", "reason": "access_lost"})]
    client.post(f"/api/remote/servers/{connection['id']}/sync", headers=csrf_headers(client))
    rows = cached(call, connection["id"])
    assert ("event", "ev3") not in rows and ("group", "g2") not in rows and ("event", "ev1") in rows
    assert group_server.requests[-1].endswith("since=c7") or "since=c7" in group_server.requests[-1]


def test_a_large_first_sync_arrives_in_pages(client, call, anna, group_server):
    group_server.page_size = 2
    response = connect(client, group_server.url)
    assert response.status_code == 201 and response.json()["sync"]["counts"]["events"] == 3
    assert sum("/api/sync" in r for r in group_server.requests) == 3


def test_disconnecting_removes_the_connection_and_its_cache(client, call, world, as_person, group_server):
    as_person(world.people["member"])
    connection = connect(client, group_server.url).json()
    as_person(world.people["moderator"])
    assert client.delete(f"/api/remote/servers/{connection['id']}", headers=csrf_headers(client)).status_code == 404
    assert client.post(f"/api/remote/servers/{connection['id']}/sync",
                       headers=csrf_headers(client)).status_code == 404
    assert client.get("/api/remote/servers").json()["items"] == []
    as_person(world.people["member"])
    assert client.delete(f"/api/remote/servers/{connection['id']}", headers=csrf_headers(client)).status_code == 204
    assert call(DB.fetch, "SELECT * FROM remote_object") == []
    entries = call(DB.fetch, "SELECT action FROM audit_entry WHERE target_id = ? ORDER BY created_at", connection["id"])
    assert [e["action"] for e in entries] == ["remote.connect", "remote.disconnect"]


# -- faults: each gives a state, keeps the cache, and home stays up ------------------------------
FAULTS = [
    ("down", "unreachable", "Could not reach"),
    ("slow", "timeout", "did not answer within 1 second."),
    ("garbage", "garbage", "not JSON"),
    ("wrong_shape", "garbage", "wrong shape (cursor)"),
    ("bad_version", None, None),  # while its sync pages read well, a server's manifest is not asked again
    ("upgraded", "bad_version", "speaks protocol 1.0"),  # unreadable pages, and a manifest that says why
    ("revoked", "revoked", "revoked or has expired"),
    ("too_large", "too_large", "more than 8 MB"),
    ("cursor_backwards", "cursor_backwards", "already passed"),
    ("error", "error", "error (503)"),
]


@pytest.mark.parametrize(("mode", "state", "words"), FAULTS, ids=[f[0] for f in FAULTS])
def test_a_misbehaving_server_gets_a_state_and_home_keeps_its_copy(call, world, as_person, group_server, mode, state,
                                                                   words):
    anna = as_person(world.people["member"])
    connection = connect(anna, group_server.url).json()
    before = cached(call, connection["id"])
    group_server.changes += [("events", event(5))]
    if mode == "down":
        group_server.stop()
    else:
        group_server.mode = mode
    started = time.monotonic()
    response = anna.post(f"/api/remote/servers/{connection['id']}/sync", headers=csrf_headers(anna))
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    body = response.json()
    if state is None:
        assert body["state"] == "ok"
        return
    assert body["state"] == state and words in body["state_detail"], body
    after = cached(call, connection["id"])
    assert set(after) >= set(before)  # the last good copy stays
    if mode != "cursor_backwards":
        assert after.keys() == before.keys()
    started = time.monotonic()
    home = anna.get("/")
    assert home.status_code == 200 and time.monotonic() - started < 1.5
    page = anna.get("/me/servers")
    assert page.status_code == 200


def test_the_token_is_never_in_pages_cookies_logs_or_the_database_file(client, call, config, anna, group_server,
                                                                      caplog, postgres):
    caplog.set_level(logging.DEBUG)
    connection = connect(client, group_server.url).json()
    client.post(f"/api/remote/servers/{connection['id']}/sync", headers=csrf_headers(client))
    group_server.mode = "revoked"
    client.post(f"/api/remote/servers/{connection['id']}/sync", headers=csrf_headers(client))
    pages = [client.get(path) for path in ("/", "/me", "/me/servers", "/api/remote/servers")]
    for response in pages:
        assert response.status_code == 200
        assert TOKEN not in response.text
        assert all(TOKEN not in value for value in response.headers.values())
    assert all(TOKEN not in value for value in client.cookies.values())
    assert TOKEN not in caplog.text
    stored = call(DB.fetchone, "SELECT token_cipher, token_hint FROM remote_server")
    assert stored["token_cipher"].startswith("v1.") and stored["token_hint"] == TOKEN[-4:]
    call(DB.checkpoint)
    for raw in stored_bytes(config.data_dir, postgres):
        assert TOKEN.encode() not in raw and TOKEN[4:20].encode() not in raw
    key = config.keys_dir / "remote-tokens.key"
    assert key.stat().st_mode & 0o777 == 0o600


# -- the background loop and the command line ------------------------------------------------------
def test_the_background_sync_takes_each_due_connection_once(client, call, config, anna, group_server):
    import asyncio
    from datetime import timedelta

    from groupbox.domain.remote import connections
    from groupbox.util import as_utc, now

    connection = connect(client, group_server.url).json()
    assert call(connections.sync_due, config) == []  # just synced: not due
    call(DB.execute, "UPDATE remote_server SET next_sync_at = ?", now() - timedelta(minutes=1))
    group_server.changes += [("events", event(6))]
    syncs = sum("/api/sync" in r for r in group_server.requests)

    async def two_workers():
        return await asyncio.gather(connections.sync_due(config), connections.sync_due(config))

    results = call(two_workers)
    assert sorted(len(r) for r in results) == [0, 1]
    assert sum("/api/sync" in r for r in group_server.requests) == syncs + 1
    assert ("event", "ev6") in cached(call, connection["id"])
    due = as_utc(call(DB.fetchone, "SELECT next_sync_at FROM remote_server")["next_sync_at"])
    assert timedelta(minutes=11) < due - now() < timedelta(minutes=19)  # 15 min, jittered


def test_groupbox_connect_sync_and_servers_on_the_command_line(data_dir, group_server):
    from tests.conftest import run_cli

    done = run_cli("connect", group_server.url, TOKEN, "--data", str(data_dir), "--json")
    body = json.loads(done.stdout)
    assert body["server_name"] == "Tenants' server" and body["synced"]["events"] == 3
    assert TOKEN not in done.stdout + done.stderr
    group_server.changes += [("events", event(7))]
    synced = run_cli("sync", "--data", str(data_dir))
    assert "Tenants' server" in synced.stdout and "1 changed" in synced.stdout
    listed = json.loads(run_cli("servers", "--data", str(data_dir), "--json").stdout)["items"]
    assert [(s["id"], s["state"], s["counts"]["events"]) for s in listed] == [(body["connection_id"], "ok", 4)]
    group_server.mode = "revoked"
    failed = run_cli("sync", "--data", str(data_dir), check=False)
    assert failed.returncode == 1 and "revoked" in failed.stdout and failed.stderr.startswith("error:")
    bad = run_cli("connect", group_server.url, "short", "--data", str(data_dir), check=False)
    assert bad.returncode == 1 and bad.stderr.strip().count("\n") == 0 and "connection token" in bad.stderr
    nobody = run_cli("connect", group_server.url, TOKEN, "--member", "nope", "--data", str(data_dir), check=False)
    assert nobody.returncode == 1 and "no active member" in nobody.stderr


def test_a_server_that_always_has_more_is_stopped(client, call, anna, group_server, monkeypatch):
    from groupbox.domain.remote import connections

    connection = connect(client, group_server.url).json()
    monkeypatch.setattr(connections, "MAX_PAGES", 4)
    group_server.mode = "endless"
    body = client.post(f"/api/remote/servers/{connection['id']}/sync", headers=csrf_headers(client)).json()
    assert body["state"] == "cursor_backwards" and "after 4 pages" in body["state_detail"]
    assert ("event", "ev1") in cached(call, connection["id"])


def test_connecting_the_same_server_again_replaces_the_token(client, call, anna, group_server):
    first = connect(client, group_server.url).json()
    group_server.mode = "revoked"
    client.post(f"/api/remote/servers/{first['id']}/sync", headers=csrf_headers(client))
    group_server.mode = "ok"
    again = connect(client, group_server.url + "/")
    assert again.status_code == 201 and again.json()["id"] == first["id"] and again.json()["state"] == "ok"
    assert len(client.get("/api/remote/servers").json()["items"]) == 1
    actions = call(DB.fetch, "SELECT action FROM audit_entry WHERE target_id = ? ORDER BY created_at", first["id"])
    assert [a["action"] for a in actions] == ["remote.connect", "remote.reconnect"]


def test_a_sync_without_news_leaves_changed_at_alone(client, call, anna, group_server):
    connection = connect(client, group_server.url).json()
    assert connection["token_expires_at"].startswith("2027-03-01")
    first = call(DB.fetchone, "SELECT changed_at FROM remote_server")["changed_at"]
    client.post(f"/api/remote/servers/{connection['id']}/sync", headers=csrf_headers(client))
    assert call(DB.fetchone, "SELECT changed_at FROM remote_server")["changed_at"] == first
    group_server.changes += [("events", event(8))]
    client.post(f"/api/remote/servers/{connection['id']}/sync", headers=csrf_headers(client))
    assert call(DB.fetchone, "SELECT changed_at FROM remote_server")["changed_at"] > first


def test_a_public_server_does_not_knock_on_local_addresses_for_its_members(make_config, world, as_person,
                                                                          group_server):
    from litestar.testing import TestClient

    from groupbox.web.app import create_app

    public = make_config(url="https://groups.example.org")
    with TestClient(app=create_app(public), base_url="https://groups.example.org") as other:
        other.cookies.set("gb_session", world.people["member"].session_token)
        response = other.post("/api/remote/servers/connect", json={"url": group_server.url, "token": TOKEN},
                              headers=csrf_headers(other))
        assert response.status_code == 422 and "local network addresses" in response.json()["errors"]["url"]
        assert not any("/api/sync" in r or "well-known" in r for r in group_server.requests)
        other.cookies.set("gb_session", world.owner.session_token)
        owner = other.post("/api/remote/servers/connect", json={"url": group_server.url, "token": TOKEN},
                           headers=csrf_headers(other))
        assert owner.status_code == 201, owner.text


def test_a_renamed_group_is_renamed_on_every_cached_item(client, call, anna, group_server):
    connection = connect(client, group_server.url).json()
    original = group_server.page

    def renamed(since):
        doc = original(since)
        doc["groups"][0]["name"] = "Tenants' Association"
        return doc

    group_server.page = renamed
    client.post(f"/api/remote/servers/{connection['id']}/sync", headers=csrf_headers(client))
    rows = cached(call, connection["id"])
    assert rows[("event", "ev1")]["group_name"] == "Tenants' Association"
    assert rows[("group", "g1")]["group_name"] == "Tenants' Association"
    assert rows[("event", "ev3")]["group_name"] == "Choir"


def test_a_server_that_no_longer_knows_the_position_is_synced_from_the_start(client, call, anna, group_server):
    connection = connect(client, group_server.url).json()
    group_server.changes = [c for c in group_server.changes if c[1]["id"] != "ev2"]  # its history was reset
    group_server.mode = "forget"
    body = client.post(f"/api/remote/servers/{connection['id']}/sync", headers=csrf_headers(client)).json()
    assert body["state"] == "ok", body
    rows = cached(call, connection["id"])
    assert ("event", "ev1") in rows and ("event", "ev2") not in rows
    assert call(DB.fetchone, "SELECT cursor FROM remote_server")["cursor"] == f"c{len(group_server.changes)}"



@pytest.mark.parametrize("url", ["\x92<sw>\xc9+", "http://a b.example", "https://exa_mple..org", "http://-x.example"])
def test_an_address_that_is_no_host_name_is_a_422_on_url(client, call, anna, url):
    """Found by the fuzzer: such an address used to reach the HTTP client and answer 500."""
    response = connect(client, url)
    assert response.status_code == 422, response.text
    assert response.json()["errors"].keys() == {"url"}
    assert call(DB.fetch, "SELECT id FROM remote_server") == []
