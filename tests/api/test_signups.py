"""Sign-up sheets: creating, taking and giving back places, full slots (also under a crowd of
concurrent commits, in one process and across two server workers), the no-JS pages."""

import asyncio
import html
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from groupbox.db.engine import DB
from groupbox.domain.actions import service as actions
from groupbox.domain.objects import signups
from groupbox.domain.objects.schemas import SignupCreate, SlotInput
from groupbox.errors import Conflict
from groupbox.util import now
from tests.conftest import start_server, stop_server

SHEET = {
    "title": "Saturday match: who helps?",
    "description": "We play at **Lobeckstraße**.",
    "slots": [
        {"label": "Drive to Lobeckstraße", "capacity": 3},
        {"label": "Half-time snacks", "capacity": 1},
        {"label": "Shift 10:00–12:00", "capacity": 2, "starts_at": "2031-05-31T10:00"},
    ],
}


def count(call, sql, *params):
    return call(DB.fetchone, sql, *params)["n"]


@pytest.fixture
def make_sheet(client, world, as_person, csrf):
    def make(by="owner", **body):
        as_person(world.people[by])
        payload = {**SHEET, **body}
        response = client.post(f"/api/groups/{world.group['id']}/signups", json=payload, headers=csrf(client))
        assert response.status_code == 201, response.text
        return response.json()

    return make


def take(client, world, as_person, csrf, role, slot, note=None, person=None):
    as_person(person or world.people[role])
    body = {"note": note} if note is not None else None
    return client.post(f"/api/signups/slots/{slot['id']}/commitment", json=body, headers=csrf(client))


def test_coach_posts_a_sheet_with_slots_and_capacities(client, call, world, as_person, csrf):
    as_person(world.people["admin"])
    response = client.post(f"/api/groups/{world.group['id']}/signups", json=SHEET, headers=csrf(client))
    assert response.status_code == 201, response.text
    sheet = response.json()
    assert [(s["label"], s["capacity"], s["taken"], s["open"]) for s in sheet["slots"]] == [
        ("Drive to Lobeckstraße", 3, 0, 3), ("Half-time snacks", 1, 0, 1), ("Shift 10:00–12:00", 2, 0, 2)]
    assert sheet["slots"][2]["starts_at"] == "2031-05-31T08:00:00Z"  # Berlin summer time
    assert sheet["capacity_total"] == 6 and sheet["may_commit"] and not sheet["closed"]
    assert sheet["url"] == f"/signups/{sheet['id']}"
    told = call(DB.fetch, "SELECT member_id FROM notification WHERE object_id = ?", sheet["id"])
    assert world.member_id("member") in {n["member_id"] for n in told}
    assert world.member_id("admin") not in {n["member_id"] for n in told}
    listed = client.get(f"/api/groups/{world.group['id']}/signups").json()["items"]
    assert [s["id"] for s in listed] == [sheet["id"]]


@pytest.mark.parametrize("body, status, field", [
    ({"title": "", "slots": [{"label": "Drive", "capacity": 3}]}, 422, "title"),
    ({"title": "Help", "slots": []}, 422, "slots"),
    ({"title": "Help", "slots": [{"label": "Drive", "capacity": 0}]}, 422, "slots"),
    ({"title": "Help", "slots": [{"label": "Drive", "capacity": 3}, {"label": " ", "capacity": 1}]}, 422, "slots"),
    ({"title": "Help", "slots": [{"label": "Drive", "capacity": 3, "starts_at": "Saturday"}]}, 422, "slots"),
    ({"title": "Help", "slots": [{"label": f"Slot {i}", "capacity": 1} for i in range(51)]}, 422, "slots"),
    ({"title": "Help", "slots": [{"label": "Drive"}], "event_id": "no-such-event"}, 422, "event_id"),
    ({"title": "Help", "slots": [{"label": "Drive"}], "closes_at": "2001-01-01T10:00"}, 422, "closes_at"),
    ({"title": "Help", "slots": [{"label": "Drive", "capacity": "lots"}]}, 400, None),
])
def test_bad_sheets_are_refused_and_nothing_is_written(client, call, world, as_person, csrf, body, status, field):
    as_person(world.owner)
    response = client.post(f"/api/groups/{world.group['id']}/signups", json=body, headers=csrf(client))
    assert response.status_code == status, response.text
    if field:
        assert field in response.json()["errors"]
    assert count(call, "SELECT COUNT(*) AS n FROM signup") == 0
    assert count(call, "SELECT COUNT(*) AS n FROM signup_slot") == 0


def test_parents_take_places_and_everyone_sees_who_took_what(client, world, as_person, csrf, make_sheet):
    sheet = make_sheet()
    drive, snacks = sheet["slots"][0], sheet["slots"][1]
    response = take(client, world, as_person, csrf, "member", drive, note="I have 4 seats")
    assert response.status_code == 201, response.text
    slot = response.json()
    assert slot["taken"] == 1 and slot["open"] == 2 and slot["mine"] and slot["my_note"] == "I have 4 seats"
    assert take(client, world, as_person, csrf, "moderator", drive).status_code == 201
    assert take(client, world, as_person, csrf, "admin", snacks).status_code == 201
    as_person(world.people["guest"])  # guests read the sheet too
    seen = client.get(f"/api/signups/{sheet['id']}").json()
    drive_seen = seen["slots"][0]
    assert [(p["display_name"], p["note"]) for p in drive_seen["people"]] == [
        ("Samir Khan", "I have 4 seats"), ("Lisa Becker", "")]
    assert drive_seen["open"] == 1 and not drive_seen["mine"]
    assert seen["slots"][1]["full"] and seen["open_total"] == 3 and seen["taken_total"] == 3
    assert seen["seq"] > sheet["seq"]


def test_taking_the_same_slot_twice_keeps_one_place_and_updates_the_note(client, call, world, as_person, csrf,
                                                                        make_sheet):
    drive = make_sheet()["slots"][0]
    take(client, world, as_person, csrf, "member", drive, note="4 seats")
    again = take(client, world, as_person, csrf, "member", drive, note="only 3 seats")
    assert again.status_code == 201 and again.json()["taken"] == 1 and again.json()["my_note"] == "only 3 seats"
    assert count(call, "SELECT COUNT(*) AS n FROM signup_commitment WHERE slot_id = ?", drive["id"]) == 1
    too_long = take(client, world, as_person, csrf, "member", drive, note="x" * 201)
    assert too_long.status_code == 422 and "note" in too_long.json()["errors"]


def test_a_full_slot_says_so_in_words(client, call, world, as_person, csrf, make_sheet):
    sheet = make_sheet()
    snacks = sheet["slots"][1]
    assert take(client, world, as_person, csrf, "member", snacks).status_code == 201
    response = take(client, world, as_person, csrf, "moderator", snacks)
    assert response.status_code == 409
    assert response.json()["detail"] == "Someone already took “Half-time snacks”. Pick another slot or ask the organiser."
    drive = sheet["slots"][0]
    for role in ("member", "moderator", "admin"):
        take(client, world, as_person, csrf, role, drive)
    response = take(client, world, as_person, csrf, "owner", drive)
    assert response.status_code == 409 and "all 3 places are taken" in response.json()["detail"]
    assert count(call, "SELECT COUNT(*) AS n FROM signup_commitment WHERE slot_id = ?", drive["id"]) == 3


def test_withdrawing_frees_the_place(client, world, as_person, csrf, make_sheet):
    snacks = make_sheet()["slots"][1]
    take(client, world, as_person, csrf, "member", snacks)
    assert client.delete(f"/api/signups/slots/{snacks['id']}/commitment", headers=csrf(client)).status_code == 204
    assert client.delete(f"/api/signups/slots/{snacks['id']}/commitment", headers=csrf(client)).status_code == 204
    assert take(client, world, as_person, csrf, "moderator", snacks).json()["taken"] == 1


def test_a_closed_sheet_takes_no_more_changes(client, call, world, as_person, csrf, make_sheet):
    sheet = make_sheet(closes_at=(now() + timedelta(hours=2)).isoformat())
    drive = sheet["slots"][0]
    take(client, world, as_person, csrf, "member", drive)
    call(DB.execute, "UPDATE signup SET closes_at = ? WHERE id = ?", now() - timedelta(seconds=1), sheet["id"])
    assert take(client, world, as_person, csrf, "moderator", drive).status_code == 409
    as_person(world.people["member"])
    response = client.delete(f"/api/signups/slots/{drive['id']}/commitment", headers=csrf(client))
    assert response.status_code == 409 and "closed" in response.json()["detail"]
    other = make_sheet(title="Sunday")
    as_person(world.people["member"])
    assert client.post(f"/api/signups/{other['id']}/close", headers=csrf(client)).status_code == 403
    as_person(world.owner)
    assert client.post(f"/api/signups/{other['id']}/close", headers=csrf(client)).json()["closed"]
    assert take(client, world, as_person, csrf, "member", other["slots"][0]).status_code == 409


def test_guests_cannot_sign_up_and_outsiders_see_nothing(client, world, as_person, csrf, make_sheet):
    sheet = make_sheet()
    slot = sheet["slots"][0]
    assert take(client, world, as_person, csrf, "guest", slot).status_code == 403
    assert take(client, world, as_person, csrf, None, slot, person=world.outsider).status_code == 404
    assert client.get(f"/api/signups/{sheet['id']}").status_code == 404
    assert client.get(f"/signups/{sheet['id']}").status_code == 404
    as_person(None)
    assert client.post(f"/api/signups/slots/{slot['id']}/commitment", headers=csrf(client)).status_code == 401


def test_someone_who_leaves_frees_their_places(client, world, as_person, csrf, make_sheet):
    sheet = make_sheet()
    take(client, world, as_person, csrf, "member", sheet["slots"][1])
    as_person(world.people["member"])
    assert client.post(f"/api/groups/{world.group['id']}/leave", headers=csrf(client)).status_code == 200
    as_person(world.owner)
    after = client.get(f"/api/signups/{sheet['id']}").json()
    assert after["slots"][1]["taken"] == 0 and after["seq"] > sheet["seq"]


def test_deleting_a_sheet_leaves_a_tombstone(client, call, world, as_person, csrf, make_sheet):
    sheet = make_sheet(by="moderator")
    as_person(world.people["moderator"])
    assert client.delete(f"/api/signups/{sheet['id']}", headers=csrf(client)).status_code == 204
    assert client.get(f"/api/signups/{sheet['id']}").status_code == 404
    assert count(call, "SELECT COUNT(*) AS n FROM tombstone WHERE object_id = ?", sheet["id"]) == 1
    assert take(client, world, as_person, csrf, "member", sheet["slots"][0]).status_code == 404


def test_upcoming_commitments_with_slot_or_event_times_need_me_the_week_before(client, call, world, as_person, csrf, make_sheet):
    as_person(world.owner)
    event = client.post(f"/api/groups/{world.group['id']}/events",
                        json={"title": "Match vs. SV Tasmania", "starts_at": "2031-05-31T11:00"},
                        headers=csrf(client))
    assert event.status_code == 201, event.text
    match = make_sheet(event_id=event.json()["id"])
    assert match["event"]["title"] == "Match vs. SV Tasmania"
    past = make_sheet(title="Last season", slots=[{"label": "Old shift",
                                                   "starts_at": (now() - timedelta(days=3)).isoformat()}])
    take(client, world, as_person, csrf, "member", match["slots"][0], note="4 seats")  # the event's time
    take(client, world, as_person, csrf, "member", match["slots"][2])  # its own time, earlier that day
    take(client, world, as_person, csrf, "member", past["slots"][0])
    actor = call(world.people["member"].actor)
    # "Needs me" lists a slot I took in the week before it starts (then it is done), soonest first.
    week_before = datetime(2031, 5, 25, 12, tzinfo=UTC)
    items = call(actions.derive, actor, week_before, [world.group["id"]])
    assert [(c.kind, c.title, c.due_at.isoformat()) for c in items] == [
        ("commitment", "Shift 10:00–12:00 · Saturday match: who helps?", "2031-05-31T08:00:00+00:00"),
        ("commitment", "Drive to Lobeckstraße · Saturday match: who helps?", "2031-05-31T09:00:00+00:00")]
    assert items[1].url == f"/signups/{match['id']}"
    assert call(actions.derive, actor, week_before - timedelta(days=2), [world.group["id"]]) == []
    assert call(actions.derive, actor, week_before, [world.other_group["id"]]) == []


# -- a crowd --------------------------------------------------------------------------------------
async def test_thirty_parents_at_once_fill_exactly_three_seats(db):
    from tests.factories import build_world, join

    world = await build_world()
    owner = await world.owner.actor()
    sheet = await signups.signup_create(owner, world.group["id"], SignupCreate(
        title="Drive to the cup final", slots=[SlotInput(label="Car seats", capacity=3)]))
    slot_id = sheet["slots"][0]["id"]
    people = [await join(None, world.group["id"], f"Parent {i}", admin=world.owner) for i in range(30)]
    actors = [await p.actor() for p in people]
    results = await asyncio.gather(*(signups.commit(a, slot_id) for a in actors), return_exceptions=True)
    assert sum(isinstance(r, dict) for r in results) == 3
    assert sum(isinstance(r, Conflict) for r in results) == 27
    assert (await DB.fetchone("SELECT COUNT(*) AS n FROM signup_commitment WHERE slot_id = ?", slot_id))["n"] == 3
    assert (await signups.slot_get(owner, slot_id))["taken"] == 3


def _csrf(http: httpx.Client) -> dict[str, str]:
    if "csrftoken" not in http.cookies:
        http.get("/")
    return {"x-csrftoken": http.cookies["csrftoken"]}


@pytest.mark.e2e
def test_thirty_parents_over_http_against_two_workers_fill_exactly_three_seats(data_dir):
    server = start_server(data_dir, env={"GROUPBOX_WORKERS": "2", "GROUPBOX_CLAIM_RATE_LIMIT": "1000/minute"})
    clients: list[httpx.Client] = []
    try:
        link = json.loads(server.cli("signin-link", "--json").stdout)["signin_url"]
        coach = httpx.Client(base_url=server.url, timeout=20)
        clients.append(coach)
        assert coach.post(link.removeprefix(server.url), headers=_csrf(coach)).status_code in (200, 303)
        group = coach.post("/api/groups", json={"name": "Cup final"}, headers=_csrf(coach)).json()
        invite = coach.post(f"/api/groups/{group['id']}/invites", json={"max_uses": 30},
                            headers=_csrf(coach)).json()
        token = invite["url"].rsplit("/", 1)[1]
        sheet = coach.post(f"/api/groups/{group['id']}/signups",
                           json={"title": "Drive to the final", "slots": [{"label": "Car seats", "capacity": 3}]},
                           headers=_csrf(coach))
        assert sheet.status_code == 201, sheet.text
        slot_id = sheet.json()["slots"][0]["id"]
        parents = []
        for i in range(30):
            parent = httpx.Client(base_url=server.url, timeout=20)
            clients.append(parent)
            claimed = parent.post(f"/api/auth/invite/{token}/claim", json={"display_name": f"Parent {i}"},
                                  headers=_csrf(parent))
            assert claimed.status_code == 201, claimed.text
            parents.append((parent, _csrf(parent)))

        start = threading.Barrier(30, timeout=20)

        def commit(parent_and_headers):
            parent, headers = parent_and_headers
            start.wait()
            return parent.post(f"/api/signups/slots/{slot_id}/commitment", headers=headers).status_code

        with ThreadPoolExecutor(30) as pool:
            statuses = list(pool.map(commit, parents, timeout=60))
        assert sorted(statuses) == [201] * 3 + [409] * 27, statuses
        final = coach.get(f"/api/signups/{sheet.json()['id']}").json()
        assert final["slots"][0]["taken"] == 3 and len(final["slots"][0]["people"]) == 3
    finally:
        for http in clients:
            http.close()
        stop_server(server)


# -- pages ----------------------------------------------------------------------------------------
def test_parent_takes_a_slot_from_the_group_dashboard_without_javascript(client, world, as_person, csrf,
                                                                        make_sheet):
    sheet = make_sheet()
    snacks = sheet["slots"][1]
    as_person(world.people["member"])
    dashboard = f"/groups/{world.group['id']}"
    page = client.get(dashboard)
    assert 'id="signups"' in page.text and "Saturday match: who helps?" in page.text
    assert f'action="/signups/slots/{snacks["id"]}/take"' in page.text and "<meter" in page.text
    response = client.post(f"/signups/slots/{snacks['id']}/take", data={"back": dashboard}, headers=csrf(client),
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == dashboard
    page = html.unescape(client.get(dashboard).text)
    assert "You're down for “Half-time snacks”. Thank you!" in page and "You're in" in page
    as_person(world.people["moderator"])
    page = client.get(dashboard)
    assert f'action="/signups/slots/{snacks["id"]}/take"' not in page.text and ">Full<" in page.text


def test_taking_a_full_slot_from_a_page_explains_it(client, world, as_person, csrf, make_sheet):
    sheet = make_sheet()
    snacks = sheet["slots"][1]
    take(client, world, as_person, csrf, "member", snacks)
    as_person(world.people["moderator"])
    response = client.post(f"/signups/slots/{snacks['id']}/take", data={}, headers=csrf(client),
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/signups/{sheet['id']}"
    assert "Someone already took" in client.get(response.headers["location"]).text


def test_sheet_page_shows_notes_and_takes_a_place_with_a_note(client, world, as_person, csrf, make_sheet):
    sheet = make_sheet()
    drive = sheet["slots"][0]
    take(client, world, as_person, csrf, "moderator", drive, note="I have 4 seats")
    as_person(world.people["member"])
    page = client.get(f"/signups/{sheet['id']}")
    assert "I have 4 seats" in page.text and "<strong>Lobeckstraße</strong>" in page.text
    response = client.post(f"/signups/slots/{drive['id']}/take", data={"note": "2 kids", "back": page.url.path},
                           headers=csrf(client), follow_redirects=False)
    assert response.status_code == 303
    page = client.get(f"/signups/{sheet['id']}")
    assert "2 kids" in page.text and f'action="/signups/slots/{drive["id"]}/withdraw"' in page.text
    response = client.post(f"/signups/slots/{drive['id']}/withdraw", data={}, headers=csrf(client),
                           follow_redirects=False)
    assert response.status_code == 303
    assert "2 kids" not in client.get(f"/signups/{sheet['id']}").text


def test_moderator_creates_a_sheet_with_the_form_adding_rows_without_javascript(client, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.people["moderator"])
    form = client.get(f"/groups/{group}/signups/new")
    assert form.status_code == 200 and form.text.count('name="slot_label"') == 3
    rows = {"slot_label": ["Drive", "Snacks", ""], "slot_capacity": ["3", "1", "1"], "slot_starts_at": ["", "", ""]}
    more = client.post(f"/groups/{group}/signups/new", data={"title": "Saturday", **rows, "add_slots": "1"},
                       headers=csrf(client))
    assert more.text.count('name="slot_label"') == 6 and 'value="Snacks"' in more.text
    bad = client.post(f"/groups/{group}/signups/new",
                      data={"title": "Saturday", "slot_label": ["Drive"], "slot_capacity": ["0"],
                            "slot_starts_at": [""]}, headers=csrf(client))
    assert bad.status_code == 422 and 'id="f-slots-error"' in bad.text and 'value="Drive"' in bad.text
    response = client.post(f"/groups/{group}/signups/new", data={"title": "Saturday", **rows}, headers=csrf(client),
                           follow_redirects=False)
    assert response.status_code == 303
    created = client.get(f"/api/groups/{group}/signups").json()["items"][0]
    assert [(s["label"], s["capacity"]) for s in created["slots"]] == [("Drive", 3), ("Snacks", 1)]
    assert response.headers["location"] == f"/signups/{created['id']}"
