"""A member's evening in the group (issue 5), with and without JavaScript: RSVP with a guest,
vote, take a sign-up slot, acknowledge a file, post in a thread; an admin creates an event and
moves it; the member sees what changed."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.conftest import screenshot, seed, sign_in_context

pytestmark = pytest.mark.browser


async def group_with_things_to_do():
    from groupbox.config import load_config
    from groupbox.db.engine import DB
    from groupbox.domain.files import service as files
    from groupbox.domain.objects import events, polls, signups, threads
    from groupbox.domain.objects.schemas import EventInput, PollCreate, SignupCreate, SlotInput
    from groupbox.util import now
    from tests.factories import build_world

    world = await build_world()
    mark = await world.people["admin"].actor()
    gid = world.group["id"]
    await events.event_create(mark, gid, EventInput(
        title="Match vs. SV Tasmania", starts_at=now() + timedelta(days=4), location="Lobeckstraße",
        rsvp_required=True))
    await polls.poll_create(mark, gid, PollCreate(question="Which snack this week?", options=["Oranges", "Bananas"]))
    await signups.signup_create(mark, gid, SignupCreate(title="Saturday helpers",
                                                        slots=[SlotInput(label="Half-time snacks", capacity=2)]))
    config = load_config(DB.path.rsplit("/", 1)[0])
    await files.file_upload(mark, gid, files.Upload.from_bytes("Season schedule.pdf", b"%PDF-1.4\n%%EOF\n",
                                                               ack_required="1"), config=config)
    await threads.thread_create(mark, gid, "Carpool planning", "Who drives on Saturday?")
    return world


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_member_does_their_part_and_sees_the_moved_event(live_server, new_context, javascript):
    world = seed(live_server, group_with_things_to_do)
    gid = world.group["id"]
    member_context = new_context(java_script_enabled=javascript)
    sign_in_context(member_context, live_server, world.people["member"])
    member = member_context.new_page()

    member.goto(f"{live_server.url}/groups/{gid}")
    screenshot(member, f"journey-dashboard-{'js' if javascript else 'nojs'}")
    member.get_by_role("link", name="Match vs. SV Tasmania").first.click()
    member.get_by_text("Add a note or bring guests").click()
    member.get_by_label("Guests you bring").fill("1")
    member.get_by_role("button", name="Save answer").click()
    expect(member.locator("#rsvp")).to_contain_text("+1 guest")

    member.goto(f"{live_server.url}/groups/{gid}/polls")
    member.get_by_role("link", name="Which snack this week?").first.click()
    member.get_by_label("Bananas").check()
    member.get_by_role("button", name="Vote").click()
    expect(member.get_by_role("button", name="Change vote")).to_be_visible()
    expect(member.get_by_role("radio", name="Bananas")).to_be_checked()

    member.goto(f"{live_server.url}/groups/{gid}/signups")
    member.get_by_role("link", name="Saturday helpers").first.click()
    member.get_by_role("button", name="Take a place: Half-time snacks").click()
    expect(member.get_by_role("button", name="Give back my place: Half-time snacks")).to_be_visible()

    member.goto(f"{live_server.url}/groups/{gid}/files")
    member.get_by_role("link", name="Season schedule.pdf").first.click()
    member.get_by_role("button", name="I've read it").click()
    expect(member.get_by_role("button", name="I've read it")).to_have_count(0)

    member.goto(f"{live_server.url}/groups/{gid}/discussions")
    member.get_by_role("link", name="Carpool planning").first.click()
    member.locator("#reply textarea, form[action$='/messages'] textarea").first.fill("I can take **two** kids.")
    member.get_by_role("button", name="Send").click()
    expect(member.locator("strong", has_text="two").first).to_be_visible()

    admin_context = new_context(java_script_enabled=javascript)
    sign_in_context(admin_context, live_server, world.people["admin"])
    admin = admin_context.new_page()
    admin.goto(f"{live_server.url}/groups/{gid}/events/new")
    admin.get_by_label("Title").fill("Training")
    admin.get_by_label("Starts").fill("2031-06-05T17:00")
    admin.get_by_label("Location").fill("Park")
    admin.get_by_role("button", name="Create event").click()
    admin.wait_for_url(lambda url: not url.endswith("/events/new"))
    event_url = admin.url

    member.goto(event_url)  # the member has seen 17:00 at Park
    admin.goto(event_url + "/edit")
    admin.get_by_label("Starts").fill("2031-06-05T18:00")
    admin.get_by_label("Location").fill("Hall")
    admin.get_by_role("button", name="Save changes").click()
    admin.wait_for_url(event_url)

    member.goto(f"{live_server.url}/groups/{gid}/events")
    changed = member.locator(".changed").first
    text = changed.inner_text()
    assert "17:00" in text and "Park" in text and "18:00" in text and "Hall" in text
    assert changed.locator("del").inner_text().count("Park") == 1
    screenshot(member, f"journey-changed-{'js' if javascript else 'nojs'}")
