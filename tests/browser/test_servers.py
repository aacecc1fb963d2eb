"""Anna connects her tenants' server from her phone, without JavaScript, and sees how it is doing."""

import pytest
from playwright.sync_api import expect

from tests.conftest import screenshot, seed, sign_in_context
from tests.protocol_server import TOKEN, GroupServer

pytestmark = pytest.mark.browser


async def anna():
    from tests.factories import build_world

    return (await build_world()).people["member"]


@pytest.fixture
def group_server():
    server = GroupServer()
    try:
        yield server
    finally:
        server.stop()


def test_anna_connects_a_server_sees_its_state_and_disconnects_it(live_server, new_context, group_server):
    person = seed(live_server, anna)
    context = new_context(java_script_enabled=False)
    sign_in_context(context, live_server, person)
    page = context.new_page()
    page.goto(live_server.url + "/me")
    page.get_by_role("link", name="Connected servers").click()
    expect(page.get_by_text("No server connected yet")).to_be_visible()
    page.get_by_role("link", name="Connect a server").click()

    page.get_by_label("Server address").fill(group_server.url)
    page.get_by_label("Connection token").fill("gbt_" + "x" * 30)
    page.get_by_role("button", name="Connect").click()
    expect(page.locator("#f-token-error")).to_contain_text("does not accept this token")
    expect(page.get_by_label("Server address")).to_have_value(group_server.url)
    expect(page.get_by_label("Connection token")).to_have_value("")  # a token never comes back
    screenshot(page, "servers-connect-error-phone")

    page.get_by_label("Connection token").fill(TOKEN)
    page.get_by_role("button", name="Connect").click()
    expect(page.locator(".flash")).to_contain_text("Connected to Tenants' server")
    card = page.locator("article", has_text="Tenants' server")
    expect(card.get_by_text("Up to date")).to_be_visible()
    expect(card.get_by_text("Not encrypted")).to_be_visible()
    expect(card.get_by_text("3 events")).to_be_visible()
    assert TOKEN not in page.content()
    screenshot(page, "servers-phone")
    desktop = new_context(viewport={"width": 1280, "height": 800}, java_script_enabled=False)
    sign_in_context(desktop, live_server, person)
    wide = desktop.new_page()
    wide.goto(live_server.url + "/me/servers")
    screenshot(wide, "servers-desktop")
    wide.goto(live_server.url + "/me/servers/connect")
    screenshot(wide, "servers-connect-desktop")

    group_server.mode = "revoked"
    card.get_by_role("button", name="Sync Tenants' server now").click()
    expect(page.locator(".flash")).to_contain_text("refused the token")
    expect(card.get_by_text("Token revoked or expired")).to_be_visible()
    expect(card.get_by_text("3 events")).to_be_visible()  # the last good copy stays
    screenshot(page, "servers-revoked-phone")
    page.goto(live_server.url + "/")
    expect(page.locator("main")).to_be_visible()

    page.goto(live_server.url + "/me/servers")
    page.get_by_text("Disconnect…").click()
    page.get_by_role("button", name="Disconnect Tenants' server").click()
    expect(page.locator(".flash")).to_contain_text("Disconnected Tenants' server")
    expect(page.get_by_text("No server connected yet")).to_be_visible()
