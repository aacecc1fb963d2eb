"""Passkeys through the JSON API (SPEC §6.6, §15): register from a signed-in device, sign in from a
fresh one, list/rename/remove; forged, stale and replayed answers are a clear 400.

The authenticator here is a software one (P-256, "none" attestation, a counter): it builds the
same bytes a phone does, so the server's real `webauthn` checks run on every answer. The browser
test (tests/browser/test_passkeys.py) does the same with Chromium's virtual authenticator.
"""

from __future__ import annotations

import hashlib
import json
import os

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import bytes_to_base64url as b64

from groupbox.db.engine import DB
from groupbox.domain.identity import passkeys as passkey_service
from groupbox.domain.identity import service as identity

URL = "http://localhost:8000"


@pytest.fixture
def config(make_config):
    """Passkeys need a name, not an IP address: this server is at localhost."""
    return make_config(url=URL, passkey_rate_limit="1000/minute")


class Authenticator:
    """A platform authenticator in software: what a phone's passkey does, byte for byte."""

    def __init__(self, origin: str = URL):
        self.origin = origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0
        self.user_handle: str | None = None

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def _client_data(self, kind: str, challenge: str, origin: str | None = None) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin or self.origin,
                           "crossOrigin": False}).encode()

    def create(self, options: dict, *, origin: str | None = None) -> dict:
        """`navigator.credentials.create()` followed by `.toJSON()`."""
        self.user_handle = options["user"]["id"]
        rp_hash = hashlib.sha256(options["rp"]["id"].encode()).digest()
        flags = 0x01 | 0x04 | 0x40  # user present, user verified, attested credential data
        auth_data = (rp_hash + bytes([flags]) + self.sign_count.to_bytes(4, "big") + b"\x00" * 16
                     + len(self.credential_id).to_bytes(2, "big") + self.credential_id + self._cose_key())
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {"id": b64(self.credential_id), "rawId": b64(self.credential_id), "type": "public-key",
                "authenticatorAttachment": "platform", "clientExtensionResults": {},
                "response": {"clientDataJSON": b64(self._client_data("webauthn.create", options["challenge"], origin)),
                             "attestationObject": b64(attestation), "transports": ["internal"]}}

    def get(self, options: dict, *, rp_id: str = "localhost", origin: str | None = None) -> dict:
        """`navigator.credentials.get()` followed by `.toJSON()` (the passkey chosen by the person)."""
        self.sign_count += 1
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        auth_data = hashlib.sha256(rp_id.encode()).digest() + bytes([0x01 | 0x04]) + self.sign_count.to_bytes(4, "big")
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {"id": b64(self.credential_id), "rawId": b64(self.credential_id), "type": "public-key",
                "authenticatorAttachment": "platform", "clientExtensionResults": {},
                "response": {"clientDataJSON": b64(client_data), "authenticatorData": b64(auth_data),
                             "signature": b64(signature), "userHandle": self.user_handle}}


def register(client, csrf, authenticator: Authenticator, **body) -> dict:
    options = client.post("/api/auth/passkeys/register/options", json={}, headers=csrf(client))
    assert options.status_code == 200, options.text
    answer = client.post("/api/auth/passkeys/register/verify", headers=csrf(client),
                         json={"credential": authenticator.create(options.json()), **body})
    assert answer.status_code == 201, answer.text
    return answer.json()


def sign_out(client) -> None:
    client.cookies.delete("gb_session")


def login_options(client, csrf) -> dict:
    response = client.post("/api/auth/passkeys/login/options", json={}, headers=csrf(client))
    assert response.status_code == 200, response.text
    return response.json()


def login(client, csrf, credential: dict):
    return client.post("/api/auth/passkeys/login/verify", json={"credential": credential}, headers=csrf(client))


def audit_actions(call) -> list[str]:
    return [r["action"] for r in call(DB.fetch, "SELECT action FROM audit_entry ORDER BY created_at")]


# -- the good path ------------------------------------------------------------------------------
def test_member_adds_a_passkey_then_signs_in_with_it_on_a_fresh_device(client, csrf, world, as_person, call):
    samir = world.people["member"]
    as_person(samir)
    options = client.post("/api/auth/passkeys/register/options", json={}, headers=csrf(client)).json()
    assert options["rp"]["id"] == "localhost"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert options["user"]["name"] == "Samir Khan"

    phone = Authenticator()
    answer = client.post("/api/auth/passkeys/register/verify", headers=csrf(client),
                         json={"credential": phone.create(options), "name": "Samir's phone"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["name"] == "Samir's phone"
    listed = client.get("/api/me/passkeys").json()["items"]
    assert [p["name"] for p in listed] == ["Samir's phone"]
    assert listed[0]["last_used_at"] is None

    # A fresh device: no cookies at all.
    client.cookies.clear()
    response = login(client, csrf, phone.get(login_options(client, csrf)))
    assert response.status_code == 200, response.text
    assert response.json() == {"profile_id": samir.profile_id, "redirect": "/"}
    assert response.cookies.get("gb_session") and response.cookies.get("gb_session") != samir.session_token
    me = client.get("/api/me").json()
    assert world.group["id"] in json.dumps(me)
    devices = client.get("/api/me/devices").json()["items"]
    assert len(devices) == 2 and sum(d["current"] for d in devices) == 1
    assert client.get("/api/me/passkeys").json()["items"][0]["last_used_at"] is not None
    # The new session may post at once (the CSRF cookie was re-issued for it).
    assert client.patch(f"/api/me/passkeys/{listed[0]['id']}", json={"name": "Phone"},
                        headers=csrf(client)).status_code == 200
    actions = audit_actions(call)
    assert "passkey.register" in actions and "passkey.signin" in actions


def test_signing_in_again_in_a_signed_in_browser_keeps_its_session(client, csrf, world, as_person):
    samir = world.people["member"]
    as_person(samir)
    phone = Authenticator()
    register(client, csrf, phone)
    response = login(client, csrf, phone.get(login_options(client, csrf)))
    assert response.status_code == 200
    assert "gb_session" not in response.cookies
    # Someone else's browser: refused, nobody is switched.
    as_person(world.people["admin"])
    response = login(client, csrf, phone.get(login_options(client, csrf)))
    assert response.status_code == 409, response.text
    assert "someone else" in response.json()["detail"]


# -- refused answers ----------------------------------------------------------------------------
@pytest.mark.parametrize("body", [
    {},
    {"credential": "nope"},
    {"credential": {"id": "x", "rawId": "x", "response": {"clientDataJSON": "!!!", "attestationObject": "@@"}}},
    {"credential": {"id": "AAAA", "rawId": "AAAA", "type": "public-key",
                    "response": {"clientDataJSON": b64(b"not json"), "attestationObject": b64(b"\xff\x00")}}},
    {"credential": {"id": "AAAA", "rawId": "AAAA", "type": "public-key",
                    "response": {"clientDataJSON": b64(b'{"challenge": 5}'), "attestationObject": ""}}},
])
def test_garbage_instead_of_a_new_passkey_is_a_clear_400(client, csrf, world, as_person, body):
    as_person(world.people["member"])
    response = client.post("/api/auth/passkeys/register/verify", json=body, headers=csrf(client))
    assert response.status_code == 400, response.text
    assert response.json()["detail"] and response.json()["status_code"] == 400


def test_forged_registration_answers_are_refused(client, csrf, world, as_person, call):
    as_person(world.people["member"])
    phone = Authenticator()

    def answer(**tamper):
        options = client.post("/api/auth/passkeys/register/options", json={}, headers=csrf(client)).json()
        credential = phone.create(options, origin=tamper.get("origin"))
        if "attestation" in tamper:
            credential["response"]["attestationObject"] = tamper["attestation"]
        return client.post("/api/auth/passkeys/register/verify", json={"credential": credential},
                           headers=csrf(client))

    for response in (answer(origin="https://evil.example"),
                     answer(attestation=b64(cbor2.dumps({"fmt": "packed", "attStmt": {"sig": b"x"},
                                                         "authData": b"\x00" * 37})))):
        assert response.status_code == 400, response.text
        assert "could not be checked" in response.json()["detail"]
    assert call(DB.fetch, "SELECT id FROM passkey") == []


def test_a_forged_or_garbage_sign_in_is_a_clear_400(client, csrf, world, as_person):
    as_person(world.people["member"])
    phone = Authenticator()
    register(client, csrf, phone)
    client.cookies.clear()

    forged = phone.get(login_options(client, csrf))
    forged["response"]["signature"] = b64(b"\x30\x06\x02\x01\x01\x02\x01\x01")
    wrong_origin = phone.get(login_options(client, csrf), origin="https://evil.example")
    wrong_rp = phone.get(login_options(client, csrf), rp_id="evil.example")
    other_key = Authenticator()
    other_key.credential_id, other_key.user_handle = phone.credential_id, phone.user_handle
    impostor = other_key.get(login_options(client, csrf))
    garbage = {"id": "AA", "rawId": "AA", "type": "public-key",
               "response": {"clientDataJSON": "%%%", "authenticatorData": "", "signature": ""}}
    for credential in (forged, wrong_origin, wrong_rp, impostor, garbage):
        response = login(client, csrf, credential)
        assert response.status_code == 400, response.text
        assert "gb_session" not in response.cookies
    assert client.post("/api/auth/passkeys/login/verify", content=b"{not json", headers={
        **csrf(client), "content-type": "application/json"}).status_code == 400
    assert client.get("/api/me").status_code == 401


def test_an_answer_to_a_challenge_the_server_never_gave_or_already_took_is_refused(client, csrf, world, as_person,
                                                                                  call):
    as_person(world.people["member"])
    phone = Authenticator()
    register(client, csrf, phone)
    client.cookies.clear()

    made_up = phone.get({"challenge": b64(os.urandom(32))})
    response = login(client, csrf, made_up)
    assert response.status_code == 400
    assert "expired or was already used" in response.json()["detail"]

    answer = phone.get(login_options(client, csrf))
    assert login(client, csrf, answer).status_code == 200
    client.cookies.clear()
    replay = login(client, csrf, answer)
    assert replay.status_code == 400 and "already used" in replay.json()["detail"]

    # Five minutes later the challenge is gone too.
    stale = login_options(client, csrf)
    call(DB.execute, "UPDATE passkey_challenge SET expires_at = created_at")
    assert login(client, csrf, phone.get(stale)).status_code == 400
    # A sign-in challenge does not register a passkey, nor one person's registration another's.
    as_person(world.people["admin"])
    response = client.post("/api/auth/passkeys/register/verify", headers=csrf(client),
                           json={"credential": Authenticator().create({**login_options(client, csrf),
                                                                       "rp": {"id": "localhost"},
                                                                       "user": {"id": "x"}})})
    assert response.status_code == 400
    theirs = client.post("/api/auth/passkeys/register/options", json={}, headers=csrf(client)).json()
    as_person(world.people["moderator"])
    response = client.post("/api/auth/passkeys/register/verify", headers=csrf(client),
                           json={"credential": Authenticator().create(theirs)})
    assert response.status_code == 400, response.text


def test_a_removed_passkey_no_longer_signs_in(client, csrf, world, as_person, call):
    as_person(world.people["member"])
    phone = Authenticator()
    passkey = register(client, csrf, phone)
    assert client.delete(f"/api/me/passkeys/{passkey['id']}", headers=csrf(client)).status_code == 204
    assert client.get("/api/me/passkeys").json()["items"] == []
    client.cookies.clear()
    response = login(client, csrf, phone.get(login_options(client, csrf)))
    assert response.status_code == 400
    assert "not registered here" in response.json()["detail"]
    assert "passkey.remove" in audit_actions(call)


def test_a_copied_passkey_whose_counter_goes_back_is_refused(client, csrf, world, as_person, call):
    as_person(world.people["member"])
    phone = Authenticator()
    register(client, csrf, phone)
    client.cookies.clear()
    phone.sign_count = 10
    assert login(client, csrf, phone.get(login_options(client, csrf))).status_code == 200
    client.cookies.clear()
    phone.sign_count = 3  # a copy that has been used less than the original
    response = login(client, csrf, phone.get(login_options(client, csrf)))
    assert response.status_code == 400
    assert "copied" in response.json()["detail"]
    assert "passkey.clone_suspected" in audit_actions(call)


def test_the_same_passkey_twice_is_a_conflict(client, csrf, world, as_person):
    as_person(world.people["member"])
    phone = Authenticator()
    register(client, csrf, phone)
    options = client.post("/api/auth/passkeys/register/options", json={}, headers=csrf(client)).json()
    assert options["excludeCredentials"][0]["id"] == b64(phone.credential_id)
    response = client.post("/api/auth/passkeys/register/verify", json={"credential": phone.create(options)},
                           headers=csrf(client))
    assert response.status_code == 409


# -- whose passkeys -----------------------------------------------------------------------------
def test_people_rename_and_remove_only_their_own_passkeys(client, csrf, world, as_person):
    as_person(world.people["member"])
    mine = register(client, csrf, Authenticator())
    renamed = client.patch(f"/api/me/passkeys/{mine['id']}", json={"name": "  Work   laptop "}, headers=csrf(client))
    assert renamed.status_code == 200 and renamed.json()["name"] == "Work laptop"
    bad = client.patch(f"/api/me/passkeys/{mine['id']}", json={"name": "<b>"}, headers=csrf(client))
    assert bad.status_code == 422 and "name" in bad.json()["errors"]

    for person in (world.people["admin"], world.owner):
        as_person(person)
        assert client.patch(f"/api/me/passkeys/{mine['id']}", json={"name": "Mine now"},
                            headers=csrf(client)).status_code == 404
        assert client.delete(f"/api/me/passkeys/{mine['id']}", headers=csrf(client)).status_code == 404
        assert client.post(f"/me/passkeys/{mine['id']}/remove", headers=csrf(client)).status_code == 404
        assert client.get("/api/me/passkeys").json()["items"] == []
    as_person(world.people["member"])
    assert [p["name"] for p in client.get("/api/me/passkeys").json()["items"]] == ["Work laptop"]
    sign_out(client)
    assert client.get("/api/me/passkeys").status_code == 401
    assert client.post("/api/auth/passkeys/register/options", json={}, headers=csrf(client)).status_code == 401


def test_a_device_signed_in_to_one_group_cannot_add_passkeys(client, csrf, world, as_person, call):
    samir = world.people["member"]
    _device, token = call(identity.start_browser, samir.profile_id, "pytest",
                          member_id=samir.member_ids[world.group["id"]])
    client.cookies.clear()
    client.cookies.set("gb_session", token)
    response = client.post("/api/auth/passkeys/register/options", json={}, headers=csrf(client))
    assert response.status_code == 403, response.text
    assert client.get("/api/me/passkeys").json()["items"] == []
    assert "one group only" in client.get("/me/passkeys").text


def test_the_me_page_lists_passkeys_and_offers_one_more(client, csrf, world, as_person):
    as_person(world.people["member"])
    page = client.get("/me").text
    assert "Add a passkey" in page and "passkeys.js" in page
    register(client, csrf, Authenticator(), name="Samir's phone")
    page = client.get("/me").text
    assert "Samir&#39;s phone" in page and 'href="/me/passkeys"' in page
    manage = client.get("/me/passkeys?added=nope").text
    assert "Remove this passkey" in manage and "Passkey added" not in manage


def test_the_signed_out_landing_offers_a_passkey_sign_in(client):
    page = client.get("/").text
    assert "Sign in with a passkey" in page and "passkeys.js" in page


# -- where passkeys cannot work -----------------------------------------------------------------
@pytest.mark.parametrize(("url", "rp_id", "origin"), [
    ("http://localhost:8000", "localhost", "http://localhost:8000"),
    ("https://groupbox.example.org", "groupbox.example.org", "https://groupbox.example.org"),
    ("https://groupbox.example.org:443/", "groupbox.example.org", "https://groupbox.example.org"),
    ("https://Box.Example.org:8443", "box.example.org", "https://box.example.org:8443"),
    ("http://127.0.0.1:8000", None, None),
    ("https://192.168.1.20", None, None),
    ("http://[::1]:8000", None, None),
    ("http://groupbox.lan:8000", None, None),
])
def test_the_relying_party_comes_from_the_public_url(make_config, url, rp_id, origin):
    rp = passkey_service.relying_party(make_config(url=url))
    assert (rp.id, rp.origin) == (rp_id, origin) if rp_id else rp is None


def test_on_an_ip_address_passkeys_say_why_they_are_unavailable(make_config, world, csrf):
    from litestar.testing import TestClient

    from groupbox.web.app import create_app

    with TestClient(app=create_app(make_config(url="http://127.0.0.1:8000")), base_url="http://127.0.0.1:8000") as ip:
        ip.cookies.set("gb_session", world.people["member"].session_token)
        response = ip.post("/api/auth/passkeys/register/options", json={}, headers=csrf(ip))
        assert response.status_code == 409 and "IP address" in response.json()["detail"]
        assert ip.post("/api/auth/passkeys/login/options", json={}, headers=csrf(ip)).status_code == 409
        page = ip.get("/me").text
        assert "not by an IP address" in page and "Add a passkey" not in page


def test_passkey_attempts_are_rate_limited_per_address(make_config, csrf):
    from litestar.testing import TestClient

    from groupbox.web.app import create_app

    with TestClient(app=create_app(make_config(url=URL, passkey_rate_limit="3/minute")),
                    base_url="http://127.0.0.1:8000") as limited:
        statuses = [limited.post("/api/auth/passkeys/login/options", json={}, headers=csrf(limited)).status_code
                    for _ in range(4)]
        assert statuses == [200, 200, 200, 429]


def test_every_passkey_post_declares_its_body_in_the_openapi_document(client):
    paths = client.get("/api/schema/openapi.json").json()["paths"]
    for step in ("register/options", "register/verify", "login/options", "login/verify"):
        assert "requestBody" in paths[f"/api/auth/passkeys/{step}"]["post"], step
    assert "requestBody" in paths["/api/me/passkeys/{passkey_id}"]["patch"]
