"""Anna has two minutes: the home page answers what needs her, across her groups."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.conftest import screenshot, seed, sign_in_context

pytestmark = pytest.mark.browser


async def three_groups_with_work():
    from groupbox.domain.objects import events, polls, tasks
    from groupbox.domain.objects.schemas import EventInput, PollCreate, TaskCreate
    from groupbox.util import now
    from tests.factories import build_world, create_group, join

    world = await build_world()
    owner = await world.owner.actor()
    samir = world.people["member"]
    third = await create_group(world.owner, "Food Bank Volunteers")
    await join(samir, world.other_group["id"], "Samir", admin=world.owner)
    await join(samir, third["id"], "Samir", admin=world.owner)
    await events.event_create(owner, world.group["id"], EventInput(
        title="Match vs. SV Tasmania", starts_at=now() + timedelta(days=2), location="Lobeckstraße",
        rsvp_required=True))
    await polls.poll_create(owner, world.other_group["id"], PollCreate(
        question="Which heating contractor?", options=["Müller", "Schmidt"],
        closes_at=(now() + timedelta(days=6)).isoformat()))
    owner = await world.owner.actor()  # now a member of the third group too
    await tasks.task_create(owner, third["id"], TaskCreate(title="Pick up crates from the market",
                            assignee_ids=[samir.member_ids[third["id"]]], due_at=(now() + timedelta(days=3)).isoformat()))
    return samir


def test_person_in_three_groups_rsvps_from_the_home_card_without_javascript(live_server, new_context):
    samir = seed(live_server, three_groups_with_work)
    context = new_context(java_script_enabled=False)
    sign_in_context(context, live_server, samir)
    page = context.new_page()
    page.goto(live_server.url + "/")
    needs = page.locator("#needs article")
    titles = needs.locator(".card__title").all_inner_texts()
    assert titles == ["Match vs. SV Tasmania", "Pick up crates from the market", "Which heating contractor?"]
    groups = needs.locator(".group-chip").all_inner_texts()
    assert {g.strip() for g in groups} == {"FC Kreuzberg U12", "Tenant Association", "Food Bank"}, "short names"
    screenshot(page, "home-three-groups-phone")

    needs.first.get_by_role("button", name="Yes").click()
    page.wait_for_url(live_server.url + "/#needs")  # back to the list it was answered from
    expect(page.locator(".flash")).to_contain_text("going", ignore_case=True)
    titles = page.locator("#needs article .card__title").all_inner_texts()
    assert "Match vs. SV Tasmania" not in titles
    expect(page.locator("#upcoming").get_by_text("Going")).to_be_visible()


def test_owner_creates_a_group_and_is_led_to_its_invite_link(live_server, new_context):
    """A new group leads with one primary action, "Create an invite link"; its tabs fit a phone."""
    from tests.factories import owner_person

    owner = seed(live_server, owner_person)
    context = new_context()
    sign_in_context(context, live_server, owner)
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Create a group").click()
    page.get_by_label("Name").fill("Class 4B Parents")
    page.get_by_role("button", name="Create group").click()
    page.wait_for_url("**/groups/*")
    expect(page.locator(".flash")).to_contain_text("invite link")
    primary = page.locator("main .btn--primary")
    expect(primary).to_have_count(1)
    expect(primary).to_have_text("Create an invite link")
    screenshot(page, "group-new-phone")

    # At most five tabs and "More" on a phone, none past the edge, nothing to scroll sideways.
    tabs = page.get_by_role("navigation", name="Sections")
    shown = [t for t in tabs.get_by_role("link").all() if t.is_visible()]
    assert len(shown) <= 5
    expect(tabs.get_by_text("More")).to_be_visible()
    for tab in shown:
        box = tab.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, tab.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    tabs.get_by_text("More").click()
    tabs.get_by_role("link", name="Admin").click()
    page.wait_for_url("**/admin")
    expect(tabs.locator("summary")).to_contain_text("Admin")

    page.go_back()
    primary.click()
    expect(page.get_by_label("Invite link")).to_have_value(re.compile(r"/join/"))
