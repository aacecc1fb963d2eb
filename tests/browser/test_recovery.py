"""A parent whose phone broke gets back in by email (SPEC §6.5): on the old phone she added and
confirmed her address; on a new device she taps "Lost access?", follows the mailed link and is
signed in to both her groups. Once over a real SMTP server (aiosmtpd), once without SMTP, where
the mail is an .eml file in DATA/outbox."""

import email
import email.policy
import re
import time

import pytest
from playwright.sync_api import expect

from tests.conftest import (
    DESKTOP,
    PHONE,
    screenshot,
    seed,
    sign_in_context,
    start_server,
    stop_server,
)
from tests.factories import PARENT_GROUPS, join, owner_person, parent_in_two_groups

pytestmark = pytest.mark.browser

ADDRESS = "anna.weber@example.org"


@pytest.fixture
def mailing_server(data_dir, smtp_server):
    """groupbox serve (production mode) sending its mail to a real SMTP server."""
    controller, _handler = smtp_server
    server = start_server(data_dir, env={"GROUPBOX_SMTP_HOST": "127.0.0.1",
                                         "GROUPBOX_SMTP_PORT": str(controller.port),
                                         "GROUPBOX_SMTP_STARTTLS": "0"})
    try:
        yield server
    finally:
        stop_server(server)


def _next_mail(read_all, seen: int, timeout: float = 20.0) -> str:
    """The text of the first mail after the `seen` ones, waiting for it to arrive."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mails = read_all()
        if len(mails) > seen:
            return _text(mails[seen])
        time.sleep(0.05)
    raise AssertionError(f"no mail arrived within {timeout} s")


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _link_in(text: str, path: str) -> str:
    return re.search(rf"https?://\S+{path}[A-Za-z0-9_-]+", text).group(0)


def _confirm_address_on_the_old_phone(server, new_context, read_all):
    anna = seed(server, parent_in_two_groups)
    context = new_context(PHONE)
    sign_in_context(context, server, anna)
    phone = context.new_page()
    phone.goto(server.url + "/me")
    phone.get_by_label("Email address").fill(ADDRESS)
    phone.get_by_role("button", name="Send confirmation link").click()
    expect(phone.locator(".flash")).to_contain_text(f"We sent a confirmation link to {ADDRESS}")
    phone.goto(_link_in(_next_mail(read_all, 0), "/email/verify/"))
    phone.get_by_role("button", name="Confirm address").click()
    expect(phone.locator(".flash")).to_contain_text("is confirmed")


def _recover_on_a_new_device(server, device, read_all, seen: int, name: str) -> None:
    device.goto(server.url + "/")
    screenshot(device, f"recovery-landing-{name}")
    device.get_by_role("link", name="Lost access? Email me a link").click()
    expect(device.get_by_role("heading", level=1)).to_have_text("Lost access?")
    screenshot(device, f"recovery-request-{name}")
    device.get_by_label("Your email address").fill("not an address")
    device.get_by_role("button", name="Send me a sign-in link").click()
    expect(device.get_by_role("alert")).to_contain_text("look like an email address")
    device.get_by_label("Your email address").fill(ADDRESS.upper())
    device.get_by_role("button", name="Send me a sign-in link").click()
    expect(device.get_by_role("heading", level=1)).to_have_text("Check your mail")
    expect(device.get_by_role("status")).to_contain_text("a sign-in link is on its way")
    screenshot(device, f"recovery-sent-{name}")

    link = _link_in(_next_mail(read_all, seen), "/recover/")
    device.goto(link)
    expect(device.get_by_role("heading", level=1)).to_have_text("Welcome back")
    expect(device.get_by_text("as Anna Weber")).to_be_visible()
    screenshot(device, f"recovery-link-{name}")
    device.get_by_role("button", name="Sign in on this device").click()
    expect(device.locator(".flash")).to_contain_text("Welcome back. This device is signed in to all your groups.")
    device.goto(server.url + "/groups")
    for group in PARENT_GROUPS:
        expect(device.get_by_role("link", name=group)).to_be_visible()

    device.goto(link)  # the link again: it was used
    expect(device.get_by_role("alert")).to_contain_text("already used")


def test_parent_recovers_access_by_a_mail_over_real_smtp(mailing_server, smtp_server, new_context):
    _controller, handler = smtp_server
    _confirm_address_on_the_old_phone(mailing_server, new_context, lambda: handler.messages)
    new_phone = new_context(PHONE).new_page()
    _recover_on_a_new_device(mailing_server, new_phone, lambda: handler.messages, 1, "phone")
    assert handler.messages[1]["To"] == ADDRESS
    outbox = mailing_server.data_dir / "outbox"
    assert not outbox.exists() or not any(outbox.iterdir())


def test_parent_recovers_access_without_smtp_from_the_outbox(live_server, new_context):
    outbox = live_server.data_dir / "outbox"

    def read_all():
        files = sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) if outbox.exists() else []
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files]

    _confirm_address_on_the_old_phone(live_server, new_context, read_all)
    laptop = new_context(DESKTOP).new_page()
    laptop.goto(live_server.url + "/recover")
    laptop.get_by_label("Your email address").fill("nobody@example.org")  # unknown: the same answer, no mail
    laptop.get_by_role("button", name="Send me a sign-in link").click()
    expect(laptop.get_by_role("status")).to_contain_text("a sign-in link is on its way")
    expect(laptop.get_by_text("Development: no mail server is set up")).to_be_visible()
    expect(laptop.locator("code")).to_have_text(str(outbox))
    _recover_on_a_new_device(live_server, laptop, read_all, 1, "desktop")
    assert len(read_all()) == 2  # the confirmation and the one recovery mail


async def _anna_and_samir_with_a_confirmed_address():
    from groupbox.db.engine import DB
    from groupbox.util import now

    anna = await parent_in_two_groups()
    owner = await owner_person()
    samir = await join(None, next(iter(anna.member_ids)), "Samir Khan", admin=owner)
    await DB.execute("UPDATE profile SET email = ?, email_verified_at = ? WHERE id = ?", "samir@example.org", now(),
                     samir.profile_id)
    return anna


def test_a_link_opened_where_someone_else_is_signed_in_changes_nothing(live_server, new_context):
    anna = seed(live_server, _anna_and_samir_with_a_confirmed_address)
    stranger = new_context(PHONE).new_page()
    stranger.goto(live_server.url + "/recover")
    stranger.get_by_label("Your email address").fill("samir@example.org")
    stranger.get_by_role("button", name="Send me a sign-in link").click()
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Check your mail")
    expect(stranger.locator("code")).to_be_visible()
    screenshot(stranger, "recovery-sent-development-phone")
    [mailed] = (live_server.data_dir / "outbox").glob("*.eml")
    link = _link_in(_text(email.message_from_bytes(mailed.read_bytes(), policy=email.policy.default)), "/recover/")

    context = new_context(PHONE)
    sign_in_context(context, live_server, anna)
    annas = context.new_page()
    annas.goto(link)
    expect(annas.get_by_role("alert")).to_contain_text("This link is for Samir Khan, but this browser is signed in")
    expect(annas.get_by_role("button", name="Sign in on this device")).to_have_count(0)
    annas.get_by_role("link", name="Go to the start page").click()
    expect(annas.get_by_role("heading", level=1)).to_have_text(re.compile("^Hi Anna"))

    stranger.goto(link)  # not spent: it still works where nobody is signed in
    stranger.get_by_role("button", name="Sign in on this device").click()
    expect(stranger.locator(".flash")).to_contain_text("Welcome back")
