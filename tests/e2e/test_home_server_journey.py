"""Issue 14's acceptance, driven as a person would: two real `groupbox serve` processes on
loopback with their own data folders, Chromium at 390×844. On B (a group server) Samir makes a
connection token under Me; on A (his home server, signed in by `groupbox signin-link`) he connects
B through the "Connect a server" page; A's home and calendar show B's items with B's name, an
RSVP given on A lands on B, B's new, private and deleted items follow after "Sync now", and
revoking the token on B leaves A serving its last good copy. The token never shows up on A: not in
its pages, cookies, log or database files. (`groupbox connect` is the CLI path:
tests/e2e/test_two_servers.py.)"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from groupbox.util import now
from tests.conftest import DESKTOP, screenshot, seed, sign_in_context, start_server, stop_server
from tests.e2e.test_two_servers import _cached, _client
from tests.factories import build_world
from tests.remote_seed import server_folder, stored_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

B_NAME = "Haus B Server"


@pytest.fixture(scope="module")
def servers(template_data, tmp_path_factory, postgres):
    """A (home) and B (group server, named B_NAME), started once for the module."""
    root = tmp_path_factory.mktemp("journey")
    started = []
    with contextlib.ExitStack() as stack:
        try:
            for name, env in (("a", {}), ("b", {"GROUPBOX_NAME": B_NAME})):
                folder = stack.enter_context(server_folder(template_data, root / name / "data", postgres))
                started.append(start_server(folder, env={"GROUPBOX_ENV": "development", **env}))
            yield started
        finally:
            for server in started:
                stop_server(server)


def test_a_person_connects_their_home_server_to_a_group_server_and_lives_with_it(servers, new_context, postgres):
    home, group_server = servers
    world = seed(group_server, build_world)
    samir, gid, group_name = world.people["member"], world.group["id"], world.group["name"]
    coach = _client(group_server, world.people["admin"])
    samir_on_b = _client(group_server, samir)
    start = (now() + timedelta(days=2)).replace(microsecond=0)
    assembly = coach.post(f"/api/groups/{gid}/events", json={
        "title": "Parents' evening", "starts_at": start.isoformat(), "location": "Clubhouse",
        "rsvp_required": True}).json()
    match = coach.post(f"/api/groups/{gid}/events", json={
        "title": "Match vs. SV Tasmania", "starts_at": (start + timedelta(days=3)).isoformat()}).json()

    # What A sends to the browser, page by page: the token must be in none of it.
    a_html: list[str] = []

    def keep_a_pages(response):
        if response.url.startswith(home.url) and "text/html" in response.headers.get("content-type", ""):
            with contextlib.suppress(PlaywrightError):  # a redirect has no body to read
                a_html.append(response.text())

    # 1. On B, Samir makes a token under Me: read + may answer RSVPs; it is shown once.
    on_b = new_context()
    sign_in_context(on_b, group_server, samir)
    b_page = on_b.new_page()
    b_page.goto(f"{group_server.url}/me/tokens")
    b_page.get_by_label("Name (for you)").fill("My home server")
    b_page.get_by_label("May answer RSVPs for me").check()
    b_page.get_by_role("button", name="Make a token").click()
    expect(b_page.get_by_text("it is shown only once")).to_be_visible()
    token_field = b_page.get_by_label("Connection token")
    expect(token_field).to_have_value(re.compile(r"^[A-Za-z0-9_-]{32,}$"))
    token = token_field.input_value()
    expect(b_page.get_by_text("act:rsvp").first).to_be_visible()
    b_page.goto(f"{group_server.url}/")
    expect(b_page.locator("#needs")).to_contain_text("Parents' evening")  # before he answers anywhere

    # 2. On A, the owner signs in with `groupbox signin-link` and connects B on "Connect a server".
    on_a = new_context()
    a_page = on_a.new_page()
    a_page.on("response", keep_a_pages)
    link = json.loads(home.cli("signin-link", "--json").stdout)["signin_url"]
    a_page.goto(link)
    a_page.get_by_role("button", name="Sign in").click()
    expect(a_page).not_to_have_url(re.compile(r"/signin/"))
    a_page.goto(f"{home.url}/me/servers/connect")
    a_page.get_by_label("Server address").fill(group_server.url)
    a_page.get_by_label("Connection token").fill(token[:-4] + "xxxx")  # a token copied wrong: said, not kept
    a_page.get_by_role("button", name="Connect").click()
    expect(a_page.locator(".field-error, [role=alert]").first).to_be_visible()
    screenshot(a_page, "home-server-connect-error-phone")
    expect(a_page.get_by_label("Connection token")).to_have_value("")
    expect(a_page.get_by_label("Server address")).to_have_value(group_server.url)
    a_page.get_by_label("Connection token").fill(token)
    a_page.get_by_role("button", name="Connect").click()
    expect(a_page).to_have_url(f"{home.url}/me/servers")
    card = a_page.locator(".card", has=a_page.get_by_role("heading", name=B_NAME))
    expect(card).to_be_visible()
    expect(card.get_by_text("Not encrypted")).to_be_visible()  # plain http on loopback: allowed, with a warning
    expect(card).to_contain_text("2 events")

    # 3. A's home shows B's event to answer and what is coming up, each with B's name and group.
    a_page.goto(f"{home.url}/")
    needs = a_page.locator("#needs")
    remote_card = needs.locator(".action--remote", has_text="Parents' evening")
    expect(remote_card).to_be_visible()
    expect(remote_card).to_contain_text(B_NAME)
    expect(remote_card).to_contain_text(group_name.removesuffix(" Parents"))  # its short name
    expect(a_page.locator("#upcoming")).to_contain_text("Match vs. SV Tasmania")
    expect(a_page.locator("#upcoming").locator("li, .card", has_text="Match vs. SV Tasmania").first) \
        .to_contain_text(B_NAME)
    screenshot(a_page, "home-server-phone")
    desktop = new_context(viewport=DESKTOP)
    desktop.add_cookies(on_a.cookies())
    desk_page = desktop.new_page()
    desk_page.on("response", keep_a_pages)
    desk_page.goto(f"{home.url}/")
    expect(desk_page.locator("#needs .action--remote", has_text="Parents' evening")).to_be_visible()
    screenshot(desk_page, "home-server-desktop")

    # The calendar: B's event, marked with B's name.
    a_page.goto(f"{home.url}/calendar")
    entry = a_page.locator("li, .card, tr", has_text="Match vs. SV Tasmania").last
    expect(entry).to_be_visible()
    expect(entry).to_contain_text(B_NAME)
    screenshot(a_page, "home-server-calendar-phone")

    # 4. RSVP on A's home: B has the answer, and it needs Samir on neither server any more.
    a_page.goto(f"{home.url}/")
    remote_card.get_by_role("button", name="Yes").click()
    expect(a_page.locator("#needs .action--remote", has_text="Parents' evening")).to_have_count(0)
    assert samir_on_b.get(f"/api/events/{assembly['id']}").json()["my_rsvp"] == "yes"
    b_actions = samir_on_b.get("/api/home/actions").json()["items"]
    assert f"rsvp:{assembly['id']}" not in {item["id"] for item in b_actions}
    b_page.goto(f"{group_server.url}/")
    expect(b_page.locator("#needs")).not_to_contain_text("Parents' evening")

    # 5. New on B → on A after "Sync now"; a "stays here" item is only a stub; deleted on B → gone on A.
    picnic = coach.post(f"/api/groups/{gid}/events", json={
        "title": "End of season picnic", "starts_at": (start + timedelta(days=5)).isoformat()}).json()
    private = coach.post(f"/api/groups/{gid}/announcements", json={
        "title": "Key code for the shed", "body": "The code is 4711", "stays_here": True}).json()
    assert coach.delete(f"/api/events/{match['id']}").status_code == 204

    def sync_now():
        a_page.goto(f"{home.url}/me/servers")
        a_page.get_by_role("button", name=f"Sync {B_NAME} now").click()
        expect(a_page.get_by_text(f"{B_NAME} is up to date.")).to_be_visible()

    sync_now()
    a_page.goto(f"{home.url}/")
    expect(a_page.locator("#upcoming")).to_contain_text("End of season picnic")
    expect(a_page.locator("main")).not_to_contain_text("Match vs. SV Tasmania")
    stub = a_page.locator("#remote").get_by_role("link", name=re.compile(f"An announcement on {B_NAME}"))
    expect(stub).to_be_visible()
    expect(stub).to_have_attribute("href", re.compile(f"^{re.escape(group_server.url)}/announcements/"))
    html = a_page.content()
    assert "Key code" not in html and "4711" not in html
    cached = _cached(home)
    assert cached[("announcement", private["id"])]["stub"]
    assert ("event", match["id"]) not in cached and ("event", picnic["id"]) in cached

    # 6. Samir revokes the token on B; A says so on its servers page and keeps its last good copy.
    b_page.goto(f"{group_server.url}/me/tokens")
    b_page.get_by_role("button", name="Revoke My home server").click()
    expect(b_page.get_by_text("Token revoked: that home server can no longer read your groups.")).to_be_visible()
    a_page.goto(f"{home.url}/me/servers")
    a_page.get_by_role("button", name=f"Sync {B_NAME} now").click()
    expect(card.get_by_text("Token revoked or expired")).to_be_visible()
    response = a_page.goto(f"{home.url}/")
    assert response is not None and response.status == 200
    expect(a_page.locator("#upcoming")).to_contain_text("End of season picnic")
    expect(a_page.locator("#upcoming")).to_contain_text("Parents' evening")
    expect(a_page.locator("#remote")).to_contain_text("Not up to date")
    screenshot(a_page, "home-server-revoked-phone")
    a_page.goto(f"{home.url}/me/servers")
    expect(card.get_by_text("Token revoked or expired")).to_be_visible()
    screenshot(a_page, "home-server-servers-revoked-phone")

    # 7. The token is nowhere on A in plaintext: pages, cookies, log, database files.
    assert a_html and all(token not in text for text in a_html)
    assert all(token not in c["value"] for c in on_a.cookies() + desktop.cookies())
    assert token not in home.log.read_text()
    assert all(token.encode() not in stored for stored in stored_bytes(home.data_dir, postgres))
    assert httpx.get(f"{home.url}/api/health").status_code == 200
