"""Remote items beside local ones (issue 14, item 4; SPEC §8, §10, §15.1): what a person's
connected servers sent shows on their home page and its API, the calendar and its feed, and the
Files page, ranked with their own groups' items and marked with the server and the group. Never
another person's; a stub shows nothing of its content."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from groupbox.domain.objects import events
from groupbox.domain.objects.schemas import EventInput
from groupbox.domain.remote import client as remote_client
from groupbox.domain.remote import connections
from groupbox.timefmt import local
from groupbox.util import now
from tests.remote_seed import GROUP, SERVER, seed_connection

ESCAPED_SERVER = SERVER.replace("'", "&#39;")


def _setup(client, call, config, world, as_person):
    """Anna (the group's member) with a connection; RSVP-required local events in 4 and 5 days
    (the first is a new joiner's first RSVP, which leads whatever else there is)."""
    admin = call(world.people["admin"].actor)
    call(events.event_create, admin, world.group["id"], EventInput(
        title="Training", starts_at=now() + timedelta(days=4), rsvp_required=True))
    local = call(events.event_create, admin, world.group["id"], EventInput(
        title="Away match", starts_at=now() + timedelta(days=5), rsvp_required=True))
    anna = world.people["member"]
    cid = call(seed_connection, config, anna.profile_id)
    as_person(anna)
    return anna, cid, local


def _feed_path(client):
    page = client.get("/calendar")
    start = page.text.index("/ics/")
    return page.text[start:page.text.index('"', start)]


def test_home_api_ranks_remote_actions_with_local_ones_and_names_server_and_group(client, call, config, world,
                                                                                as_person):
    _anna, cid, local = _setup(client, call, config, world, as_person)
    items = client.get("/api/home/actions").json()["items"]
    ids = [i["id"] for i in items]
    # An event tomorrow without an answer (3 × 1/2) before an acknowledgement (2 × 1/3) before the
    # local event in 5 days (3 × 1/6) before a poll closing in 6 days (2 × 1/7).
    assert ids.index("rsvp:rev1") < ids.index("acknowledge:ran1") < ids.index(local["id"]) < ids.index("vote:rpo1")
    rsvp = items[ids.index("rsvp:rev1")]
    assert rsvp == {"id": "rsvp:rev1", "kind": "rsvp", "group": {"id": GROUP["id"], "name": GROUP["name"]},
                    "server": {"name": SERVER, "url": "http://b.example"},
                    "remote": {"connection_id": cid, "server_name": SERVER, "url": "http://b.example/events/rev1"},
                    "title": "Building assembly", "due_at": rsvp["due_at"], "url": "http://b.example/events/rev1"}
    mine = next(i for i in items if i["id"] == local["id"])
    assert "remote" not in mine and "server" not in mine

    home = client.get("/api/home").json()
    assert [i["id"] for i in home["actions"]] == ids
    upcoming = {e["id"]: e for e in home["upcoming"]}
    assert {"rev1", "rev2", local["id"]} <= set(upcoming)
    assert upcoming["rev1"]["remote"]["connection_id"] == cid and upcoming["rev1"]["group"]["id"] == GROUP["id"]
    assert upcoming["rev2"]["my_rsvp"] == "yes" and upcoming["rev2"]["server"]["name"] == SERVER
    assert "remote" not in upcoming[local["id"]]
    assert [e["id"] for e in home["upcoming"]] == sorted(upcoming, key=lambda i: upcoming[i]["starts_at"])

    official = client.get("/api/home/official-updates").json()["items"]
    assert official[0]["id"] == "ran1" and official[0]["remote"]["server_name"] == SERVER
    assert official[0]["group"] == {"id": GROUP["id"], "name": GROUP["name"]}

    calendar = client.get("/api/home/calendar").json()["items"]
    remote = [e for e in calendar if e.get("remote")]
    assert [e["id"] for e in remote] == ["rev1", "rev2"] and remote[0]["url"] == "http://b.example/events/rev1"

    files = client.get("/api/home/files").json()["items"]
    assert files[0]["id"] == "rfi1" and files[0]["remote"]["url"] == "http://b.example/files/rfi1"
    assert files[0]["needs_my_ack"] is True and files[0]["group"]["name"] == GROUP["name"]


def test_home_page_shows_remote_cards_with_their_server_and_group(client, call, config, world, as_person):
    _anna, cid, _local = _setup(client, call, config, world, as_person)
    page = client.get("/")
    assert page.status_code == 200
    text = page.text
    needs = text[text.index('id="needs"'):text.index('id="upcoming"')]
    assert needs.index("Building assembly") < needs.index("Water off on Friday") < needs.index("Away match")
    assert ESCAPED_SERVER in needs and "Tenant Association" in needs
    assert f'action="/remote/servers/{cid}/events/rev1/rsvp"' in needs
    assert f'action="/remote/servers/{cid}/announcements/ran1/ack"' in needs
    assert f'action="/remote/servers/{cid}/polls/rpo1/vote"' in needs and "Saturday" in needs
    upcoming = text[text.index('id="upcoming"'):]
    assert "Building assembly" in upcoming and 'href="http://b.example/events/rev1"' in upcoming
    # The stubs: that there is something, and where; nothing of it.
    assert 'href="http://b.example/events/rstub1"' in text and f"An event on {ESCAPED_SERVER}" in text and f"An announcement on {ESCAPED_SERVER}" in text


def test_calendar_pages_and_the_feed_carry_remote_events(client, call, config, world, as_person):
    _setup(client, call, config, world, as_person)
    listing = client.get("/calendar")
    assert listing.status_code == 200 and "Building assembly" in listing.text and "Garden day" in listing.text
    assert 'href="http://b.example/events/rev1"' in listing.text and ESCAPED_SERVER in listing.text
    start = local(now() + timedelta(days=1), "Europe/Berlin")
    month = client.get(f"/calendar/month?m={start:%Y-%m}")
    assert month.status_code == 200 and "Building assembly" in month.text

    feed = client.get(_feed_path(client))
    assert feed.status_code == 200
    found = {str(c.get("summary")): c for c in Calendar.from_ical(feed.content).walk("VEVENT")}
    assert str(found["Building assembly"].get("url")) == "http://b.example/events/rev1"
    assert str(found["Building assembly"].get("uid")) == "rev1@b.example"
    assert SERVER in str(found["Building assembly"].get("description"))
    assert "Away match" in found


def test_files_page_lists_remote_files_to_confirm(client, call, config, world, as_person):
    _anna, cid, _local = _setup(client, call, config, world, as_person)
    page = client.get("/files")
    assert page.status_code == 200
    confirm = page.text[page.text.index('id="confirm"'):page.text.index('id="all"')]
    assert "House rules 2027.pdf" in confirm and ESCAPED_SERVER in confirm
    assert f'action="/remote/servers/{cid}/files/rfi1/ack"' in confirm
    assert 'href="http://b.example/files/rfi1/download"' in confirm


def test_another_persons_connections_never_show(client, call, config, world, as_person):
    samir = world.people["admin"]
    call(seed_connection, config, samir.profile_id)
    as_person(world.people["member"])
    assert not [i for i in client.get("/api/home/actions").json()["items"] if i.get("remote")]
    for path in ("/", "/calendar", "/files", "/api/home", "/api/home/calendar", "/api/home/files",
                 "/api/home/official-updates"):
        response = client.get(path)
        assert response.status_code == 200 and "b.example" not in response.text, path
    assert "Building assembly" not in client.get(_feed_path(client)).text
    as_person(samir)
    assert "Building assembly" in client.get("/").text


def test_a_stub_shows_only_where_to_open_it(client, call, config, world, as_person):
    anna = world.people["member"]
    page = {"cursor": "c1", "has_more": False, "server": {"name": SERVER}, "token": {"scopes": ["read:events"]},
            "groups": [GROUP],
            "events": [{"id": "secret1", "group": {"id": "tg1", "name": GROUP["name"]}, "stub": True,
                        "url": "http://b.example/events/secret1", "updated_at": now().isoformat(),
                        "title": "Board salaries", "starts_at": (now() + timedelta(days=1)).isoformat()},
                       {"id": "secret2", "group": {"id": "tg1", "name": GROUP["name"]}, "stub": True,
                        "url": "http://b.example/events/secret2", "updated_at": now().isoformat()}],
            "actions": [{"id": "rsvp:secret2", "group": {"id": "tg1", "name": GROUP["name"]}, "kind": "rsvp",
                         "stub": True, "url": "http://b.example/events/secret2", "updated_at": now().isoformat(),
                         "due_at": (now() + timedelta(days=2)).isoformat(),
                         "object": {"type": "event", "id": "secret2"}}]}
    call(seed_connection, config, anna.profile_id, page=page, scopes=("read:events", "act:rsvp"))
    as_person(anna)
    home = client.get("/")
    assert "Board salaries" not in home.text and f"An event on {ESCAPED_SERVER}" in home.text
    assert 'href="http://b.example/events/secret1"' in home.text
    # The stub's action: a card in "Needs you" that only says where to open it (no buttons), once.
    needs = home.text[home.text.index('id="needs"'):home.text.index('id="remote"')]
    assert f"An item on {ESCAPED_SERVER}" in needs and "/remote/servers/" not in needs
    assert home.text.count('href="http://b.example/events/secret2"') == 2  # its title and its button
    assert client.get("/api/home/actions").json()["items"][0]["title"] == ""
    for path in ("/calendar", "/api/home", "/api/home/calendar"):
        assert "Board salaries" not in client.get(path).text and "secret1" not in client.get(path).text


def test_the_cached_home_page_follows_the_next_sync(client, call, config, world, as_person):
    anna, cid, _local = _setup(client, call, config, world, as_person)
    assert "Roof repair" not in client.get("/").text
    page = {"cursor": "c2", "has_more": False, "server": {"name": SERVER}, "token": {"scopes": ["read:events"]},
            "groups": [GROUP],
            "events": [{"id": "rev9", "group": {"id": "tg1", "name": GROUP["name"]},
                        "url": "http://b.example/events/rev9", "updated_at": now().isoformat(),
                        "title": "Roof repair", "starts_at": (now() + timedelta(days=2)).isoformat()}],
            "tombstones": [{"type": "action", "id": "rsvp:rev1", "reason": "deleted"}]}
    call(connections._apply, cid, remote_client.parse_page(page, "b.example"))
    text = client.get("/").text
    assert "Roof repair" in text
    assert f"/remote/servers/{cid}/events/rev1/rsvp" not in text  # answered on the other server


def test_a_home_server_with_no_group_of_its_own_shows_the_other_servers(client, call, config):
    """Anna's own home server: her profile, no local group, one connected server."""
    from groupbox.domain.identity import service as identity

    profile_id = call(identity.create_profile, "Anna Weber")
    _device, session = call(identity.start_browser, profile_id, "pytest")
    call(seed_connection, config, profile_id)
    client.cookies.set("gb_session", session)
    home = client.get("/")
    assert home.status_code == 200 and "1 group" in home.text and "not in a group yet" not in home.text
    upcoming = home.text[home.text.index('id="upcoming"'):]
    assert "Building assembly" in upcoming and "Garden day" in upcoming
    assert "Building assembly" in client.get("/calendar").text
