"""A German parent's phone (issue 15, item 9): pages in German for a browser that asks for it or a
person who chose Deutsch on /me, English for everyone else; the choice is stored only from /me;
mail, notifications and the calendar feed speak each reader's language."""

from __future__ import annotations

import re
from datetime import timedelta
from email import policy
from email.parser import BytesParser

import pytest

from groupbox.db.engine import DB
from groupbox.domain.groups import invites
from groupbox.domain.groups.schemas import InviteOptions
from groupbox.domain.identity import language as languages
from groupbox.domain.notify import mail
from groupbox.domain.objects import events
from groupbox.domain.objects.schemas import EventInput
from groupbox.util import now

GERMAN = {"accept-language": "de-DE,de;q=0.9,en;q=0.8"}
ENGLISH = {"accept-language": "en-GB,en;q=0.9"}
WEEKDAY_DE = r"\b(Mo|Di|Mi|Do|Fr|Sa|So)\.,? "
WEEKDAY_EN = r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) "


def text_of(html: str) -> str:
    """What a person reads: the page without tags, scripts and styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


@pytest.fixture
def match(call, world):
    """An event that asks for answers, on Saturday in a week or two."""
    owner = call(world.owner.actor)
    start = now() + timedelta(days=9)
    start += timedelta(days=(5 - start.weekday()) % 7)  # a Saturday
    start = start.replace(hour=9, minute=30, second=0, microsecond=0)  # 10:30 in Berlin (winter)
    return call(events.event_create, owner, world.group["id"], EventInput(
        title="Spiel gegen SV Tasmania", starts_at=start, location="Lobeckstraße", rsvp_required=True))


def _pages(world, event):
    return {"home": "/", "group": f"/groups/{world.group['id']}", "event": f"/events/{event['id']}",
            "calendar": "/calendar", "me": "/me"}


def test_a_german_browser_reads_every_page_in_german(client, world, match, as_person):
    as_person(world.people["member"])
    for name, path in _pages(world, match).items():
        page = client.get(path, headers=GERMAN)
        assert page.status_code == 200, (name, page.status_code)
        assert html_lang(page.text) == "de", name
        assert page.headers["content-language"] == "de"
        assert "Accept-Language" in page.headers.get_list("vary")
        words = text_of(page.text)
        assert "Kalender" in words and "Gruppen" in words and "Ich" in words, name  # the navigation
        assert "Needs you" not in words and "Calendar" not in words and "Sign out" not in words, name
        assert not re.search(WEEKDAY_EN, words), (name, re.search(WEEKDAY_EN, words))
    event_page = text_of(client.get(f"/events/{match['id']}", headers=GERMAN).text)
    assert re.search(WEEKDAY_DE + r"\d{1,2}\. (Jan|Feb|März|Apr|Mai|Juni|Juli|Aug|Sept|Okt|Nov|Dez)\.?( ·)? 10:30",
                     event_page), event_page[:800]
    assert "Bist du dabei?" in event_page
    assert "AM" not in event_page.split() and "PM" not in event_page.split()


def test_an_english_browser_stays_english(client, world, match, as_person):
    as_person(world.people["member"])
    for name, path in _pages(world, match).items():
        for headers in (ENGLISH, {}):
            page = client.get(path, headers=headers)
            assert html_lang(page.text) == "en", name
            words = text_of(page.text)
            assert "Calendar" in words and "Kalender" not in words, name
    assert re.search(WEEKDAY_EN + r"\d{1,2} \w{3}( ·)? 10:30", text_of(client.get(f"/events/{match['id']}").text))


def test_the_join_page_speaks_the_browsers_language(client, call, world, match):
    actor = call(world.owner.actor)
    _row, token = call(invites.invite_create, actor, world.group["id"], InviteOptions())
    german = client.get(f"/join/{token}", headers=GERMAN)
    assert html_lang(german.text) == "de"
    words = text_of(german.text)
    assert "Dein Name" in words and "Your name" not in words
    assert re.search(WEEKDAY_DE, words), words  # the upcoming event's day
    english = client.get(f"/join/{token}", headers=ENGLISH)
    assert "Your name" in text_of(english.text)


def test_choosing_deutsch_on_me_beats_an_english_browser(client, world, as_person, csrf):
    as_person(world.people["member"])
    me = client.get("/me", headers=ENGLISH).text
    assert 'action="/me/language"' in me and "As my browser says" in me
    saved = client.post("/me/language", data={"language": "de"}, headers={**csrf(client), **ENGLISH},
                        follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/me#language"
    page = client.get("/me", headers=ENGLISH)
    assert html_lang(page.text) == "de"
    assert "Sprache gespeichert." in text_of(page.text)  # the confirmation already in the new language
    assert re.search(r'value="de" checked', page.text)
    assert html_lang(client.get("/", headers=ENGLISH).text) == "de"
    # Back to "as my browser": the header decides again.
    client.post("/me/language", data={"language": ""}, headers={**csrf(client), **ENGLISH})
    assert html_lang(client.get("/", headers=ENGLISH).text) == "en"
    assert html_lang(client.get("/", headers=GERMAN).text) == "de"


def test_a_browser_header_is_never_stored(client, call, world, as_person):
    person = world.people["member"]
    as_person(person)
    for path in ("/", "/me", f"/groups/{world.group['id']}", "/api/me"):
        client.get(path, headers=GERMAN)
    assert call(languages.language_of, person.profile_id) == ""


def test_a_language_that_is_not_offered_is_refused_beside_the_field(client, call, world, as_person, csrf):
    person = world.people["member"]
    as_person(person)
    response = client.post("/me/language", data={"language": "fr"}, headers=csrf(client), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/me#language"
    assert "English, Deutsch" in text_of(client.get("/me").text)
    assert call(languages.language_of, person.profile_id) == ""
    api = client.put("/api/me/language", json={"language": "klingon"}, headers=csrf(client))
    assert api.status_code == 422 and "language" in api.json()["errors"]


def test_the_api_twin_reads_and_sets_the_choice(client, world, as_person, csrf):
    as_person(world.people["member"])
    assert client.get("/api/me/language", headers=GERMAN).json() == {
        "language": "", "effective": "de", "available": ["en", "de"]}
    put = client.put("/api/me/language", json={"language": "de"}, headers={**csrf(client), **ENGLISH})
    assert put.status_code == 200 and put.json()["effective"] == "de"
    assert client.get("/api/me/language", headers=ENGLISH).json()["language"] == "de"
    put = client.put("/api/me/language", json={"language": ""}, headers={**csrf(client), **ENGLISH})
    assert put.json() == {"language": "", "effective": "en", "available": ["en", "de"]}


def test_a_one_group_device_cannot_change_the_profiles_language(client, call, world, as_person):
    from groupbox.access import Actor
    from groupbox.errors import Forbidden

    person = world.people["member"]
    bound = Actor(person.profile_id, person.name, bound_member_id=person.member_ids[world.group["id"]])
    with pytest.raises(Forbidden):
        call(languages.language_set, bound, "de")


def test_the_instance_language_is_for_people_who_chose_none(make_config, world_in):
    client, world = world_in(make_config(language="de"))
    client.cookies.set("gb_session", world.people["member"].session_token)
    assert html_lang(client.get("/").text) == "de"  # no header at all
    assert html_lang(client.get("/", headers=ENGLISH).text) == "en"  # the browser asks for English


@pytest.fixture
def world_in():
    """A client and a world on an app built from a given config."""
    from litestar.testing import TestClient

    from groupbox.web.app import create_app
    from tests.factories import build_world

    clients = []

    def make(config):
        test_client = TestClient(app=create_app(config), base_url="http://127.0.0.1:8000")
        test_client.__enter__()
        clients.append(test_client)

        async def go():
            return await build_world()

        return test_client, test_client.blocking_portal.call(go)

    yield make
    for test_client in clients:
        test_client.__exit__(None, None, None)


def test_one_person_gets_a_cached_page_per_language(client, app, world, match, as_person):
    as_person(world.people["member"])
    english = client.get("/", headers=ENGLISH).text
    german = client.get("/", headers=GERMAN).text
    again = client.get("/", headers=ENGLISH).text
    assert html_lang(english) == html_lang(again) == "en" and html_lang(german) == "de"
    assert "Wartet auf dich" in german and "Wartet auf dich" not in again
    assert app.state.page_cache.hits >= 1


def test_error_pages_speak_the_browsers_language(client, world, as_person):
    missing = client.get("/no/such/page", headers=GERMAN)  # the router's own 404
    assert missing.status_code == 404 and html_lang(missing.text) == "de"
    assert "Nicht gefunden" in text_of(missing.text)
    as_person(world.people["member"])
    gone = client.get("/events/not-an-event", headers=GERMAN)  # a handler's 404
    assert gone.status_code == 404 and "Nicht gefunden" in text_of(gone.text)
    api = client.get("/api/events/not-an-event", headers=GERMAN)
    assert api.status_code == 404
    assert html_lang(client.get("/no/such/page", headers=ENGLISH).text) == "en"


def test_notifications_are_written_in_each_readers_language(client, call, world, as_person, csrf):
    german, english = world.people["member"], world.people["moderator"]
    call(languages.language_set, call(german.actor), "de")
    as_person(world.people["admin"])
    created = client.post(f"/api/groups/{world.group['id']}/events", headers={**csrf(client), **GERMAN},
                          json={"title": "Sommerfest", "starts_at": (now() + timedelta(days=3)).isoformat()})
    assert created.status_code == 201, created.text
    rows = call(DB.fetch, "SELECT profile_id, title, body FROM notification WHERE category = 'event_new'")
    titles = {row["profile_id"]: (row["title"], row["body"]) for row in rows}
    assert titles[german.profile_id][0] == "Neuer Termin: Sommerfest"
    assert re.match(WEEKDAY_DE, titles[german.profile_id][1])
    # Nobody chose for the English reader: the instance's language, not the admin's browser.
    assert titles[english.profile_id][0] == "New event: Sommerfest"
    assert re.match(WEEKDAY_EN, titles[english.profile_id][1])


async def _verify(profile_id: str, address: str) -> None:
    await DB.execute("UPDATE profile SET email = ?, email_verified_at = ? WHERE id = ?", address, now(), profile_id)


def _mails(config) -> dict[str, object]:
    parsed = [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in config.outbox_dir.glob("*.eml")]
    return {str(m["To"]): m for m in parsed}


def test_mail_and_the_digest_come_in_the_recipients_language(client, call, config, world):
    from groupbox.domain.notify import service as notify

    german, english = world.people["member"], world.people["moderator"]
    call(languages.language_set, call(german.actor), "de")
    call(_verify, german.profile_id, "samir@example.org")
    call(_verify, english.profile_id, "lisa@example.org")
    members = [german.member_ids[world.group["id"]], english.member_ids[world.group["id"]]]
    call(notify.notify, members, "mention", group_id=world.group["id"], title="Carpool", url="/threads/x")
    assert call(mail.deliver_immediate, config) == 2
    mails = _mails(config)
    german_mail, english_mail = mails["samir@example.org"], mails["lisa@example.org"]
    assert "Benachrichtigungseinstellungen" in german_mail.get_body(("plain",)).get_content()
    assert 'lang="de"' in german_mail.get_body(("html",)).get_content()
    assert "notification settings" in english_mail.get_body(("plain",)).get_content()
    for path in config.outbox_dir.glob("*.eml"):
        path.unlink()
    call(notify.notify, members, "chatter", group_id=world.group["id"], title="Kuchen", url="/threads/y")
    call(DB.execute, "UPDATE notification SET mode = 'digest' WHERE category = 'chatter'")
    assert call(mail.deliver_digest, config) == 2
    mails = _mails(config)
    assert str(mails["samir@example.org"]["Subject"]) == "Deine groupbox-Zusammenfassung: 1 Neuigkeit"
    assert str(mails["lisa@example.org"]["Subject"]) == "Your groupbox digest: 1 update"


def test_the_calendar_feed_says_abgesagt_to_someone_who_chose_deutsch(client, call, world, as_person):
    from icalendar import Calendar

    owner = call(world.owner.actor)
    event = call(events.event_create, owner, world.group["id"], EventInput(
        title="Training", starts_at=now() + timedelta(days=2)))
    call(events.event_cancel, owner, event["id"], "Halle gesperrt")
    person = world.people["member"]
    call(languages.language_set, call(person.actor), "de")
    as_person(person)
    feed = re.search(r"/ics/[A-Za-z0-9_\-]+\.ics", client.get("/calendar").text).group(0)
    client.cookies.delete("gb_session")  # a calendar app: no cookie, its own header
    summaries = [str(c.get("summary")) for c in Calendar.from_ical(client.get(feed, headers=ENGLISH).content).walk("VEVENT")]
    assert "Training (abgesagt)" in summaries
