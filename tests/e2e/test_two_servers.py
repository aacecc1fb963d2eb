"""Two real `groupbox serve` processes on loopback with their own data folders (issue 14): a
member makes a token on B, A connects it with `groupbox connect`, B's items arrive in A's cache
and follow B's changes; revoking the token on B turns A's connection into "revoked" while A
keeps serving."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta

import httpx
import pytest

from groupbox.config import load_config
from groupbox.db.engine import DB
from groupbox.util import now
from tests.conftest import run_async, seed, start_server, stop_server
from tests.factories import build_world, owner_person
from tests.remote_seed import server_folder, stored_bytes

pytestmark = pytest.mark.e2e


def _client(server, person) -> httpx.Client:
    client = httpx.Client(base_url=server.url, cookies={"gb_session": person.session_token}, timeout=20)
    client.get("/")
    client.headers["x-csrftoken"] = client.cookies.get("csrftoken")
    return client


def _cached(server) -> dict[tuple[str, str], dict]:
    async def go():
        async with DB.session(load_config(server.data_dir, env={}).database):
            return await DB.fetch("SELECT type, id, stub, data FROM remote_object")

    return {(r["type"], r["id"]): r for r in run_async(go)}


@pytest.fixture
def two_servers(template_data, tmp_path, postgres):
    servers = []
    with contextlib.ExitStack() as stack:
        try:
            for name in ("a", "b"):
                folder = stack.enter_context(server_folder(template_data, tmp_path / name / "data", postgres))
                servers.append(start_server(folder, env={"GROUPBOX_ENV": "development"}))
            yield servers
        finally:
            for server in servers:
                stop_server(server)


def test_a_home_server_reads_a_group_server_through_a_token(two_servers, postgres):
    home, group_server = two_servers
    if httpx.get(f"{group_server.url}/.well-known/group-platform.json").status_code != 200:
        pytest.skip("the group server side (/.well-known, /api/sync) is not in this tree yet")
    world = seed(group_server, build_world)
    samir = world.people["member"]
    coach = _client(group_server, world.people["admin"])
    gid = world.group["id"]
    start = (now() + timedelta(days=3)).isoformat()
    first = coach.post(f"/api/groups/{gid}/events", json={"title": "Training", "starts_at": start,
                                                          "rsvp_required": True})
    assert first.status_code == 201, first.text

    member_id = samir.member_ids[gid]
    made = group_server.cli("token", "create", "--member", member_id, "--scope", "read:events", "--scope",
                            "read:announcements", "--scope", "act:rsvp", "--json")
    token = json.loads(made.stdout)["token"]

    connected = home.cli("connect", group_server.url, token, "--json")
    body = json.loads(connected.stdout)
    assert body["server_name"] == "Test Server" and body["synced"]["events"] >= 1
    assert token not in connected.stdout + connected.stderr
    cached = _cached(home)
    assert json.loads(cached[("event", first.json()["id"])]["data"])["title"] == "Training"

    second = coach.post(f"/api/groups/{gid}/events", json={"title": "Match vs. SV Tasmania", "starts_at": start})
    assert second.status_code == 201, second.text
    private = coach.post(f"/api/groups/{gid}/announcements", json={"title": "Key code for the shed", "body": "4711",
                                                                   "stays_here": True})
    assert private.status_code == 201, private.text
    home.cli("sync")
    cached = _cached(home)
    assert ("event", second.json()["id"]) in cached
    stub = cached[("announcement", private.json()["id"])]
    assert stub["stub"] and "Key code" not in stub["data"] and "4711" not in stub["data"]

    assert coach.delete(f"/api/events/{first.json()['id']}").status_code == 204
    home.cli("sync")
    cached = _cached(home)
    assert ("event", first.json()["id"]) not in cached and ("event", second.json()["id"]) in cached

    tokens = _client(group_server, samir).get("/api/connection-tokens").json()["items"]
    assert _client(group_server, samir).delete(f"/api/connection-tokens/{tokens[0]['id']}").status_code == 204
    failed = home.cli("sync", check=False)
    assert failed.returncode == 1 and "revoked" in failed.stdout
    listed = json.loads(home.cli("servers", "--json").stdout)["items"]
    assert listed[0]["state"] == "revoked"
    assert ("event", second.json()["id"]) in _cached(home)  # the last good copy stays

    owner = _client(home, seed(home, owner_person))
    assert owner.get("/").status_code == 200
    page = owner.get("/me/servers")
    assert page.status_code == 200 and "Token revoked or expired" in page.text and token not in page.text
    assert all(token.encode() not in stored for stored in stored_bytes(home.data_dir, postgres))
    assert token not in home.log.read_text()
