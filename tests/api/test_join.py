"""Joining from an invite link: the good path, and every way it can go wrong."""

import asyncio
import html
from datetime import timedelta

import pytest

from groupbox.domain.groups import invites
from groupbox.domain.groups import service as groups
from groupbox.domain.groups.schemas import InviteOptions


@pytest.fixture
def invite(call, world):
    def make(**options):
        actor = call(world.owner.actor)
        return call(invites.invite_create, actor, world.group["id"], InviteOptions(**options))

    return make


def member_count(call, group_id):
    return call(groups.member_count, group_id)


def test_parent_joins_from_invite_with_just_a_name(client, call, world, invite, csrf):
    _row, token = invite()
    page = client.get(f"/join/{token}")
    assert page.status_code == 200
    assert "FC Kreuzberg U12 Parents" in page.text and "Your name" in page.text
    assert page.text.count("<form") == 1
    assert 'type="password"' not in page.text and 'type="email"' not in page.text
    response = client.post(f"/join/{token}", data={"display_name": "Anna Müller"}, headers=csrf(client),
                           follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/groups/{world.group['id']}"
    dashboard = client.get(response.headers["location"])
    assert dashboard.status_code == 200 and "FC Kreuzberg U12 Parents" in dashboard.text
    me = client.get("/api/me").json()
    assert [m["display_name"] for m in me["memberships"]] == ["Anna Müller"]


def test_viewing_the_join_page_spends_nothing(client, call, world, invite):
    row, token = invite(max_uses=1)
    for _ in range(5):
        assert client.get(f"/join/{token}").status_code == 200
        assert client.get(f"/api/join/{token}/preview").status_code == 200
    assert call(invites.invite_by_token, token)[0]["uses"] == 0


def test_second_group_joins_under_the_same_device(client, call, world, csrf):
    actor = call(world.owner.actor)
    _r1, first = call(invites.invite_create, actor, world.group["id"], InviteOptions())
    _r2, second = call(invites.invite_create, actor, world.other_group["id"], InviteOptions())
    client.post(f"/join/{first}", data={"display_name": "Anna"}, headers=csrf(client))
    device_before = client.get("/api/me").json()["device_id"]
    response = client.post(f"/join/{second}", data={"display_name": "Anna"}, headers=csrf(client),
                           follow_redirects=False)
    assert "gb_session" not in response.headers.get("set-cookie", "")
    me = client.get("/api/me").json()
    assert me["device_id"] == device_before
    assert {m["group_id"] for m in me["memberships"]} == {world.group["id"], world.other_group["id"]}
    assert len(client.get("/api/me/devices").json()["items"]) == 1


def test_a_member_opening_the_link_again_goes_straight_in(client, world, invite, csrf):
    _row, token = invite()
    client.post(f"/join/{token}", data={"display_name": "Anna"}, headers=csrf(client))
    response = client.get(f"/join/{token}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/groups/{world.group['id']}"


@pytest.mark.parametrize(
    "name, message",
    [
        ("", "Please enter your name"),
        ("    ", "Please enter your name"),
        ("x" * 500, "at most 60"),
        ("<b>Anna</b>", "no < or >"),
        ("<script>alert(1)</script>", "no < or >"),
    ],
)
def test_bad_display_names_are_refused_beside_the_field_and_kept(client, call, world, invite, csrf, name, message):
    row, token = invite()
    before = member_count(call, world.group["id"])
    response = client.post(f"/join/{token}", data={"display_name": name}, headers=csrf(client))
    assert response.status_code == 422
    assert html.escape(message) in response.text
    assert 'role="alert"' in response.text and 'aria-invalid="true"' in response.text
    if name.strip():
        assert "&lt;" in response.text or name[:60] in response.text  # input kept, escaped
    assert "<script>alert" not in response.text
    assert member_count(call, world.group["id"]) == before
    assert call(invites.invite_by_token, token)[0]["uses"] == 0
    api = client.post(f"/api/auth/invite/{token}/claim", json={"display_name": name}, headers=csrf(client))
    assert api.status_code == 422 and api.json()["status_code"] == 422


def test_spent_expired_revoked_and_unknown_invites_say_so(client, call, world, invite, csrf):
    _used, used_token = invite(max_uses=1)
    assert client.post(f"/api/auth/invite/{used_token}/claim", json={"display_name": "First"},
                       headers=csrf(client)).status_code == 201
    client.cookies.delete("gb_session")
    expired, expired_token = invite()
    call(_expire, expired["id"])
    revoked, revoked_token = invite()
    call(invites.invite_revoke, call(world.owner.actor), revoked["id"])
    cases = [(used_token, 410, "used as often"), (expired_token, 410, "expired"), (revoked_token, 410, "switched off"),
             ("never-existed", 404, "know this invite")]
    before = member_count(call, world.group["id"])
    for token, status, words in cases:
        page = client.get(f"/join/{token}")
        assert page.status_code == status and words in page.text and "ask the admin" in page.text.lower()
        post = client.post(f"/join/{token}", data={"display_name": "Late"}, headers=csrf(client))
        assert post.status_code == status
        api = client.post(f"/api/auth/invite/{token}/claim", json={"display_name": "Late"}, headers=csrf(client))
        assert api.status_code == status and api.json()["status_code"] == status
    assert member_count(call, world.group["id"]) == before


async def _expire(invite_id):
    from groupbox.db.engine import DB
    from groupbox.util import now

    await DB.execute("UPDATE invite SET expires_at = ? WHERE id = ?", now() - timedelta(minutes=1), invite_id)


def test_claim_without_csrf_token_is_403_and_writes_nothing(client, call, world, invite):
    _row, token = invite()
    before = member_count(call, world.group["id"])
    assert client.post(f"/join/{token}", data={"display_name": "Anna"}).status_code == 403
    assert client.post(f"/api/auth/invite/{token}/claim", json={"display_name": "Anna"}).status_code == 403
    assert member_count(call, world.group["id"]) == before


def test_rapid_claims_from_one_ip_are_limited_after_twenty(client, call, world, invite, csrf):
    _row, token = invite()
    statuses = []
    for i in range(30):
        client.cookies.delete("gb_session")
        statuses.append(client.post(f"/api/auth/invite/{token}/claim", json={"display_name": f"P{i}"},
                                    headers=csrf(client)).status_code)
    assert statuses[:20] == [201] * 20
    assert set(statuses[20:]) == {429}
    page = client.post(f"/join/{token}", data={"display_name": "Late"}, headers=csrf(client))
    assert page.status_code == 429 and "Too many attempts" in page.text
    assert page.headers["retry-after"]


def test_raising_the_claim_limit_lifts_it(make_config, call):
    from litestar.testing import TestClient

    from groupbox.web.app import create_app
    from tests.conftest import csrf_headers
    from tests.factories import build_world

    with TestClient(app=create_app(make_config(claim_rate_limit="100/minute"))) as client:
        world = client.blocking_portal.call(build_world)
        actor = client.blocking_portal.call(world.owner.actor)
        _row, token = client.blocking_portal.call(lambda: invites.invite_create(actor, world.group["id"], InviteOptions(
            )))
        for i in range(30):
            client.cookies.delete("gb_session")
            assert client.post(f"/api/auth/invite/{token}/claim", json={"display_name": f"P{i}"},
                               headers=csrf_headers(client)).status_code == 201


def test_twenty_simultaneous_claims_on_a_five_use_invite_make_five_members(client, call, world, invite):
    row, token = invite(max_uses=5)
    before = member_count(call, world.group["id"])

    async def claim_all():
        async def one(i):
            try:
                await invites.invite_claim(token, f"Parent {i}", actor=None, user_agent="t", ip=f"ip{i}",
                                           rate="100/minute")
                return "ok"
            except Exception as exc:  # noqa: BLE001 - we count the refusals
                return type(exc).__name__

        return await asyncio.gather(*(one(i) for i in range(20)))

    results = call(claim_all)
    assert results.count("ok") == 5
    assert set(results) == {"ok", "Gone"}
    assert member_count(call, world.group["id"]) == before + 5
    assert invites.invite_state({**row, "uses": 5}) == "used up"


def test_no_plaintext_token_in_the_database_or_logs(client, call, world, invite, csrf, config, caplog):
    from groupbox.domain.identity import service as identity

    _row, invite_token = invite()
    owner = call(identity.owner_profile)
    signin_token = call(identity.issue_signin_link, profile_id=owner["id"])
    response = client.post(f"/api/auth/invite/{invite_token}/claim", json={"display_name": "Anna"},
                           headers=csrf(client))
    session_token = response.cookies.get("gb_session") or client.cookies.get("gb_session")
    assert session_token
    blobs = b""
    for path in config.data_dir.glob("groupbox.sqlite3*"):
        blobs += path.read_bytes()
    # Our own logs (the test client's httpx logger is the *client* side and is left out).
    logs = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx")).encode()
    for secret in (invite_token, signin_token, session_token):
        assert secret.encode() not in blobs
        assert secret.encode() not in logs


def test_approval_invites_wait_for_an_admin(client, call, world, invite, csrf, as_person):
    _row, token = invite(needs_approval=True)
    response = client.post(f"/join/{token}", data={"display_name": "Careful Carla"}, headers=csrf(client),
                           follow_redirects=False)
    assert response.headers["location"] == f"/groups/{world.group['id']}/waiting"
    waiting = client.get(response.headers["location"])
    assert "will let you in soon" in waiting.text
    assert client.get(f"/groups/{world.group['id']}").status_code == 404
    carla_cookie = client.cookies.get("gb_session")

    as_person(world.people["admin"])
    queue = client.get(f"/groups/{world.group['id']}/admin")
    assert "Careful Carla" in queue.text and "Waiting for approval" in queue.text
    pending = [m for m in client.get(f"/api/groups/{world.group['id']}/members").json()["items"]
               if m["status"] == "pending"]
    assert client.post(f"/api/groups/{world.group['id']}/members/{pending[0]['id']}/approve",
                       headers=csrf(client)).status_code == 200

    client.cookies.set("gb_session", carla_cookie)
    assert client.get(f"/groups/{world.group['id']}/waiting", follow_redirects=False).status_code == 303
    assert client.get(f"/groups/{world.group['id']}").status_code == 200
