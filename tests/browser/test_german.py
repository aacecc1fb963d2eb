"""The demo on a German parent's phone (issue 15, item 9): a browser that asks for German, and a
person who chose Deutsch on /me in an English browser, read home, group, event, calendar, join
and Me in German, with German dates and nothing spilling out of the screen. Screenshots at
390×844 and 1280×800 land in tests/artifacts/german-*.png."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import expect

from tests.browser.test_demo import (
    _axe_serious,
    demo,  # noqa: F401 - the module's demo server
)
from tests.conftest import DESKTOP, PHONE, screenshot
from tools import messages as tooling

pytestmark = pytest.mark.browser

ENGLISH_WEEKDAY = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b")
GERMAN_DAY = re.compile(r"\b(Mo|Di|Mi|Do|Fr|Sa|So)\.?,? \d{1,2}\. ")
# Words of the demo's own content (what its people wrote) that are also msgids somewhere.
PROPER_NOUNS = {"groupbox", "WhatsApp", "Training"}
# The demo's people write English, dates included: their words are theirs, not the app's.
DEMO_CONTENT = re.compile(r"Parent evening moved to .*|.*League match \d+")

# Every text a person reads or hears: text nodes, and the labels of controls and pictures.
VISIBLE_TEXTS = """() => {
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest("script, style, template, textarea, [hidden]")) continue;
    const text = node.textContent.replace(/\\s+/g, " ").trim();
    if (text) texts.push(text);
  }
  for (const el of document.querySelectorAll("[aria-label], [title], [placeholder], img[alt]")) {
    for (const name of ["aria-label", "title", "placeholder", "alt"]) {
      const value = el.getAttribute(name);
      if (value && value.trim()) texts.push(value.trim());
    }
  }
  return texts;
}"""

# Elements that stick out past the right edge of the screen (a long German word that does not
# wrap, a button too wide for its row).
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll("main *, header *, nav *")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || getComputedStyle(el).visibility === "hidden") continue;
    if (el.closest("[aria-hidden=true], .visually-hidden, .tabs, details:not([open]) > :not(summary)")) continue;
    if (box.right > width + 1) out.push(`${el.tagName.toLowerCase()}.${el.className}: ${(el.textContent || "").trim().slice(0, 40)}`);
  }
  return out.slice(0, 10);
}"""


@pytest.fixture(scope="module")
def english_ui():
    """English UI strings that German translates differently: exact texts and patterns for the
    ones with placeholders. The styleguide's sample content is left out (it is demo copy)."""
    with tooling.po_path("de").open("rb") as handle:
        catalog = read_po(handle, locale="de")
    exact, patterns = set(), []
    # A German word that happens to be an English msgid too ("Start", "Code") is German here.
    german_words = {form for m in catalog if m.id for form in (m.string if isinstance(m.string, tuple) else (m.string,))}
    for message in catalog:
        if not message.id or not message.string:
            continue
        if {path for path, _line in message.locations} <= {"templates/styleguide.html"}:
            continue
        for english, german in zip(*(
                (message.id, message.string) if isinstance(message.id, tuple) else ((message.id,), (message.string,))),
                strict=False):
            if english == german or english in PROPER_NOUNS or english in german_words:
                continue
            if "{" in english:
                literal = re.sub(r"\\\{[^}]*\\\}", ".+", re.escape(english))
                if len(re.sub(r"\.\+", "", literal)) >= 4:  # not just "{n} · {m}"
                    patterns.append(re.compile(literal))
            else:
                exact.add(english)
    return exact, patterns


def english_left(texts: list[str], english_ui) -> list[str]:
    exact, patterns = english_ui
    return sorted({t for t in texts if t in exact or any(p.fullmatch(t) for p in patterns)})


def _urls(page, server) -> dict[str, str]:
    """The demo's group and the match's event page, found the way a person finds them."""
    page.goto(server.url + "/groups")
    page.get_by_role("link", name="FC Kreuzberg U12 Parents").first.click()
    page.wait_for_url("**/groups/*")
    group = page.url.replace(server.url, "")
    page.goto(server.url + "/calendar")
    page.get_by_role("link", name="Match vs. SV Tasmania").first.click()
    page.wait_for_url("**/events/*")
    return {"home": "/", "group": group, "event": page.url.replace(server.url, ""), "calendar": "/calendar",
            "me": "/me"}


def _check_german(page, name: str, english_ui) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "de")
    texts = page.evaluate(VISIBLE_TEXTS)
    assert english_left(texts, english_ui) == [], (name, english_left(texts, english_ui))
    body = " ".join(t for t in texts if not DEMO_CONTENT.fullmatch(t))
    assert not ENGLISH_WEEKDAY.search(body), (name, ENGLISH_WEEKDAY.search(body))
    assert not re.search(r"\d (AM|PM)\b", body), name


def test_a_german_browser_reads_the_demo_in_german(demo, new_context, english_ui):  # noqa: F811
    server, links = demo
    page = new_context(locale="de-DE").new_page()  # a browser set to German asks for it
    page.goto(links["signin_url"])
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hallo Anna")
    urls = _urls(page, server)
    joiner = new_context(locale="de-DE").new_page()  # the join page, signed out
    for viewport, suffix in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page.set_viewport_size(viewport)
        joiner.set_viewport_size(viewport)
        for name, path in urls.items():
            page.goto(server.url + path)
            _check_german(page, name, english_ui)
            assert page.evaluate(OVERFLOWING) == [], (name, suffix, page.evaluate(OVERFLOWING))
            if suffix == "phone":  # German words are longer: the pages must stay accessible too
                assert _axe_serious(page) == [], (name, _axe_serious(page))
            screenshot(page, f"german-{name}-{suffix}")
        joiner.goto(links["invite_url"])
        _check_german(joiner, "join", english_ui)
        expect(joiner.get_by_label("Dein Name")).to_be_visible()
        assert joiner.evaluate(OVERFLOWING) == []
        if suffix == "phone":
            assert _axe_serious(joiner) == [], _axe_serious(joiner)
        screenshot(joiner, f"german-join-{suffix}")
    page.set_viewport_size(PHONE)
    page.goto(server.url + urls["group"])
    rows = page.evaluate("""() => new Set([...document.querySelectorAll('.tabs > ul > li')]
        .filter(li => li.offsetParent !== null).map(li => Math.round(li.getBoundingClientRect().top))).size""")
    assert rows == 1, "the group's tabs and 'Mehr' share one row on a phone"
    page.goto(server.url + urls["event"])
    assert GERMAN_DAY.search(page.locator("main").inner_text()), page.locator("main").inner_text()[:400]
    page.goto(server.url + "/calendar")
    assert GERMAN_DAY.search(page.locator("main").inner_text()) or re.search(
        r"(Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag), \d{1,2}\. ", page.locator("main").inner_text())


def test_anna_chooses_deutsch_on_me_in_an_english_browser(demo, new_context, english_ui):  # noqa: F811
    server, _links = demo
    page = new_context().new_page()  # en-GB
    page.goto(server.url + "/")
    page.get_by_role("button", name="Try as Anna").click()  # the demo's door (development mode)
    page.wait_for_url(server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(server.url + "/me")
    card = page.locator("#language")
    card.get_by_label("Deutsch").check()
    card.get_by_role("button", name="Save language").click()
    expect(page.locator(".flash")).to_contain_text("Sprache gespeichert")
    _check_german(page, "me", english_ui)
    expect(page.locator("#language").get_by_label("Deutsch")).to_be_checked()
    screenshot(page, "german-me-chosen-phone")
    page.goto(server.url + "/")
    _check_german(page, "home", english_ui)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hallo Anna")
    # And back: as the browser says (English here).
    page.goto(server.url + "/me")
    page.locator("#language").get_by_label("Wie mein Browser").check()
    page.locator("#language").get_by_role("button", name="Sprache speichern").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".flash")).to_contain_text("Language saved")
