"""The owner's first minute: a printed sign-in link, one button, a dashboard on a phone."""

import json

import pytest
from playwright.sync_api import expect

from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def test_owner_opens_printed_link_presses_sign_in_and_stays_signed_in(live_server, page):
    link = json.loads(live_server.cli("signin-link", "--json").stdout)["signin_url"]

    page.goto(link)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    # The GET alone spent nothing: a second look still offers the button.
    page.reload()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Hi ")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_visible()
    box = nav.bounding_box()
    assert box["y"] + box["height"] >= 844 - 2, "the navigation sits at the bottom on a phone"
    for label in ("Home", "Calendar", "Groups", "Files", "Me"):
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    screenshot(page, "signin-home-phone")

    page.reload()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Hi ")

    # The link is spent now.
    page.goto(link)
    assert "already used" in page.content()
