"""The first five minutes after `make run`: the demo must look like a living product (issue 7)."""

import json

import pytest
from playwright.sync_api import expect

from tests.conftest import DESKTOP, PHONE, run_cli, screenshot, start_server, stop_server

pytestmark = pytest.mark.browser

PAGES = ["home", "group", "event", "calendar", "calendar-month"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    data = tmp_path_factory.mktemp("demo") / "data"
    links = json.loads(run_cli("init", "--demo", "--json", "--data", str(data)).stdout)["demo"]
    server = start_server(data, env={"GROUPBOX_ENV": "development"})
    # The links were printed for the configured URL; the server runs on its own port.
    for key in ("signin_url", "invite_url"):
        links[key] = server.url + "/" + links[key].split("/", 3)[3]
    yield server, links
    stop_server(server)


def _axe_serious(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]


def test_anna_signs_in_and_sees_what_needs_her_in_all_four_groups(demo, new_context):
    server, links = demo
    page = new_context().new_page()
    page.goto(links["signin_url"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server.url + "/")

    needs = page.locator("#needs")
    kinds = {k.strip().lower() for k in needs.locator(".kind").all_inner_texts()}
    assert {"rsvp", "vote", "task", "acknowledge", "mention"} <= kinds, kinds
    titles = " | ".join(needs.locator(".card__title").all_inner_texts())
    for expected in ("Match vs. SV Tasmania", "Which heating contractor?", "Pick up crates from the market",
                     "Permission slip - museum trip.pdf", "Carpool planning"):
        assert expected in titles, titles
    assert page.locator("#upcoming .list-row").count() > 0
    changed = page.locator("#changed").inner_text()
    assert "Training" in changed and "Sporthalle Wrangelstraße" in changed
    assert page.locator("#official article").count() > 0
    assert page.locator("#catch-up article").count() > 0

    urls = {"home": "/"}
    page.goto(server.url + "/groups")
    page.get_by_role("link", name="FC Kreuzberg U12 Parents").click()
    page.wait_for_url("**/groups/*")
    urls["group"] = page.url.replace(server.url, "")
    page.goto(server.url + "/calendar")
    groups_in_calendar = {t.strip() for t in page.locator(".list-row__sub").all_inner_texts()}
    joined = " ".join(groups_in_calendar)
    for group in ("FC Kreuzberg U12 Parents", "Class 4B Parents", "Tenant Association", "Food Bank Volunteers"):
        assert group in joined, group
    urls["calendar"] = "/calendar"
    urls["calendar-month"] = "/calendar/month"
    page.get_by_role("link", name="Match vs. SV Tasmania").first.click()
    page.wait_for_url("**/events/*")
    urls["event"] = page.url.replace(server.url, "")

    for viewport, suffix in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page.set_viewport_size(viewport)
        for name in PAGES:
            page.goto(server.url + urls[name])
            screenshot(page, f"demo-{name}-{suffix}")
            assert _axe_serious(page) == [], (name, suffix, _axe_serious(page))


def test_a_new_parent_joins_with_the_printed_invite_and_rsvps_to_the_match(demo, new_context):
    server, links = demo
    page = new_context().new_page()
    page.goto(links["invite_url"])
    page.get_by_label("Your name").fill("Kai Neumann")
    page.get_by_role("button", name="Join FC Kreuzberg U12 Parents").click()
    page.wait_for_url("**/groups/*")
    page.get_by_role("link", name="Match vs. SV Tasmania").first.click()
    page.wait_for_url("**/events/*")
    page.get_by_role("button", name="Yes").first.click()
    expect(page.locator(".flash")).to_contain_text("going", ignore_case=True)


def test_landing_page_offers_the_demo_doors_in_development(demo, new_context):
    server, _links = demo
    page = new_context().new_page()
    page.goto(server.url + "/")
    expect(page.get_by_role("link", name="Join as a new parent")).to_be_visible()
    page.get_by_role("button", name="Try as Anna").click()
    page.wait_for_url(server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Hi Anna Müller"
