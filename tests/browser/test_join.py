"""A parent taps the invite link in the old group chat, on a phone."""

import json

import pytest
from playwright.sync_api import expect

from groupbox.domain.groups.schemas import InviteOptions
from groupbox.domain.objects.schemas import EventInput
from tests.conftest import PHONE, screenshot, seed

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


def test_a_spent_link_tells_the_parent_to_ask_the_admin_and_shows_no_shell_command(live_server, page):
    group = json.loads(live_server.cli("group", "create", "Tenants", "--json").stdout)
    url = json.loads(live_server.cli("invite", group["id"], "--uses", "1", "--json").stdout)["url"]
    page.goto(url)
    page.get_by_label("Your name").fill("First")
    page.get_by_role("button", name="Join Tenants").click()
    page.wait_for_url(f"**/groups/{group['id']}")
    page.context.clear_cookies()
    response = page.goto(url)
    assert response.status == 410
    text = page.locator("main").inner_text()
    assert "ask the admin" in text.lower()
    assert "groupbox " not in text and page.locator("main code").count() == 0, "a command is for the admin's page"


# -- join and answer (issue 15, item 0) ---------------------------------------------------------
async def group_with_a_match(approval: bool = False):
    """A group whose next event asks for RSVPs, and an invite to it: (invite url path, group id, event id)."""
    from datetime import timedelta

    from groupbox.domain.groups import invites
    from groupbox.domain.objects import events
    from groupbox.util import now
    from tests.factories import create_group, owner_person

    owner = await owner_person()
    group = await create_group(owner, "FC Kreuzberg U12 Parents", "Training, matches and carpools")
    actor = await owner.actor()
    event = await events.event_create(actor, group["id"], EventInput(
        title="Match vs. SV Tasmania", starts_at=now() + timedelta(days=3), location="Sportplatz Lobeckstraße",
        rsvp_required=True, rsvp_deadline=now() + timedelta(days=2)))
    _invite, token = await invites.invite_create(actor, group["id"], InviteOptions(needs_approval=approval))
    return f"/join/{token}", group["id"], event["id"]


def _my_answer(page, server, event_id):
    return page.request.get(f"{server.url}/api/events/{event_id}").json()["my_rsvp"]


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_parent_joins_and_answers_yes_with_one_field_and_one_tap(live_server, new_context, javascript):
    path, group_id, event_id = seed(live_server, group_with_a_match)
    page = new_context(java_script_enabled=javascript).new_page()
    page.goto(live_server.url + path)
    if javascript:
        screenshot(page, "join-and-answer-phone")

    fields = page.locator("form input:not([type=hidden])")
    assert fields.count() == 1, "one field: the name"
    yes = page.get_by_role("group", name="Join and answer").get_by_role("button", name="Yes")
    expect(yes).to_be_visible()
    expect(page.get_by_role("group", name="Join and answer")).to_contain_text("Match vs. SV Tasmania")
    box = yes.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], "the Yes button is on the first screen: no scrolling"

    page.get_by_label("Your name").fill("Kai Neumann")
    yes.click()  # the one tap
    page.wait_for_url(f"{live_server.url}/groups/{group_id}")
    expect(page.locator(".flash")).to_contain_text("going")
    assert _my_answer(page, live_server, event_id) == "yes"


def test_enter_in_the_name_field_just_joins_and_answers_nothing(live_server, page):
    path, group_id, event_id = seed(live_server, group_with_a_match)
    page.goto(live_server.url + path)
    page.get_by_label("Your name").fill("Kai Neumann")
    page.get_by_label("Your name").press("Enter")
    page.wait_for_url(f"{live_server.url}/groups/{group_id}")
    assert _my_answer(page, live_server, event_id) is None


def test_just_join_stays_and_a_group_with_approval_offers_no_answer(live_server, page):
    path, group_id, event_id = seed(live_server, group_with_a_match)
    page.goto(live_server.url + path)
    page.get_by_label("Your name").fill("Kai Neumann")
    page.get_by_role("button", name="Just join FC Kreuzberg U12 Parents").click()
    page.wait_for_url(f"{live_server.url}/groups/{group_id}")
    assert _my_answer(page, live_server, event_id) is None

    approval_path, _group_id, _event_id = seed(live_server, group_with_a_match, approval=True)
    page.context.clear_cookies()
    page.goto(live_server.url + approval_path)
    expect(page.get_by_role("button", name="Join FC Kreuzberg U12 Parents")).to_be_visible()
    assert page.get_by_role("group", name="Join and answer").count() == 0

