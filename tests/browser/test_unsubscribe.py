"""A parent gets one mail too many and stops that kind from the link in the mail (RFC 8058's
List-Unsubscribe, opened as a person would: a page, one button)."""

import time
from email import policy
from email.parser import BytesParser

import pytest
from playwright.sync_api import expect

from groupbox.db.engine import DB
from groupbox.domain.notify import service as notify
from groupbox.util import now
from tests.conftest import screenshot, seed, sign_in_context
from tests.factories import build_world

pytestmark = pytest.mark.browser


async def _mention_with_a_confirmed_address(profile_id: str, member_id: str, group_id: str) -> None:
    await DB.execute("UPDATE profile SET email = ?, email_verified_at = ? WHERE id = ?", "samir@example.org", now(),
                     profile_id)
    await notify.notify([member_id], "mention", group_id=group_id, title="Lisa mentioned you in Carpool",
                        body="Can you drive on Saturday?", url=f"/groups/{group_id}")


def _mail_about(outbox, words: str, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in outbox.glob("*.eml") if outbox.exists() else []:
            message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            if words in message["Subject"]:
                return message
        time.sleep(0.1)
    raise AssertionError(f"no mail about {words!r} in {outbox}")


async def _mention_mode(profile_id: str) -> str | None:
    row = await DB.fetchone("SELECT mode FROM notification_pref WHERE profile_id = ? AND group_id = '' AND"
                            " category = 'mention'", profile_id)
    return row["mode"] if row else None


def test_parent_stops_mention_mails_with_the_link_in_the_mail(live_server, page, new_context):
    world = seed(live_server, build_world)
    samir = world.people["member"]
    seed(live_server, _mention_with_a_confirmed_address, samir.profile_id, world.member_id("member"),
         world.group["id"])
    live_server.cli("digest", "--json")  # sends what is pending now (the server's own loop may be first)
    message = _mail_about(live_server.data_dir / "outbox", "Lisa mentioned you")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"{live_server.url}/email/unsubscribe/")

    # Opened from the mail app: not signed in, one button; looking changes nothing.
    page.goto(link)
    expect(page.get_by_text("Stop notifications about “Someone mentions me”?")).to_be_visible()
    page.reload()
    assert seed(live_server, _mention_mode, samir.profile_id) is None
    screenshot(page, "unsubscribe-confirm-phone")
    page.get_by_role("button", name="Stop these mails").click()
    expect(page.get_by_text("You get nothing about “Someone mentions me” any more.")).to_be_visible()
    assert seed(live_server, _mention_mode, samir.profile_id) == "mute"

    # Samir's own settings say so too.
    context = new_context()
    sign_in_context(context, live_server, samir)
    settings = context.new_page()
    settings.goto(f"{live_server.url}/me/notifications")
    expect(settings.locator("#f-mention")).to_have_value("mute")
