"""Coach Mark moves the old chat over, on a phone: imports the WhatsApp export, searches the
archive, writes the reminder, prints the invite sheet."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, DESKTOP, screenshot

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "whatsapp"


def _photo() -> bytes:
    image = Image.new("RGB", (480, 320), (10, 95, 180))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 60, 440, 260), fill=(250, 200, 40))
    draw.ellipse((190, 110, 290, 210), fill=(23, 112, 47))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _export(tmp_path: Path) -> Path:
    text = (FIXTURES / "android_en_24h.txt").read_text(encoding="utf-8") + "".join(
        f"{15 + n // 20}/01/24, {9 + n % 10:02d}:{n % 60:02d} - {'Anna Schmidt' if n % 3 else 'Ben Okafor'}:"
        f" {'Who brings the new jerseys on Saturday?' if n % 7 == 0 else f'Carpool note {n}'}\n"
        for n in range(60)
    )
    path = tmp_path / "WhatsApp Chat with FC Kreuzberg U12.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("WhatsApp Chat with FC Kreuzberg U12.txt", text)
        zf.writestr("IMG-20240113-WA0001.jpg", _photo())
    return path


def _sign_in_owner(server, page) -> str:
    link = json.loads(server.cli("signin-link", "--json").stdout)["signin_url"]
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server.url + "/")
    group = json.loads(server.cli("group", "create", "FC Kreuzberg U12 Parents", "--purpose",
                                  "Training, matches and carpools", "--json").stdout)
    return group["id"]


def test_admin_imports_a_zip_and_searches_the_archive_by_word_and_sender(live_server, page, new_context, tmp_path):
    group_id = _sign_in_owner(live_server, page)
    page.goto(f"{live_server.url}/groups/{group_id}/archive")
    assert "No archive yet" in page.content()
    page.get_by_label("Chat export (.zip or .txt)").set_input_files(str(_export(tmp_path)))
    page.get_by_role("button", name="Import into the archive").click()
    page.wait_for_url(f"{live_server.url}/groups/{group_id}/archive#main")
    assert "Imported 66 messages from 3 people" in page.get_by_role("status").inner_text()

    # A word …
    page.get_by_label("Words").fill("jerseys")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**q=jerseys**")
    marks = page.locator("#messages mark")
    assert marks.count() == 9 and marks.first.inner_text() == "jerseys"
    screenshot(page, "archive-search-phone")
    # … and a sender.
    page.get_by_label("Words").fill("")
    page.get_by_label("From", exact=True).select_option("Ben Okafor")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**sender=Ben+Okafor**")
    senders = page.locator("#messages .list-row__sub strong").all_inner_texts()
    assert senders and set(senders) == {"Ben Okafor"}

    # The team photo shows inline, loaded from the archive.
    page.get_by_label("Words").fill("team photo")
    page.get_by_role("button", name="Search").click()
    photo = page.get_by_role("img", name="Photo from Ben Okafor, Sat 13 Jan")
    photo.scroll_into_view_if_needed()
    expect(photo).to_be_visible()
    assert photo.evaluate(
        "img => img.complete ? img.naturalWidth : new Promise(done => img.addEventListener('load', () => done(img.naturalWidth)))"
    ) == 480
    screenshot(page, "archive-photo-phone")

    # A refused file: a clear message beside the field, nothing imported.
    page.goto(f"{live_server.url}/groups/{group_id}/archive#import")
    page.get_by_label("Chat export (.zip or .txt)").set_input_files(str(FIXTURES / "not_an_export.txt"))
    page.get_by_role("button", name="Import into the archive").click()
    expect(page.get_by_role("alert").filter(has_text="not a WhatsApp chat export")).to_be_visible()
    screenshot(page, "archive-refused-phone")

    desktop = new_context(viewport=DESKTOP)
    desktop.add_cookies(page.context.cookies())
    wide = desktop.new_page()
    wide.goto(f"{live_server.url}/groups/{group_id}/archive")
    screenshot(wide, "archive-desktop")

    # The group page points to the archive.
    page.goto(f"{live_server.url}/groups/{group_id}")
    section = page.locator("#moving-over")
    assert "66 messages are in the archive" in section.inner_text()
    section.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "group-moving-over-phone.png"))


def test_admin_writes_the_reminder_copies_it_and_prints_the_sheet(live_server, page, new_context, tmp_path):
    group_id = _sign_in_owner(live_server, page)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}/groups/{group_id}/admin")
    page.goto(f"{live_server.url}/groups/{group_id}/migration")
    screenshot(page, "migration-empty-phone")
    page.get_by_role("button", name="Create the link for the old chat").click()
    page.wait_for_url("**/migration?t=*")
    link = page.get_by_label("Invite link").input_value()
    assert "/join/" in link
    page.get_by_label("Expected size (people or families)").fill("24")
    page.get_by_role("button", name="Save expected size").click()
    expect(page.locator("main")).to_contain_text("0 of 24 joined")

    page.get_by_role("radio", name="Deutsch").check()
    page.get_by_role("radio", name="Firm").check()
    page.get_by_role("button", name="Write the reminder").click()
    page.wait_for_url("**tone=firm*")
    text = page.get_by_label("Ready to paste").input_value()
    assert "FC Kreuzberg U12 Parents ist jetzt auf groupbox." in text and link in text
    page.get_by_role("button", name="Copy text").click()
    expect(page.get_by_role("status").filter(has_text="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == text
    screenshot(page, "migration-reminder-phone")

    desktop = new_context(viewport=DESKTOP)
    desktop.add_cookies(page.context.cookies())
    wide = desktop.new_page()
    wide.goto(page.url)
    screenshot(wide, "migration-desktop")

    page.get_by_role("link", name="Printable sheet").click()
    page.wait_for_url("**/migration/sheet?*")
    assert page.get_by_role("heading", level=1).inner_text() == "Join FC Kreuzberg U12 Parents on groupbox"
    expect(page.get_by_role("button", name="Print")).to_be_visible()  # enhanced by copy.js
    screenshot(page, "sheet-phone")
    sheet = desktop.new_page()
    sheet.goto(page.url)
    sheet.emulate_media(media="print")
    screenshot(sheet, "sheet-print")
    for paper in ("A4", "Letter"):
        pdf = sheet.pdf(format=paper)
        assert len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf)) == 1, f"the sheet fits one {paper} page"
        (ARTIFACTS / f"sheet-{paper.lower()}.pdf").write_bytes(pdf)
    # Nothing is cut off: the last line of the sheet sits inside the printed page.
    bottom = sheet.locator(".sheet__valid").bounding_box()
    assert bottom["y"] + bottom["height"] < 247 / 25.4 * 96
