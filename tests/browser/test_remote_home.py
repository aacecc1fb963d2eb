"""Anna's home page on her phone and a laptop, with her tenants' server beside her football group:
remote cards carry their server and group, and the ones she may not answer from here say where
to open them."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.conftest import screenshot, seed, sign_in_context

pytestmark = pytest.mark.browser

READ_ONLY = ("read:events", "read:announcements", "read:files", "read:polls", "act:rsvp")


async def anna_with_servers(data_dir, scopes):
    from groupbox.config import load_config
    from groupbox.domain.objects import events
    from groupbox.domain.objects.schemas import EventInput
    from groupbox.util import now
    from tests.factories import build_world
    from tests.remote_seed import seed_connection

    world = await build_world()
    admin = await world.people["admin"].actor()
    await events.event_create(admin, world.group["id"], EventInput(
        title="Away match", starts_at=now() + timedelta(days=5), rsvp_required=True, location="Sportpark Nord"))
    anna = world.people["member"]
    await seed_connection(load_config(data_dir), anna.profile_id, scopes=scopes)
    return anna


def test_anna_sees_her_other_servers_items_on_her_home_page(live_server, new_context):
    anna = seed(live_server, anna_with_servers, live_server.data_dir, READ_ONLY)
    for name, viewport in (("phone", {"width": 390, "height": 844}), ("laptop", {"width": 1280, "height": 800})):
        context = new_context(viewport=viewport, java_script_enabled=False)
        sign_in_context(context, live_server, anna)
        page = context.new_page()
        page.goto(live_server.url + "/")
        needs = page.locator("#needs")
        card = needs.locator("article", has_text="Building assembly")
        expect(card).to_contain_text("Tenants' server")
        expect(card).to_contain_text("Tenant Association")
        expect(card.get_by_role("button", name="Yes")).to_be_visible()
        ack = needs.locator("article", has_text="Water off on Friday")
        expect(ack.get_by_role("link", name="Open on Tenants' server")).to_have_attribute(
            "href", "http://b.example/announcements/ran1")
        expect(page.locator("#upcoming")).to_contain_text("Garden day")
        expect(page.locator("#remote")).to_contain_text("An event on Tenants' server")
        screenshot(page, f"home-remote-{name}")
    page.goto(live_server.url + "/calendar")
    expect(page.locator("li", has_text="Building assembly")).to_contain_text("Tenants' server")
    screenshot(page, "calendar-remote-laptop")
    page.goto(live_server.url + "/files")
    expect(page.locator("#confirm article", has_text="House rules 2027.pdf")).to_contain_text("Tenants' server")
    screenshot(page, "files-remote-laptop")
