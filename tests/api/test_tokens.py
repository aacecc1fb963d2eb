"""Connection tokens for a member's home server (SPEC §14): scoped, shown once, revocable."""

import json

from groupbox.access import can
from groupbox.domain.remote import tokens
from tests.conftest import run_cli
from tests.remote_seed import stored_bytes


def test_member_creates_a_scoped_token_shown_once_and_revokes_it(client, call, world, as_person, csrf, config,
                                                                 postgres):
    as_person(world.people["member"])
    response = client.post("/api/connection-tokens", json={"scopes": ["read:events", "act:rsvp"],
                                                           "expires_in_days": 30, "label": "Samir's home"},
                           headers=csrf(client))
    assert response.status_code == 201
    body = response.json()
    assert set(body) >= {"token", "expires_at", "scopes"} and body["scopes"] == ["read:events", "act:rsvp"]
    assert all(body["token"].encode() not in stored for stored in stored_bytes(config.data_dir, postgres))
    listed = client.get("/api/connection-tokens").json()["items"]
    assert listed[0]["active"] and "token" not in listed[0]

    actor = call(tokens.actor_for_token, body["token"])
    assert set(actor.memberships) == {world.group["id"]}
    assert can(actor, "act:rsvp", world.group) and not can(actor, "act:vote", world.group)
    assert not can(actor, "group.admin", world.group)

    assert client.delete(f"/api/connection-tokens/{body['id']}", headers=csrf(client)).status_code == 204
    assert call(tokens.actor_for_token, body["token"]) is None


def test_bad_scopes_and_expiry_are_422(client, world, as_person, csrf):
    as_person(world.people["member"])
    bad = client.post("/api/connection-tokens", json={"scopes": ["write:everything"]}, headers=csrf(client))
    assert bad.status_code == 422 and "Unknown scope" in bad.json()["detail"]
    long = client.post("/api/connection-tokens", json={"expires_in_days": 5000}, headers=csrf(client))
    assert long.status_code == 422


def test_cli_token_create_for_a_member(data_dir, client, call, world):
    result = run_cli("token", "create", "--member", world.member_id("member"), "--scope", "read:events",
                     "--json", "--data", str(data_dir))
    payload = json.loads(result.stdout)
    assert set(payload) >= {"token", "scopes", "expires_at"} and payload["scopes"] == ["read:events"]
    guest = run_cli("token", "create", "--member", world.member_id("guest"), "--data", str(data_dir), check=False)
    assert guest.returncode == 1 and "Traceback" not in guest.stderr


def test_tokens_page_shows_a_new_token_once(client, world, as_person, csrf):
    as_person(world.people["member"])
    page = client.post("/me/tokens", data={"label": "Pi", "act:rsvp": "1", "expires_in_days": "30"},
                       headers=csrf(client))
    assert page.status_code == 200 and "shown only once" in page.text and "act:rsvp" in page.text
    again = client.get("/me/tokens")
    assert "shown only once" not in again.text and "Pi" in again.text
