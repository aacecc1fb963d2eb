"""A parent taps the invite link in the old group chat, on a phone."""

import json

import pytest

from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def _invite(server, group_name):
    group = json.loads(server.cli("group", "create", group_name, "--purpose", "Parents of the team", "--json").stdout)
    return json.loads(server.cli("invite", group["id"], "--json").stdout)["url"], group["id"]


def test_parent_joins_with_one_name_and_one_button_then_a_second_group_on_the_same_device(live_server, page):
    first_url, first_id = _invite(live_server, "FC Kreuzberg U12 Parents")
    second_url, second_id = _invite(live_server, "Class 4B Parents")

    page.goto(first_url)
    screenshot(page, "join-phone")
    assert page.locator("form").count() == 1
    inputs = page.locator("form input:not([type=hidden])")
    assert inputs.count() == 1, "one field: the name"
    assert page.locator("input[type=password], input[type=email]").count() == 0
    page.get_by_label("Your name").fill("Anna Müller")
    page.get_by_role("button", name="Join FC Kreuzberg U12 Parents").click()
    page.wait_for_url(f"{live_server.url}/groups/{first_id}")
    assert "FC Kreuzberg U12 Parents" in page.get_by_role("heading", level=1).inner_text()
    screenshot(page, "group-after-join-phone")

    page.goto(second_url)
    assert page.get_by_label("Your name").input_value() == "Anna Müller"
    page.get_by_role("button", name="Join Class 4B Parents").click()
    page.wait_for_url(f"{live_server.url}/groups/{second_id}")

    me = page.request.get(f"{live_server.url}/api/me").json()
    assert {m["group_id"] for m in me["memberships"]} == {first_id, second_id}
    devices = page.request.get(f"{live_server.url}/api/me/devices").json()["items"]
    assert len(devices) == 1, "both groups on the same device"


def test_a_spent_link_tells_the_parent_to_ask_the_admin(live_server, page):
    group = json.loads(live_server.cli("group", "create", "Tenants", "--json").stdout)
    url = json.loads(live_server.cli("invite", group["id"], "--uses", "1", "--json").stdout)["url"]
    page.goto(url)
    page.get_by_label("Your name").fill("First")
    page.get_by_role("button", name="Join Tenants").click()
    page.wait_for_url(f"**/groups/{group['id']}")
    page.context.clear_cookies()
    response = page.goto(url)
    assert response.status == 410
    assert "ask the admin" in page.content().lower()
