"""Recovery by email (SPEC §6.5, §15.1): a person with a confirmed address asks for a link on a
new device and is signed in to their whole profile. The bad cases sit beside the good one."""

import email
import email.policy
import re
from datetime import timedelta
from pathlib import Path

import pytest

from groupbox.db.engine import DB
from groupbox.domain.groups.schemas import InviteOptions
from groupbox.domain.identity import recovery
from groupbox.util import now

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


async def _confirm(profile_id: str, address: str, verified: bool = True) -> None:
    await DB.execute("UPDATE profile SET email = ?, email_verified_at = ? WHERE id = ?", address,
                     now() if verified else None, profile_id)


def _fresh(client):
    """The test client as a new browser: no session."""
    client.cookies.delete("gb_session")
    return client


def _ask(client, csrf, address: str):
    _fresh(client)
    return client.post("/api/auth/recovery/request", json={"email": address}, headers=csrf(client))


def _mails(config) -> list:
    return sorted(config.outbox_dir.glob("*.eml")) if config.outbox_dir.exists() else []


def _token_from(path: Path) -> str:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"/recover/([A-Za-z0-9_-]+)", text).group(1)


def _consume(client, csrf, token: str, session: str | None = None):
    _fresh(client)
    if session:
        client.cookies.set("gb_session", session)
    return client.post("/api/auth/recovery/consume", json={"token": token},
                       headers={**csrf(client), "user-agent": FIREFOX})


def test_parent_recovers_the_whole_profile_on_a_new_laptop(client, call, csrf, world, config):
    anna = world.owner  # in both groups
    call(_confirm, anna.profile_id, "Anna@Example.org")
    answer = _ask(client, csrf, "anna@example.ORG")  # case does not matter
    assert answer.status_code == 202, answer.text
    assert "on its way" in answer.json()["message"]
    [mailed] = _mails(config)
    message = email.message_from_bytes(mailed.read_bytes())
    assert message["To"] == "Anna@Example.org" and "sign-in link" in message["Subject"]
    token = _token_from(mailed)

    done = _consume(client, csrf, token)
    assert done.status_code == 200, done.text
    assert done.json() == {"profile_id": anna.profile_id, "redirect": "/"}
    laptop = client.cookies.get("gb_session")
    assert laptop and laptop != anna.session_token
    me = client.get("/api/me").json()
    assert {m["group_id"] for m in me["memberships"]} == {world.group["id"], world.other_group["id"]}
    # A whole-profile device: it may do what the phone may.
    assert client.post("/api/connection-tokens", json={"scopes": ["read:events"]},
                       headers=csrf(client)).status_code == 201
    devices = client.get("/api/me/devices").json()["items"]
    assert "Firefox on Linux" in [d["label"] for d in devices]

    # Single use.
    again = _consume(client, csrf, token)
    assert again.status_code == 410 and again.json()["status_code"] == 410
    assert "already used" in again.json()["detail"]
    assert _consume(client, csrf, "not-a-token-anyone-made").status_code == 404

    actions = [r["action"] for r in call(DB.fetch, "SELECT action FROM audit_entry WHERE action LIKE 'recovery.%'")]
    assert sorted(actions) == ["recovery.request", "recovery.signin"]


def test_unknown_and_unconfirmed_addresses_get_the_same_answer_and_no_mail(client, call, csrf, world, config):
    call(_confirm, world.people["member"].profile_id, "samir@example.org", verified=False)
    answers = [_ask(client, csrf, address) for address in ("nobody@example.org", "samir@example.org")]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json() == answers[1].json()
    assert _mails(config) == []
    assert call(DB.fetch, "SELECT id FROM email_token WHERE purpose = 'recover'") == []

    bad = _ask(client, csrf, "not an address")
    assert bad.status_code == 422 and bad.json()["errors"]["email"]


def test_expired_link_and_a_changed_address_answer_gone(client, call, csrf, world, config):
    samir = world.people["member"]
    call(_confirm, samir.profile_id, "samir@example.org")
    _ask(client, csrf, "samir@example.org")
    token = _token_from(_mails(config)[0])
    call(DB.execute, "UPDATE email_token SET expires_at = ? WHERE purpose = 'recover'", now() - timedelta(seconds=1))
    expired = _consume(client, csrf, token)
    assert expired.status_code == 410 and "expired" in expired.json()["detail"]
    assert client.get(f"/recover/{token}").status_code == 410

    before = set(_mails(config))
    _ask(client, csrf, "samir@example.org")
    [latest] = set(_mails(config)) - before  # (names sort by second, then at random)
    newest = _token_from(latest)
    call(_confirm, samir.profile_id, "samir@elsewhere.example")
    changed = _consume(client, csrf, newest)
    assert changed.status_code == 410 and "address changed" in changed.json()["detail"]
    assert client.cookies.get("gb_session") is None


def test_requests_are_limited_per_ip_and_per_address(make_config, csrf):
    from litestar.testing import TestClient

    from groupbox.config import parse_rate
    from groupbox.web.app import create_app

    config = make_config(recovery_rate_limit="3/minute")
    with TestClient(app=create_app(config), base_url="http://127.0.0.1:8000") as limited:
        answers = [_ask(limited, csrf, f"person{i}@example.org").status_code for i in range(3)]
        refused = _ask(limited, csrf, "person9@example.org")
        assert answers == [202, 202, 202] and refused.status_code == 429
        assert refused.json()["status_code"] == 429 and int(refused.headers["retry-after"]) >= 1
        page = _fresh(limited).post("/recover", data={"email": "person9@example.org"}, headers=csrf(limited))
        assert page.status_code == 429 and "Too many attempts" in page.text

    # One address cannot be flooded, known or not, while other addresses still work.
    per_address = parse_rate(recovery.ADDRESS_RATE)[0]
    config = make_config(recovery_rate_limit="1000/minute")
    with TestClient(app=create_app(config), base_url="http://127.0.0.1:8000") as client:
        statuses = [_ask(client, csrf, "anna@example.org").status_code for _ in range(per_address + 1)]
        assert statuses == [202] * per_address + [429]
        assert _ask(client, csrf, "samir@example.org").status_code == 202


def test_a_browser_signed_in_as_someone_else_keeps_its_session(client, call, csrf, world, config):
    anna, samir = world.owner, world.people["member"]
    call(_confirm, anna.profile_id, "anna@example.org")
    _ask(client, csrf, "anna@example.org")
    token = _token_from(_mails(config)[0])

    refused = _consume(client, csrf, token, session=samir.session_token)
    assert refused.status_code == 409 and "signed in as someone else" in refused.json()["detail"]
    assert client.cookies.get("gb_session") == samir.session_token
    assert client.get("/api/me").json()["display_name"] == samir.name
    page = client.get(f"/recover/{token}")
    assert page.status_code == 409 and "private window" in page.text

    # Not spent: it still works in a private window.
    assert _consume(client, csrf, token).status_code == 200


def test_the_link_page_only_looks_and_its_button_signs_in(client, call, csrf, world, config):
    anna = world.owner
    call(_confirm, anna.profile_id, "anna@example.org")
    _fresh(client)
    sent = client.post("/recover", data={"email": "anna@example.org"}, headers=csrf(client), follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == "/recover/sent"
    assert "on its way" in client.get("/recover/sent").text
    token = _token_from(_mails(config)[0])
    for _ in range(2):  # a mail scanner, then the person
        page = client.get(f"/recover/{token}")
        assert page.status_code == 200 and "Sign in on this device" in page.text
    signed_in = client.post(f"/recover/{token}", headers=csrf(client), follow_redirects=False)
    assert signed_in.status_code == 303 and "gb_session" in signed_in.cookies
    assert client.get("/api/me").status_code == 200
    used = client.get(f"/recover/{token}")
    assert used.status_code == 410 and "Get a new link" in used.text

    bad = _fresh(client).post("/recover", data={"email": "nope"}, headers=csrf(client))
    assert bad.status_code == 422 and 'role="alert"' in bad.text and 'value="nope"' in bad.text


def test_the_sent_page_names_the_outbox_in_development_only(make_config, csrf):
    from litestar.testing import TestClient

    from groupbox.web.app import create_app

    for settings, shown in (({"env": "development"}, True), ({}, False),
                            ({"env": "development", "smtp_host": "127.0.0.1"}, False)):
        config = make_config(**settings)
        with TestClient(app=create_app(config), base_url="http://127.0.0.1:8000") as client:
            assert (str(config.outbox_dir) in client.get("/recover/sent").text) is shown


@pytest.mark.sqlite_only("reads the SQLite database file and its write-ahead log")
def test_no_plaintext_recovery_token_in_the_database(client, call, csrf, world, config):
    call(_confirm, world.owner.profile_id, "anna@example.org")
    _ask(client, csrf, "anna@example.org")
    token = _token_from(_mails(config)[0])
    stored = Path(config.db_path).read_bytes()  # and the write-ahead log, where recent pages are
    wal = Path(str(config.db_path) + "-wal")
    stored += wal.read_bytes() if wal.exists() else b""
    assert token.encode() not in stored
    assert b"recover" in stored  # the row is there, as a hash


def test_the_request_bodies_are_in_the_openapi_document(client):
    document = client.get("/api/schema/openapi.json").json()
    for name, fields in (("request", {"email"}), ("consume", {"token"})):
        body = document["paths"][f"/api/auth/recovery/{name}"]["post"]["requestBody"]
        assert body["required"] is True, name
        ref = body["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
        assert set(document["components"]["schemas"][ref]["properties"]) == fields, name


def test_lost_access_is_linked_wherever_people_land_without_access(client, call, csrf, world):
    from groupbox.domain.groups import invites

    _fresh(client)
    assert 'href="/recover"' in client.get("/").text  # the signed-out start page
    assert 'href="/recover"' in client.get("/signin/not-a-link").text
    assert 'href="/recover"' in client.get("/groups").text  # "Please sign in first."
    _invite, token = call(invites.invite_create, call(world.owner.actor), world.group["id"], InviteOptions())
    assert 'href="/recover"' in client.get(f"/join/{token}").text
    form = client.get("/recover").text
    assert "Lost access?" in form and 'name="email"' in form and 'autocomplete="email"' in form
