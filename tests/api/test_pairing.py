"""Linking a second device by code (SPEC §6.4, §15.1): the laptop starts, the phone approves,
the laptop completes into the phone's profile. The bad cases sit beside the good one."""

from datetime import timedelta
from pathlib import Path

import pytest

from groupbox.access import Actor
from groupbox.db.engine import DB
from groupbox.domain.identity import pairing
from groupbox.domain.identity import service as identity
from groupbox.domain.remote import tokens
from groupbox.errors import Forbidden
from groupbox.instance import read_secret
from groupbox.util import clock_at, now

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _as(client, session: str | None):
    """Switch the test client to one browser: a session token, or None for a fresh browser."""
    client.cookies.delete("gb_session")
    if session:
        client.cookies.set("gb_session", session)
    return client


def _start(client, csrf):
    _as(client, None)
    response = client.post("/api/auth/device-link/start", json={}, headers={**csrf(client), "user-agent": FIREFOX})
    assert response.status_code == 201, response.text
    return response.json()


def _approve(client, csrf, person_session: str, code: str):
    _as(client, person_session)
    return client.post("/api/auth/device-link/approve", json={"code": code}, headers=csrf(client))


def _complete(client, csrf, pairing_id: str):
    _as(client, None)
    return client.post("/api/auth/device-link/complete", json={"pairing_id": pairing_id}, headers=csrf(client))


def _wrong(code: str) -> str:
    """The same first half (it finds the pairing), a different second half."""
    last = code[-1]
    return code[:-1] + ("2" if last != "2" else "3")


def test_laptop_links_to_the_phones_profile_and_sees_both_groups(client, csrf, world):
    phone = world.owner  # in both groups
    started = _start(client, csrf)
    assert set(started) == {"pairing_id", "code", "approve_url", "expires_at"}
    code = started["code"]
    assert len(code) == 9 and code[4] == "-" and not set(code.replace("-", "")) & set("01OIL")
    assert started["approve_url"] == f"http://127.0.0.1:8000/link/approve?c={code.replace('-', '')}"

    assert _complete(client, csrf, started["pairing_id"]).status_code == 409  # not approved yet

    approved = _approve(client, csrf, phone.session_token, code.lower().replace("-", " "))
    assert approved.status_code == 200, approved.text
    assert approved.json()["label"] == "Firefox on Linux"

    done = _complete(client, csrf, started["pairing_id"])
    assert done.status_code == 200, done.text
    laptop = client.cookies.get("gb_session")
    assert laptop and laptop != phone.session_token
    me = client.get("/api/me").json()
    assert {m["group_id"] for m in me["memberships"]} == {world.group["id"], world.other_group["id"]}
    assert client.get(f"/api/groups/{world.other_group['id']}").status_code == 200
    # A whole-profile device: it may do what the phone may (a token, an email address, approve).
    assert client.post("/api/connection-tokens", json={"scopes": ["read:events"]},
                       headers=csrf(client)).status_code == 201

    devices = _as(client, phone.session_token).get("/api/me/devices").json()["items"]
    assert len(devices) == 2 and "Firefox on Linux" in [d["label"] for d in devices]

    # Single use.
    assert _complete(client, csrf, started["pairing_id"]).status_code == 410
    again = _approve(client, csrf, phone.session_token, code)
    assert again.status_code == 410 and "already used" in again.json()["detail"]


def test_revoking_the_linked_laptop_signs_it_out_on_its_next_request(client, csrf, world):
    phone = world.owner
    started = _start(client, csrf)
    _approve(client, csrf, phone.session_token, started["code"])
    done = _complete(client, csrf, started["pairing_id"])
    laptop = client.cookies.get("gb_session")
    assert _as(client, laptop).get("/api/me").status_code == 200
    response = _as(client, phone.session_token).delete(f"/api/me/devices/{done.json()['device_id']}",
                                                       headers=csrf(client))
    assert response.status_code == 204
    assert _as(client, laptop).get("/api/me").status_code == 401
    assert _as(client, phone.session_token).get("/api/me").status_code == 200


def test_five_wrong_codes_stop_that_pairing_and_a_fresh_one_works_at_once(client, csrf, world):
    phone = world.owner.session_token
    started = _start(client, csrf)
    wrong = _wrong(started["code"])
    answers = [_approve(client, csrf, phone, wrong) for _ in range(6)]
    assert [a.status_code for a in answers] == [422, 422, 422, 422, 410, 410]
    assert "not right" in answers[0].json()["detail"]
    assert answers[0].json()["errors"]["code"]
    assert "Too many wrong codes" in answers[4].json()["detail"]
    # Even the right code is refused now, and the new device is told to start again.
    assert _approve(client, csrf, phone, started["code"]).status_code == 410
    refused = _complete(client, csrf, started["pairing_id"])
    assert refused.status_code == 410 and "5 wrong tries" in refused.json()["detail"]

    # The approving device is not locked out: a fresh pairing links at once.
    fresh = _start(client, csrf)
    assert _approve(client, csrf, phone, fresh["code"]).status_code == 200
    assert _complete(client, csrf, fresh["pairing_id"]).status_code == 200


@pytest.fixture
def strict_client(make_config):
    """A server that allows three wrong codes a minute per address, with the test world."""
    from litestar.testing import TestClient

    from groupbox.web.app import create_app
    from tests.factories import build_world

    with TestClient(app=create_app(make_config(pairing_rate_limit="3/minute")),
                    base_url="http://127.0.0.1:8000") as test_client:
        yield test_client, test_client.blocking_portal.call(build_world)


def test_codes_that_fit_no_pairing_are_limited_per_address(csrf, strict_client):
    client, world = strict_client
    phone = world.owner.session_token
    started = _start(client, csrf)
    assert _approve(client, csrf, phone, "nonsense").status_code == 422  # not a code: not counted
    statuses = [_approve(client, csrf, phone, code).status_code for code in ("ABCD2345", "BCDE3456", "CDEF4567")]
    assert statuses == [422, 422, 422]
    limited = _approve(client, csrf, phone, "DEFG5678")
    assert limited.status_code == 429 and limited.headers.get("retry-after")
    # Past the limit no code is looked at, not even the right one.
    assert _approve(client, csrf, phone, started["code"]).status_code == 429


def test_an_expired_code_says_so(client, call, csrf, world, config):
    with clock_at(now() - timedelta(minutes=11)):
        old = call(pairing.start, FIREFOX, key=read_secret(config), ip="203.0.113.9", rate="10/minute")
    refused = _approve(client, csrf, world.owner.session_token, old.code)
    assert refused.status_code == 410 and "expired" in refused.json()["detail"]
    done = _complete(client, csrf, old.pairing_id)
    assert done.status_code == 410 and "expired" in done.json()["detail"]


def test_approving_links_into_the_approvers_profile_only(client, csrf, world):
    outsider = world.outsider  # another person, in the other group only
    started = _start(client, csrf)
    assert _approve(client, csrf, outsider.session_token, started["code"]).status_code == 200
    # Once approved, nobody else can take the code over.
    taken = _approve(client, csrf, world.owner.session_token, started["code"])
    assert taken.status_code == 410
    assert _complete(client, csrf, started["pairing_id"]).status_code == 200
    me = client.get("/api/me").json()
    assert [m["group_id"] for m in me["memberships"]] == [world.other_group["id"]]
    assert client.get(f"/api/groups/{world.group['id']}").status_code == 404


def test_a_third_browser_cannot_complete_someone_elses_pairing(client, csrf, world):
    started = _start(client, csrf)
    _approve(client, csrf, world.owner.session_token, started["code"])
    for guess in (started["code"], started["code"].replace("-", ""), "x" * 32, ""):
        response = _complete(client, csrf, guess)
        assert response.status_code == 404, guess
        assert client.cookies.get("gb_session") is None
    # The web form reads the pairing from the browser's own cookie; a third browser has none.
    _as(client, None)
    response = client.post("/link/complete", headers=csrf(client))
    assert response.status_code == 404
    assert "gb_session" not in response.headers.get("set-cookie", "")
    assert _complete(client, csrf, started["pairing_id"]).status_code == 200  # the real one still can


def test_a_one_group_device_or_a_token_cannot_approve(client, call, csrf, world):
    samir = world.people["member"]
    _device, one_group = call(identity.start_browser, samir.profile_id, "pytest",
                              member_id=samir.member_ids[world.group["id"]])
    started = _start(client, csrf)
    refused = _approve(client, csrf, one_group, started["code"])
    assert refused.status_code == 403 and "one group only" in refused.json()["detail"]

    actor = call(samir.actor)
    _token, secret = call(tokens.token_create, actor, ["read:events"])
    _as(client, None)
    bearer = client.post("/api/auth/device-link/approve", json={"code": started["code"]},
                         headers={"authorization": f"Bearer {secret}"})
    assert bearer.status_code == 401  # a token is no one on routes that do not take tokens
    token_actor = Actor(profile_id=samir.profile_id, display_name="Samir", scopes=frozenset({"read:events"}))
    with pytest.raises(Forbidden):
        call(pairing.approve, token_actor, started["code"], key="k", ip="203.0.113.9", rate="10/minute")
    # The pairing is untouched: the whole-profile phone still approves it.
    assert _approve(client, csrf, samir.session_token, started["code"]).status_code == 200


def test_a_signed_in_browser_does_not_start_pairing(client, csrf, world):
    _as(client, world.owner.session_token)
    response = client.post("/api/auth/device-link/start", json={}, headers=csrf(client))
    assert response.status_code == 409


@pytest.mark.sqlite_only("reads the SQLite database file and its write-ahead log")
def test_no_plaintext_code_or_secret_in_the_database(client, call, csrf, world, config):
    started = _start(client, csrf)
    _approve(client, csrf, world.owner.session_token, started["code"])
    _complete(client, csrf, started["pairing_id"])
    stored = Path(config.db_path).read_bytes()  # and the write-ahead log, where recent pages are
    wal = Path(str(config.db_path) + "-wal")
    stored += wal.read_bytes() if wal.exists() else b""
    for secret in (started["pairing_id"], started["code"], started["code"].replace("-", "")):
        assert secret.encode() not in stored, secret


def test_start_approve_and_complete_are_audited(client, call, csrf, world):
    started = _start(client, csrf)
    _approve(client, csrf, world.owner.session_token, started["code"])
    _complete(client, csrf, started["pairing_id"])
    rows = call(DB.fetch, "SELECT action, actor_profile_id, target_name, detail FROM audit_entry"
                          " WHERE action LIKE 'device.link.%' ORDER BY created_at")
    assert [r["action"] for r in rows] == ["device.link.start", "device.link.approve", "device.link.complete"]
    assert rows[1]["actor_profile_id"] == rows[2]["actor_profile_id"] == world.owner.profile_id
    assert all(r["target_name"] == "Firefox on Linux" for r in rows)
    assert not any(started["code"][:4] in (r["detail"] + r["target_name"]) for r in rows)


def test_the_request_bodies_are_in_the_openapi_document(client):
    paths = client.get("/api/schema/openapi.json").json()["paths"]
    for name, fields in (("start", set()), ("approve", {"code"}), ("complete", {"pairing_id"})):
        body = paths[f"/api/auth/device-link/{name}"]["post"]["requestBody"]
        assert body["required"] is True, name
        schema = body["content"]["application/json"]["schema"]
        assert "$ref" in schema, name
        component = client.get("/api/schema/openapi.json").json()["components"]["schemas"][schema["$ref"].split("/")[-1]]
        assert set(component.get("properties", {})) == fields, name


# -- the pages, without JavaScript ----------------------------------------------------------------
def test_the_pages_link_a_device_and_a_look_at_the_qr_link_changes_nothing(client, csrf, world):
    phone = world.owner.session_token
    _as(client, None)
    page = client.get("/link", headers={"user-agent": FIREFOX})
    assert page.status_code == 200
    assert "<svg" in page.text and "Continue" in page.text
    secret = client.cookies.get("gb_pairing")
    assert secret
    code = pairing.format_code(pairing.code_for(read_secret(client.app.state.config), secret))
    assert code in page.text
    assert code in client.get("/link").text  # a reload shows the same code
    assert client.get("/link/status").json() == {"state": "waiting"}
    not_yet = client.post("/link/complete", headers=csrf(client))
    assert not_yet.status_code == 409 and "Not approved yet" in not_yet.text

    laptop_cookies = dict(client.cookies)
    _as(client, phone)
    client.cookies.delete("gb_pairing")
    look = client.get(f"/link/approve?c={code.replace('-', '')}")
    assert look.status_code == 200 and "Link “Firefox on Linux” to your groups?" in look.text
    assert "FC Kreuzberg U12 Parents" in look.text
    wrong = client.get(f"/link/approve?c={_wrong(code)}")
    assert wrong.status_code == 422 and "not right" in wrong.text
    confirm = client.post("/link/approve", data={"code": code, "confirm": "1"}, headers=csrf(client),
                          follow_redirects=False)
    assert confirm.status_code == 303 and confirm.headers["location"] == "/me/devices"

    client.cookies.clear()
    for name, value in laptop_cookies.items():
        client.cookies.set(name, value, path="/link" if name == "gb_pairing" else "/")
    assert client.get("/link/status").json() == {"state": "approved"}
    done = client.post("/link/complete", headers=csrf(client), follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/"
    forgotten = [c for c in done.headers.get_list("set-cookie") if c.startswith("gb_pairing=")]
    assert forgotten and "Max-Age=0" in forgotten[0]  # the browser drops the pairing's secret
    assert "This device is linked" in client.get("/").text


def test_a_typed_wrong_code_counts_and_a_stopped_code_says_so_on_the_page(client, csrf, world):
    started = _start(client, csrf)
    _as(client, world.owner.session_token)
    for _ in range(4):
        page = client.post("/link/approve", data={"code": _wrong(started["code"])}, headers=csrf(client))
        assert page.status_code == 422 and 'role="alert"' in page.text
    page = client.post("/link/approve", data={"code": _wrong(started["code"])}, headers=csrf(client))
    assert page.status_code == 410 and "Too many wrong codes" in page.text
    assert _complete(client, csrf, started["pairing_id"]).status_code == 410


def test_me_offers_to_link_another_device(client, world):
    _as(client, world.owner.session_token)
    page = client.get("/me").text
    assert "Link another device" in page and 'href="/link/approve"' in page
    _as(client, None)
    assert client.get("/link/approve").status_code == 401


def test_the_new_device_is_told_its_code_expired_and_gets_a_new_one(client, call, csrf, config):
    with clock_at(now() - timedelta(minutes=11)):
        old = call(pairing.start, FIREFOX, key=read_secret(config), ip="203.0.113.9", rate="10/minute")
    _as(client, None)
    client.cookies.set("gb_pairing", old.pairing_id, path="/link")
    page = client.get("/link")
    assert page.status_code == 410 and "expired" in page.text and "Show a new code" in page.text
    assert client.get("/link/status").json() == {"state": "expired"}
    again = client.post("/link/new", headers=csrf(client), follow_redirects=False)
    assert again.status_code == 303
    client.cookies.delete("gb_pairing", path="/link")
    fresh = again.cookies.get("gb_pairing")
    client.cookies.set("gb_pairing", fresh, path="/link")
    page = client.get("/link")
    assert page.status_code == 200
    assert pairing.format_code(pairing.code_for(read_secret(config), fresh)) in page.text


def test_a_signed_in_device_opening_link_is_sent_to_approve(client, world):
    page = _as(client, world.owner.session_token).get("/link")
    assert page.status_code == 200 and "already signed in" in page.text and 'href="/link/approve"' in page.text


def test_a_person_who_linked_a_device_can_still_delete_themselves(client, call, csrf, world):
    pytest.importorskip("groupbox.domain.identity.mydata")  # "Delete me" lands beside this work (issue 13)
    samir = world.people["member"]
    started = _start(client, csrf)
    _approve(client, csrf, samir.session_token, started["code"])
    _complete(client, csrf, started["pairing_id"])
    response = _as(client, samir.session_token).delete("/api/me", headers=csrf(client))
    assert response.status_code == 204, response.text
    assert call(DB.fetch, "SELECT id FROM device_pairing") == []  # the pairing went with the profile
