"""An admin keeps an item on this server (issue 14, item 3): the checkbox in the form, the marker
on its page, and a home server's sync that gets only a stub."""

from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import screenshot, seed, sign_in_context
from tests.factories import build_world

pytestmark = pytest.mark.browser


async def _token(world):
    from groupbox.domain.remote import tokens

    return (await tokens.token_create(await world.people["member"].actor(), ["read:events", "read:files"]))[1]


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 800}],
                         ids=["phone", "desktop"])
def test_an_admin_keeps_an_event_and_a_file_on_this_server(live_server, new_context, viewport):
    from groupbox.util import now

    world = seed(live_server, build_world)
    token = seed(live_server, _token, world)
    gid = world.group["id"]
    context = new_context(viewport=viewport)
    sign_in_context(context, live_server, world.people["admin"])
    page = context.new_page()
    size = "phone" if viewport["width"] < 500 else "desktop"

    page.goto(f"{live_server.url}/groups/{gid}/events/new")
    page.get_by_label("Title").fill("Board dinner")
    page.get_by_label("Starts").fill((now() + timedelta(days=3)).strftime("%Y-%m-%dT19:00"))
    keep = page.get_by_label("Keep on this server")
    expect(keep).not_to_be_checked()
    keep.check()
    screenshot(page, f"stays-here-form-{size}")
    page.get_by_role("button", name="Create event").click()
    expect(page.get_by_role("heading", name="Board dinner")).to_be_visible()
    expect(page.get_by_text("Stays on this server")).to_be_visible()
    screenshot(page, f"stays-here-event-{size}")

    page.goto(f"{live_server.url}/groups/{gid}/files")
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "minutes.txt", "mimeType": "text/plain", "buffer": b"board minutes"})
    page.get_by_label("Keep on this server").check()
    page.get_by_role("button", name="Share file").click()
    page.get_by_role("link", name="minutes.txt").first.click()
    expect(page.get_by_text("Stays on this server")).to_be_visible()
    screenshot(page, f"stays-here-file-{size}")

    synced = httpx.get(f"{live_server.url}/api/sync", headers={"authorization": f"Bearer {token}"}).json()
    assert [e.get("stub") for e in synced["events"]] == [True] and [f.get("stub") for f in synced["files"]] == [True]
    assert "Board dinner" not in str(synced) and "minutes" not in str(synced)
