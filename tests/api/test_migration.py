"""The migration kit for admins (SPEC §13, §15.1): the funnel, the old chat's link, reminder
copy in English and German, the printable sheet and its QR downloads, the dashboard line."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from groupbox.domain.groups import invites
from groupbox.domain.groups.schemas import InviteOptions
from groupbox.domain.objects.schemas import EventInput
from groupbox.timefmt import zone
from groupbox.util import now
from tests.factories import create_group, owner_person


def _next_saturday(tz: str) -> datetime:
    """A Saturday at least three days ahead, 10:00 in the group's zone."""
    today = now().astimezone(zone(tz)).date()
    ahead = (5 - today.weekday()) % 7
    if ahead < 3:
        ahead += 7
    return datetime.combine(today + timedelta(days=ahead), time(10, 0), zone(tz))


@pytest.fixture
def coach(client, call):
    """The owner, signed in, with a fresh group of their own (nobody else in it)."""
    owner = call(owner_person)
    group = call(create_group, owner, "FC Kreuzberg U12 Parents", "Training, matches and carpools")
    client.cookies.set("gb_session", owner.session_token)
    return owner, group


def _old_chat_link(client, csrf, group_id) -> str:
    response = client.post(f"/groups/{group_id}/migration/link", headers=csrf(client), follow_redirects=False)
    assert response.status_code == 303
    token = response.headers["location"].split("t=", 1)[1].split("#", 1)[0]
    return token


def test_funnel_counts_invited_opened_joined_verified_notified_and_copy_names_the_rsvp(
        client, call, csrf, config, coach):
    """Coach Mark expects 10 families: 7 open the link, 5 join, 2 verify (email, second device),
    1 has notifications on. The reminder says "5 of 10" / "5 von 10" and names Saturday's RSVP."""
    from groupbox.domain.identity import service as identity
    from groupbox.domain.objects import events

    owner, group = coach
    gid = group["id"]
    assert client.patch(f"/api/groups/{gid}", json={"expected_size": 10}, headers=csrf(client)).status_code == 200
    token = _old_chat_link(client, csrf, gid)
    owner_cookies = dict(client.cookies)

    # Seven phones open the link; five of them join with a name.
    people = []
    for n in range(7):
        client.cookies.clear()
        assert client.get(f"/join/{token}").status_code == 200
        if n < 5:
            response = client.post(f"/api/auth/invite/{token}/claim", json={"display_name": f"Parent {n}"},
                                   headers=csrf(client))
            assert response.status_code == 201, response.text
            people.append((response.json()["member_id"], client.cookies.get("gb_session")))
    # Parent 0 confirms an email address (which also turns notifications on) …
    client.cookies.clear()
    client.cookies.set("gb_session", people[0][1])
    assert client.post("/me/email", data={"email": "parent0@example.org"}, headers=csrf(client)).status_code < 400
    mail_text = next(config.outbox_dir.glob("*.eml")).read_text()
    path = next(word for word in mail_text.split() if "/email/verify/" in word).split("8000", 1)[1]
    assert client.post(path, headers=csrf(client), follow_redirects=False).status_code == 303
    # … and Parent 1 links a second phone.
    member = call(lambda: __import__("groupbox.domain.groups.service", fromlist=["x"]).member_row(people[1][0]))
    call(identity.start_browser, member["profile_id"], "Second phone")

    client.cookies.clear()
    for key, value in owner_cookies.items():
        client.cookies.set(key, value)
    funnel = client.get(f"/api/groups/{gid}/migration").json()
    assert {k: funnel[k] for k in ("expected", "opened", "joined", "verified", "notifications_on")} == {
        "expected": 10, "opened": 7, "joined": 5, "verified": 2, "notifications_on": 1}
    assert funnel["never_opened"] == 3
    rows = {m["display_name"]: m for m in funnel["members"]}
    assert set(rows) == {f"Parent {n}" for n in range(5)}  # the creator is not part of the funnel
    assert rows["Parent 0"]["verified_by"] == "email" and rows["Parent 0"]["notifications_on"]
    assert rows["Parent 1"]["verified_by"] == "device" and not rows["Parent 1"]["notifications_on"]
    assert {m["invite_label"] for m in funnel["members"]} == {"Old chat"}
    [old_chat] = [i for i in funnel["invites"] if i["label"] == "Old chat"]
    assert (old_chat["opened"], old_chat["joined"]) == (7, 5)

    # The next deadline that lives only in groupbox: an RSVP-required, not cancelled event.
    actor = call(owner.actor)
    saturday = _next_saturday(group["timezone"])
    thursday = saturday - timedelta(days=2) + timedelta(hours=8)
    call(events.event_create, actor, gid, EventInput(
        title="Training (no RSVP)", starts_at=saturday - timedelta(days=1)))
    cancelled = call(events.event_create, actor, gid, EventInput(
        title="Friendly at Spandau", rsvp_required=True, starts_at=saturday - timedelta(days=1, hours=2)))
    call(events.event_cancel, actor, cancelled["id"], "Pitch closed")
    call(events.event_create, actor, gid, EventInput(
        title="League match vs. Hertha", rsvp_required=True, starts_at=saturday.isoformat(),
        rsvp_deadline=thursday.isoformat()))

    english = client.post(f"/api/groups/{gid}/migration/reminder-copy", json={"language": "en"},
                          headers=csrf(client))
    assert english.status_code == 200, english.text
    text = english.json()["text"]
    assert "5 of 10" in text
    assert "League match vs. Hertha" in text and "Saturday" in text and "Thursday" in text and "18:00" in text
    assert "Spandau" not in text and "Training" not in text
    assert english.json()["invite_url"] in text
    german = client.post(f"/api/groups/{gid}/migration/reminder-copy",
                         json={"language": "de", "tone": "last_call", "invite_url": english.json()["invite_url"]},
                         headers=csrf(client))
    assert german.status_code == 200
    text_de = german.json()["text"]
    assert "5 von 10" in text_de and "League match vs. Hertha" in text_de and "Samstag" in text_de
    assert "Donnerstag" in text_de and "18:00 Uhr" in text_de and "Letzte Erinnerung" in text_de
    assert german.json()["invite_url"] == english.json()["invite_url"]  # one link, reused
    for body in (text, text_de):
        assert not any(f"Parent {n}" in body for n in range(7))
        assert owner.name not in body


def test_reminder_copy_without_a_link_makes_one_and_reuses_a_given_one(client, call, csrf, coach):
    _owner, group = coach
    gid = group["id"]
    first = client.post(f"/api/groups/{gid}/migration/reminder-copy", json={"language": "en", "tone": "firm"},
                        headers=csrf(client)).json()
    assert "/join/" in first["invite_url"] and first["tone"] == "firm"
    assert "0 of" not in first["text"] and "has moved to groupbox" in first["text"]
    count = len(client.get(f"/api/groups/{gid}/migration").json()["invites"])
    again = client.post(f"/api/groups/{gid}/migration/reminder-copy",
                        json={"language": "de", "invite_url": first["invite_url"]}, headers=csrf(client)).json()
    assert again["invite_url"] == first["invite_url"]
    assert len(client.get(f"/api/groups/{gid}/migration").json()["invites"]) == count


@pytest.mark.parametrize(("body", "field"), [
    ({"language": "fr"}, "language"),
    ({"language": "en", "tone": "shouty"}, "tone"),
    ({"language": "en", "invite_url": "https://example.org/join/nope"}, "link"),
])
def test_bad_reminder_request_is_a_clear_422(client, csrf, coach, body, field):
    _owner, group = coach
    response = client.post(f"/api/groups/{group['id']}/migration/reminder-copy", json=body, headers=csrf(client))
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_a_link_of_another_group_is_refused(client, call, csrf, coach):
    owner, group = coach
    other = call(create_group, owner, "Tenant Association")
    _invite, token = call(invites.invite_create, call(owner.actor), other["id"], InviteOptions())
    response = client.post(f"/api/groups/{group['id']}/migration/reminder-copy",
                           json={"language": "en", "invite_url": f"http://127.0.0.1:8000/join/{token}"},
                           headers=csrf(client))
    assert response.status_code == 422
    assert "not an invite link of this group" in response.json()["detail"]


def test_only_admins_see_the_funnel_and_write_copy(client, world, as_person, csrf):
    gid = world.group["id"]
    for role, status in (("owner", 200), ("admin", 200), ("moderator", 403), ("member", 403), ("guest", 403),
                         ("outsider", 404)):
        person = world.outsider if role == "outsider" else world.people[role]
        as_person(person)
        assert client.get(f"/api/groups/{gid}/migration").status_code == status, role
        response = client.post(f"/api/groups/{gid}/migration/reminder-copy", json={"language": "en"},
                               headers=csrf(client))
        assert response.status_code == status, role
        assert client.get(f"/groups/{gid}/migration").status_code == status, role
    as_person(None)
    assert client.get(f"/api/groups/{gid}/migration").status_code == 401


def test_admin_uses_the_migration_page_without_javascript(client, csrf, coach):
    _owner, group = coach
    gid = group["id"]
    page = client.get(f"/groups/{gid}/migration")
    assert page.status_code == 200
    assert "Create the link for the old chat" in page.text and "Write the reminder" not in page.text
    token = _old_chat_link(client, csrf, gid)
    page = client.get(f"/groups/{gid}/migration?t={token}")
    assert f"/join/{token}" in page.text and "Write the reminder" in page.text
    reminder = client.get(f"/groups/{gid}/migration?t={token}&language=de&tone=firm")
    assert "Erinnerung an alle" in reminder.text and "readonly" in reminder.text
    assert "<script" not in reminder.text.split("</main>")[0]  # the copy button is an enhancement
    # The expected size, set from the migration page.
    response = client.post(f"/groups/{gid}/migration/expected", data={"expected_size": "24", "t": token},
                           headers=csrf(client), follow_redirects=False)
    assert response.status_code == 303 and f"t={token}" in response.headers["location"]
    assert "0 of 24 joined" in client.get(response.headers["location"]).text
    bad = client.post(f"/groups/{gid}/migration/expected", data={"expected_size": "lots"}, headers=csrf(client))
    assert bad.status_code == 422 and "Enter a number" in bad.text
    # A pasted link is checked and carried on.
    pasted = client.get(f"/groups/{gid}/migration", params={"link": f"http://127.0.0.1:8000/join/{token}"},
                        follow_redirects=False)
    assert pasted.status_code == 303 and f"t={token}" in pasted.headers["location"]
    wrong = client.get(f"/groups/{gid}/migration", params={"link": "http://127.0.0.1:8000/join/nothing"})
    assert wrong.status_code == 422 and "not an invite link" in wrong.text


def test_printable_sheet_and_qr_downloads(client, csrf, coach):
    _owner, group = coach
    gid = group["id"]
    token = _old_chat_link(client, csrf, gid)
    sheet = client.get(f"/groups/{gid}/migration/sheet?t={token}&lang=en")
    assert sheet.status_code == 200
    assert "FC Kreuzberg U12 Parents" in sheet.text and "Training, matches and carpools" in sheet.text
    assert f"/join/{token}" in sheet.text and "<svg" in sheet.text and "print.css" in sheet.text
    assert sheet.text.count('class="sheet__lines"') == 1 and sheet.text.count("<li>") == 3
    german = client.get(f"/groups/{gid}/migration/sheet?t={token}&lang=de")
    assert 'lang="de"' in german.text and "Was ihr davon habt" in german.text
    png = client.get(f"/groups/{gid}/migration/qr.png?t={token}")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG") and "attachment" in png.headers["content-disposition"]
    svg = client.get(f"/groups/{gid}/migration/qr.svg?t={token}")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content
    # Without a usable link the sheet sends the admin back to make one.
    missing = client.get(f"/groups/{gid}/migration/sheet", follow_redirects=False)
    assert missing.status_code == 303 and missing.headers["location"].endswith("/migration#link")
    assert client.get(f"/groups/{gid}/migration/qr.png?t=forged", follow_redirects=False).status_code == 303


def test_qr_on_the_sheet_decodes_to_the_invite_link(client, csrf, coach):
    zxing = pytest.importorskip("zxingcpp")
    from io import BytesIO

    from PIL import Image

    _owner, group = coach
    token = _old_chat_link(client, csrf, group["id"])
    png = client.get(f"/groups/{group['id']}/migration/qr.png?t={token}").content
    [result] = zxing.read_barcodes(Image.open(BytesIO(png)))
    assert result.text == f"http://127.0.0.1:8000/join/{token}"


def test_dashboard_shows_admins_how_many_moved_over(client, call, csrf, world, as_person):
    gid = world.group["id"]
    as_person(world.owner)
    client.patch(f"/api/groups/{gid}", json={"expected_size": 24}, headers=csrf(client))
    page = client.get(f"/groups/{gid}")
    assert "Moving over" in page.text and "4 of 24 joined" in page.text and f"/groups/{gid}/migration" in page.text
    as_person(world.people["member"])
    assert "Moving over" not in client.get(f"/groups/{gid}").text  # nothing for members to see yet


def test_admin_marks_the_legacy_channel_and_everyone_sees_the_read_only_day(client, call, csrf, world, as_person):
    from groupbox.domain.objects import threads

    gid = world.group["id"]
    as_person(world.owner)
    actor = call(world.owner.actor)
    old = call(threads.thread_create, actor, gid, "Old WhatsApp group", "Everything from the old chat")
    other = call(threads.thread_create, actor, gid, "Carpools", "Who drives?")
    page = client.get(f"/groups/{gid}/migration")
    assert "Old WhatsApp group" in page.text and "Carpools" in page.text
    day = (now() + timedelta(days=10)).astimezone(zone("Europe/Berlin")).date()
    response = client.post(f"/groups/{gid}/migration/legacy",
                           data={"thread_id": old["id"], "readonly_from": day.isoformat()}, headers=csrf(client),
                           follow_redirects=True)
    assert response.status_code == 200 and "Marked as the old chat, read-only from" in response.text
    copy_en = client.post(f"/api/groups/{gid}/migration/reminder-copy", json={"language": "en"},
                          headers=csrf(client)).json()["text"]
    from groupbox.domain.migration.copy import day_name

    assert f"From {day_name(day, 'en')}, this chat is read-only" in copy_en
    copy_de = client.post(f"/api/groups/{gid}/migration/reminder-copy", json={"language": "de"},
                          headers=csrf(client)).json()["text"]
    assert f"Ab {day_name(day, 'de')} ist dieser Chat nur noch zum Lesen da" in copy_de

    as_person(world.people["member"])  # members see the agreement on the group page
    assert "the old chat is read-only" in client.get(f"/groups/{gid}").text
    denied = client.post(f"/groups/{gid}/migration/legacy", data={"thread_id": other["id"]}, headers=csrf(client))
    assert denied.status_code == 403

    as_person(world.owner)
    bad = client.post(f"/groups/{gid}/migration/legacy", data={"thread_id": old["id"], "readonly_from": "soon"},
                      headers=csrf(client))
    assert bad.status_code == 422 and "2025-03-01" in bad.text
    moved = client.post(f"/groups/{gid}/migration/legacy", data={"thread_id": other["id"], "readonly_from": ""},
                        headers=csrf(client), follow_redirects=True)
    assert "Marked as the old chat." in moved.text
    assert "“Carpools” is the old chat" in client.get(f"/groups/{gid}/migration").text
    cleared = client.post(f"/groups/{gid}/migration/legacy", data={"clear": "1"}, headers=csrf(client),
                          follow_redirects=True)
    assert "mark is removed" in cleared.text
    assert "read-only" not in client.post(f"/api/groups/{gid}/migration/reminder-copy", json={"language": "en"},
                                          headers=csrf(client)).json()["text"]
