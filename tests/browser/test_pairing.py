"""A parent who joined two groups on their phone links the family laptop (SPEC §6.4): the laptop
opens /link, the phone approves its code, the laptop continues into both groups. Then the phone
removes the laptop again. Once with JavaScript, once without it on both devices."""

import io
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import DESKTOP, PHONE, screenshot, seed, sign_in_context
from tests.factories import PARENT_GROUPS, parent_in_two_groups

pytestmark = pytest.mark.browser

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
          " Version/17.5 Mobile/15E148 Safari/604.1")
GROUPS = PARENT_GROUPS


def _devices(live_server, new_context, js: bool):
    anna = seed(live_server, parent_in_two_groups)
    phone = new_context(PHONE, user_agent=IPHONE, java_script_enabled=js)
    sign_in_context(phone, live_server, anna)
    laptop = new_context(DESKTOP, user_agent=FIREFOX, java_script_enabled=js)
    return phone.new_page(), laptop.new_page()


def _qr_url(page) -> str:
    """Decode the QR code the laptop shows, as a phone camera would."""
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    image = Image.open(io.BytesIO(page.locator(".pairing__qr svg").screenshot()))
    found = zxingcpp.read_barcodes(image)
    assert found, "the QR code does not decode"
    return found[0].text


def _phone_removes_the_laptop(live_server, phone, laptop) -> None:
    phone.goto(live_server.url + "/me/devices")
    cards = phone.locator(".card")
    expect(cards).to_have_count(2)
    expect(phone.get_by_role("button", name="Sign this device out")).to_have_count(1)  # the phone itself
    cards.filter(has_text="Firefox on Linux").get_by_role("button", name="Remove this device").click()
    expect(phone.get_by_role("status")).to_contain_text("can no longer open your groups")
    expect(phone.locator(".card")).to_have_count(1)

    laptop.reload()
    expect(laptop.get_by_role("navigation", name="Main")).to_have_count(0)
    expect(laptop.get_by_role("heading", level=1)).not_to_have_text(re.compile("^Hi "))
    laptop.goto(live_server.url + "/groups")
    expect(laptop.get_by_text("Please sign in first.")).to_be_visible()


def _laptop_sees_both_groups(live_server, laptop) -> None:
    expect(laptop.get_by_role("status")).to_contain_text("This device is linked. Welcome, Anna Weber.")
    expect(laptop.get_by_role("heading", level=1)).to_have_text(re.compile("^Hi "))
    laptop.goto(live_server.url + "/groups")
    for name in GROUPS:
        expect(laptop.get_by_role("link", name=name)).to_be_visible()


def test_parent_links_the_laptop_by_typing_its_code_on_the_phone(live_server, new_context):
    phone, laptop = _devices(live_server, new_context, js=True)

    laptop.goto(live_server.url + "/link")
    code_box = laptop.locator("#pairing-code")
    expect(code_box).to_have_text(re.compile(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$"))
    expect(laptop.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    screenshot(laptop, "pairing-link-desktop")
    code = code_box.inner_text()

    phone.goto(live_server.url + "/me")
    phone.get_by_role("link", name="Enter a code").click()
    screenshot(phone, "pairing-approve-phone")
    phone.get_by_label("Code").fill(code.lower().replace("-", ""))
    phone.get_by_role("button", name="Continue").click()
    expect(phone.get_by_text("Link “Firefox on Linux” to your groups?")).to_be_visible()
    for name in GROUPS:
        expect(phone.locator(".group-chip", has_text=name)).to_be_visible()
    screenshot(phone, "pairing-confirm-phone")
    phone.get_by_role("button", name="Link this device").click()
    expect(phone.get_by_role("status")).to_contain_text("Approved.")

    # The laptop's page noticed the approval by itself and continued.
    expect(laptop).to_have_url(live_server.url + "/", timeout=15_000)
    _laptop_sees_both_groups(live_server, laptop)
    _phone_removes_the_laptop(live_server, phone, laptop)


def test_parent_links_the_laptop_by_scanning_its_qr_without_javascript(live_server, new_context):
    phone, laptop = _devices(live_server, new_context, js=False)

    laptop.goto(live_server.url + "/link")
    expect(laptop.locator("#pairing-code")).to_be_visible()
    url = _qr_url(laptop)
    code = laptop.locator("#pairing-code").inner_text()
    assert url == f"{live_server.url}/link/approve?c={code.replace('-', '')}"
    laptop.get_by_role("button", name="Continue").click()
    expect(laptop.get_by_role("alert")).to_contain_text("Not approved yet")
    expect(laptop.locator("#pairing-code")).to_have_text(code)  # the same code, still waiting

    phone.goto(url)
    expect(phone.get_by_text("Link “Firefox on Linux” to your groups?")).to_be_visible()
    phone.reload()  # looking twice changes nothing
    phone.get_by_role("button", name="Link this device").click()
    expect(phone.get_by_role("status")).to_contain_text("Approved.")

    laptop.get_by_role("button", name="Continue").click()
    _laptop_sees_both_groups(live_server, laptop)
    _phone_removes_the_laptop(live_server, phone, laptop)


def test_the_link_pages_on_a_phone_and_a_desktop(live_server, new_context):
    """Pictures for a person to look at (tests/artifacts/): a new phone shows its code, a signed-in
    desktop approves it after one mistyped code."""
    anna = seed(live_server, parent_in_two_groups)
    new_phone = new_context(PHONE, user_agent=IPHONE).new_page()
    new_phone.goto(live_server.url + "/link")
    expect(new_phone.locator("#pairing-code")).to_be_visible()
    screenshot(new_phone, "pairing-link-phone")
    code = new_phone.locator("#pairing-code").inner_text()

    desktop_context = new_context(DESKTOP, user_agent=FIREFOX)
    sign_in_context(desktop_context, live_server, anna)
    desktop = desktop_context.new_page()
    desktop.goto(live_server.url + "/link")  # already signed in: it approves instead
    desktop.get_by_role("link", name="Enter a code").click()
    screenshot(desktop, "pairing-approve-desktop")
    desktop.get_by_label("Code").fill(code[:-1] + ("2" if code[-1] != "2" else "3"))
    desktop.get_by_role("button", name="Continue").click()
    expect(desktop.get_by_role("alert")).to_contain_text("not right")
    screenshot(desktop, "pairing-approve-wrong-desktop")
    desktop.get_by_label("Code").fill(code)
    desktop.get_by_role("button", name="Continue").click()
    expect(desktop.get_by_text("Link “Safari on iPhone” to your groups?")).to_be_visible()
    screenshot(desktop, "pairing-confirm-desktop")
    desktop.get_by_role("button", name="Link this device").click()
    expect(new_phone).to_have_url(live_server.url + "/", timeout=15_000)
    screenshot(new_phone, "pairing-linked-phone")
    new_phone.goto(live_server.url + "/me")
    expect(new_phone.get_by_role("link", name="Enter a code")).to_be_visible()
    screenshot(new_phone, "pairing-me-phone")
