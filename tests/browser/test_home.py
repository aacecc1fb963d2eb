"""Anna has two minutes: the home page answers what needs her, across her groups."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.conftest import screenshot, seed, sign_in_context

pytestmark = pytest.mark.browser


async def three_groups_with_work():
    from groupbox.domain.objects import events, polls, tasks
    from groupbox.util import now
    from tests.factories import build_world, create_group, join

    world = await build_world()
    owner = await world.owner.actor()
    samir = world.people["member"]
    third = await create_group(world.owner, "Food Bank Volunteers")
    await join(samir, world.other_group["id"], "Samir", admin=world.owner)
    await join(samir, third["id"], "Samir", admin=world.owner)
    await events.event_create(owner, world.group["id"], title="Match vs. SV Tasmania",
                              starts_at=now() + timedelta(days=2), location="Lobeckstraße", rsvp_required=True)
    await polls.poll_create(owner, world.other_group["id"], "Which heating contractor?", ["Müller", "Schmidt"],
                            closes_at=now() + timedelta(days=6))
    owner = await world.owner.actor()  # now a member of the third group too
    await tasks.task_create(owner, third["id"], "Pick up crates from the market",
                            assignee_ids=[samir.member_ids[third["id"]]], due_at=now() + timedelta(days=3))
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
    assert {g.strip() for g in groups} == {"FC Kreuzberg U12 Parents", "Tenant Association", "Food Bank Volunteers"}
    screenshot(page, "home-three-groups-phone")

    needs.first.get_by_role("button", name="Yes").click()
    expect(page.locator(".flash")).to_contain_text("going", ignore_case=True)
    titles = page.locator("#needs article .card__title").all_inner_texts()
    assert "Match vs. SV Tasmania" not in titles
    expect(page.locator("#upcoming").get_by_text("Going")).to_be_visible()
