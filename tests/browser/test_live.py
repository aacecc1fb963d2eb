"""Live updates (issue 17 item 5) end to end in a real browser against a real server: Samir has a
thread (or his home page) open; Coach Mark writes or plans something; Samir's page shows it
without a reload."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.conftest import seed, sign_in_context

pytestmark = pytest.mark.browser


async def world_with_thread():
    from groupbox.domain.objects import threads
    from tests.factories import build_world

    world = await build_world()
    admin = await world.people["admin"].actor()
    thread = await threads.thread_create(admin, world.group["id"], "Carpool Saturday", "Who drives?")
    return world, thread["id"]


async def plan_event(person, group_id):
    from groupbox.domain.objects import events
    from groupbox.domain.objects.schemas import EventInput
    from groupbox.util import now

    actor = await person.actor()
    await events.event_create(actor, group_id, EventInput(
        title="Away match in Spandau", starts_at=now() + timedelta(days=4), rsvp_required=True))


def signed_in_page(new_context, server, person):
    context = new_context()
    sign_in_context(context, server, person)
    return context.new_page()


def test_an_open_thread_shows_a_new_message_without_reload(live_server, new_context):
    world, thread_id = seed(live_server, world_with_thread)
    samir = signed_in_page(new_context, live_server, world.people["member"])
    samir.goto(f"{live_server.url}/threads/{thread_id}")
    expect(samir.locator("#messages")).to_contain_text("Who drives?")
    samir.evaluate("window.liveMarker = 1")  # gone if the page reloads

    mark = signed_in_page(new_context, live_server, world.people["admin"])
    mark.goto(f"{live_server.url}/threads/{thread_id}")
    mark.get_by_label("Your message").fill("I can take four kids")
    mark.get_by_role("button", name="Send").click()
    expect(mark.locator("#messages")).to_contain_text("I can take four kids")

    expect(samir.locator("#messages")).to_contain_text("I can take four kids", timeout=10_000)
    assert samir.evaluate("window.liveMarker") == 1


def test_home_shows_a_new_event_in_needs_you_without_reload(live_server, new_context):
    world, _ = seed(live_server, world_with_thread)
    samir = signed_in_page(new_context, live_server, world.people["member"])
    samir.goto(live_server.url + "/")
    expect(samir.locator("#needs")).to_be_visible()
    expect(samir.locator("#needs")).not_to_contain_text("Away match in Spandau")
    samir.evaluate("window.liveMarker = 1")

    # written by another process (this test's seed), so the server's fingerprint poll must notice it
    seed(live_server, plan_event, world.people["admin"], world.group["id"])

    expect(samir.locator("#needs")).to_contain_text("Away match in Spandau", timeout=10_000)
    assert samir.evaluate("window.liveMarker") == 1
