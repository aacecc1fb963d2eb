"""A parent protects access with a passkey on their phone, then signs in with it on the family
laptop (Chromium's virtual authenticator through CDP; the passkey moves to the laptop as a synced
passkey would)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import DESKTOP, free_port, screenshot, seed, start_server, stop_server
from tests.factories import create_group, join, owner_person

pytestmark = pytest.mark.browser


@pytest.fixture
def server(data_dir):
    """Passkeys need a name, not an IP address: this server is opened at localhost."""
    port = free_port()
    live = start_server(data_dir, env={"GROUPBOX_ENV": "development", "GROUPBOX_URL": f"http://localhost:{port}"},
                        port=port)
    live.url = f"http://localhost:{port}"
    try:
        yield live
    finally:
        stop_server(live)


async def _parent_in_two_groups():
    owner = await owner_person()
    team = await create_group(owner, "FC Kreuzberg U12 Parents")
    tenants = await create_group(owner, "Tenant Association")
    anna = await join(None, team["id"], "Anna Müller", admin=owner)
    await join(anna, tenants["id"], "Anna Müller", admin=owner)
    return anna


def _authenticator(context, page):
    """A platform authenticator with resident keys and user verification (a phone's)."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    found = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True,
    }})
    return cdp, found["authenticatorId"]


def test_parent_adds_a_passkey_on_the_phone_and_signs_in_with_it_on_a_laptop(server, new_context):
    anna = seed(server, _parent_in_two_groups)
    phone = new_context()
    phone.add_cookies([{"name": "gb_session", "value": anna.session_token, "url": server.url}])
    page = phone.new_page()
    cdp, phone_key = _authenticator(phone, page)

    page.goto(server.url + "/me")
    card = page.locator("#passkeys")
    expect(card.get_by_text("Sign in on a new phone or computer")).to_be_visible()
    screenshot(page, "passkeys-me-phone")
    card.get_by_role("button", name="Add a passkey").click()
    page.wait_for_url(re.compile(r"/me/passkeys\?added="))
    expect(page.get_by_text("Passkey added")).to_be_visible()
    expect(page.get_by_role("button", name="Remove this passkey")).to_have_count(1)
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": phone_key})["credentials"]
    assert len(credentials) == 1 and credentials[0]["isResidentCredential"] and credentials[0]["rpId"] == "localhost"

    page.goto(server.url + "/me")
    expect(page.locator("#passkeys .list-row")).to_have_count(1)
    screenshot(page, "passkeys-me-phone-listed")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_visible()
    screenshot(page, "passkeys-signin-phone")

    # The family laptop: a fresh browser whose authenticator holds the synced passkey.
    laptop = new_context(viewport=DESKTOP)
    desk = laptop.new_page()
    desk_cdp, desk_key = _authenticator(laptop, desk)
    desk_cdp.send("WebAuthn.addCredential", {"authenticatorId": desk_key, "credential": credentials[0]})
    desk.goto(server.url + "/")
    expect(desk.get_by_role("navigation", name="Main")).to_have_count(0)
    screenshot(desk, "passkeys-signin-desktop")
    desk.get_by_role("button", name="Sign in with a passkey").click()
    expect(desk.get_by_role("navigation", name="Main")).to_be_visible()
    desk.goto(server.url + "/groups")
    expect(desk.get_by_role("link", name="FC Kreuzberg U12 Parents").first).to_be_visible()
    expect(desk.get_by_role("link", name="Tenant Association").first).to_be_visible()
    desk.goto(server.url + "/me")
    expect(desk.locator("#passkeys .list-row").get_by_text("last used")).to_be_visible()
    screenshot(desk, "passkeys-me-desktop")

    # The phone's copy has not counted the laptop's sign-in: to the server it is a copy whose
    # counter went back (a cloned key), so it is refused. (Synced passkeys count nothing: no check.)
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.locator("#passkey-signin [role=status]")).to_contain_text("may have been copied")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)


def test_without_webauthn_or_javascript_the_passkey_buttons_stay_hidden_with_a_note(server, new_context):
    plain = new_context()
    plain.add_init_script("delete window.PublicKeyCredential;")
    page = plain.new_page()
    page.goto(server.url + "/")
    expect(page.get_by_text("Passkeys need a browser that supports them")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_hidden()
    screenshot(page, "passkeys-signin-unsupported-phone")

    no_js = new_context(java_script_enabled=False).new_page()
    no_js.goto(server.url + "/")
    expect(no_js.get_by_text("Passkeys need a browser that supports them")).to_be_visible()
    expect(no_js.get_by_role("button", name="Sign in with a passkey")).to_be_hidden()


def test_a_cancelled_passkey_prompt_changes_nothing_and_says_so(server, new_context):
    context = new_context()
    page = context.new_page()
    cdp, key = _authenticator(context, page)
    page.goto(server.url + "/")
    # No passkey on this authenticator: the browser's prompt ends without one.
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.locator("#passkey-signin [role=status]")).to_contain_text("Cancelled")
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_enabled()
    assert page.context.cookies(server.url) and not any(c["name"] == "gb_session" for c in context.cookies())
