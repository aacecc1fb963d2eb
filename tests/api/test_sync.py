"""`GET /api/sync`: a member's home server reads their groups here through a connection token
(SPEC §14, docs/protocol.md), and acts with it where the token's scopes allow."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from groupbox.domain.groups import service as groups
from groupbox.domain.objects import announcements, events, polls, tasks, threads
from groupbox.domain.objects.schemas import AnnouncementCreate, EventInput, PollCreate, TaskCreate
from groupbox.domain.remote import tokens
from groupbox.util import clock_at, now

ALL_READ = list(tokens.READ_SCOPES)
LISTS = ("actions", "events", "announcements", "files", "threads", "polls", "tasks")


def bearer(client, token: str | None, path: str = "/api/sync", method: str = "GET", **params):
    """A request with only the token (no cookie: a home server has none)."""
    saved = dict(client.cookies)
    client.cookies.clear()
    try:
        headers = {"authorization": f"Bearer {token}"} if token is not None else {}
        if method == "GET":
            return client.get(path, params=params, headers=headers)
        return client.post(path, json=params or None, headers=headers)
    finally:
        for name, value in saved.items():
            client.cookies.set(name, value)


def sync(client, token: str, **params) -> dict:
    response = bearer(client, token, **params)
    assert response.status_code == 200, response.text
    return response.json()


def ids(page: dict, name: str) -> set[str]:
    return {item["id"] for item in page[name]}


def make_token(call, person, scopes=None) -> str:
    actor = call(person.actor)
    return call(tokens.token_create, actor, scopes or [*ALL_READ, "act:rsvp", "act:vote", "act:acknowledge"])[1]


async def _objects(world, *, soon=None) -> dict:
    """An admin fills the group (and the other group gets something the member must never see)."""
    admin = await world.people["admin"].actor()
    group = world.group["id"]
    soon = soon or now() + timedelta(days=2)
    samir = world.member_id("member")
    made = {
        "event": await events.event_create(admin, group, EventInput(
            title="Saturday match", starts_at=soon.isoformat(), location="Park", rsvp_required=True)),
        "announcement": await announcements.announcement_create(admin, group, AnnouncementCreate(
            title="Kit day", body="Bring socks", official=True, ack_required=True)),
        "poll": await polls.poll_create(admin, group, PollCreate(question="Pizza or pasta?", options=["Pizza", "Pasta"])),
        "task": await tasks.task_create(admin, group, TaskCreate(title="Wash the shirts", assignee_ids=[samir])),
        "thread": await threads.thread_create(admin, group, "Carpool", "Who drives on Saturday?"),
    }
    outsider = await world.outsider.actor()
    made["secret"] = await events.event_create(outsider, world.other_group["id"], EventInput(
        title="Secret meeting", starts_at=soon.isoformat(), rsvp_required=True))
    return made


def _thread_id(made: dict) -> str:
    thread = made["thread"]
    return thread["thread"]["id"] if "thread" in thread else thread["id"]


def walk(client, token: str, since: str | None = None, limit: int | None = None) -> tuple[list[dict], str]:
    pages, cursor = [], since
    for _ in range(100):
        params = {k: v for k, v in (("since", cursor), ("limit", limit)) if v is not None}
        page = sync(client, token, **params)
        pages.append(page)
        cursor = page["cursor"]
        if not page["has_more"]:
            return pages, cursor
    raise AssertionError("has_more never ended")


def test_a_first_sync_brings_the_members_objects_and_actions_in_scope(client, call, world):
    made = call(_objects, world)
    token = make_token(call, world.people["member"])
    page = sync(client, token)
    assert set(page) >= {"cursor", "has_more", "server", "token", "groups", "tombstones", *LISTS}
    assert page["has_more"] is False and page["cursor"] and page["tombstones"] == []
    assert set(page["token"]["scopes"]) >= set(ALL_READ) and page["token"]["expires_at"]
    assert page["groups"] == [{"id": world.group["id"], "name": world.group["name"],
                               "timezone": world.group["timezone"]}]
    event = {e["id"]: e for e in page["events"]}[made["event"]["id"]]
    assert event["title"] == "Saturday match" and event["location"] == "Park" and event["my_rsvp"] is None
    assert event["group"] == {"id": world.group["id"], "name": world.group["name"]}
    assert event["url"] == f"http://127.0.0.1:8000/events/{made['event']['id']}"
    assert event["counts"] == {"yes": 0, "no": 0, "maybe": 0} and event["rsvp_required"] is True
    assert event["updated_at"] and event["starts_at"] and event["cancelled"] is False
    announcement = page["announcements"][0]
    assert announcement["title"] == "Kit day" and announcement["body"] == "Bring socks"
    assert announcement["ack_required"] and announcement["acknowledged"] is False
    assert [o["label"] for o in page["polls"][0]["options"]] == ["Pizza", "Pasta"] and page["polls"][0]["my_vote"] == []
    assert page["tasks"][0]["assigned_to_me"] is True and page["tasks"][0]["status"] == "open"
    thread = page["threads"][0]
    assert thread["title"] == "Carpool" and thread["message_count"] == 1 and thread["body"] == "Who drives on Saturday?"
    actions = {a["id"]: a for a in page["actions"]}
    assert set(actions) == {f"rsvp:{made['event']['id']}", f"acknowledge:{made['announcement']['id']}",
                            f"vote:{made['poll']['id']}", f"task:{made['task']['id']}"}
    rsvp = actions[f"rsvp:{made['event']['id']}"]
    assert rsvp["kind"] == "rsvp" and rsvp["title"] == "Saturday match" and rsvp["due_at"]
    assert rsvp["object"] == {"type": "event", "id": made["event"]["id"]} and rsvp["url"] == event["url"]
    # The other group's event is nowhere, not even its name.
    assert "Secret meeting" not in json.dumps(page) and made["secret"]["id"] not in json.dumps(page)
    assert world.other_group["id"] not in json.dumps(page)


def test_a_token_reads_only_its_scopes_and_chat_bodies_only_with_read_threads(client, call, world):
    made = call(_objects, world)
    token = make_token(call, world.people["member"], ["read:events"])
    page = sync(client, token)
    assert ids(page, "events") == {made["event"]["id"]}
    assert page["announcements"] == [] and page["polls"] == [] and page["tasks"] == [] and page["files"] == []
    assert [a["kind"] for a in page["actions"]] == ["rsvp"]
    assert "Kit day" not in json.dumps(page)
    thread = page["threads"][0]
    assert thread["title"] == "Carpool" and "body" not in thread
    assert "Who drives" not in json.dumps(page)


def test_paging_walks_everything_with_has_more(client, call, world):
    call(_objects, world)
    token = make_token(call, world.people["member"])
    whole = sync(client, token)
    pages, cursor = walk(client, token, limit=2)
    assert len(pages) >= 3 and all(p["has_more"] for p in pages[:-1])
    for page in pages:
        assert sum(len(page[name]) for name in LISTS if name != "actions") + len(page["tombstones"]) <= 2
    for name in LISTS:
        assert set().union(*(ids(p, name) for p in pages)) == ids(whole, name), name
    assert len({p["cursor"] for p in pages}) == len(pages)  # every page moves on
    # The walked cursor and the one-page cursor both say "nothing new".
    assert not any(sync(client, token, since=cursor)[name] for name in LISTS)


def test_a_second_sync_is_empty_and_then_brings_only_what_changed(client, call, world):
    made = call(_objects, world)
    token = make_token(call, world.people["member"])
    first = sync(client, token)
    again = sync(client, token, since=first["cursor"])
    assert not any(again[name] for name in LISTS) and again["tombstones"] == []
    assert again["cursor"] == first["cursor"] and again["has_more"] is False
    assert again["groups"] == first["groups"]

    admin = call(world.people["admin"].actor)
    new = call(events.event_create, admin, world.group["id"], EventInput(
        title="Parents' evening", starts_at=(now() + timedelta(days=5)).isoformat(), rsvp_required=True))
    later = sync(client, token, since=again["cursor"])
    assert ids(later, "events") == {new["id"]} and later["announcements"] == [] and later["polls"] == []
    assert ids(later, "actions") == {f"rsvp:{new['id']}"} and later["tombstones"] == []
    assert later["cursor"] != again["cursor"]

    call(events.event_delete, admin, made["event"]["id"])
    gone = sync(client, token, since=later["cursor"])
    assert gone["events"] == []
    assert {(t["type"], t["id"]) for t in gone["tombstones"]} == {("event", made["event"]["id"]),
                                                                  ("action", f"rsvp:{made['event']['id']}")}
    assert {t["reason"] for t in gone["tombstones"]} == {"deleted"}


def test_answering_with_the_token_takes_the_action_back(client, call, world):
    made = call(_objects, world)
    token = make_token(call, world.people["member"])
    first = sync(client, token)
    event_id, poll = made["event"]["id"], made["poll"]
    answer = bearer(client, token, f"/api/events/{event_id}/rsvp", "POST", status="yes")
    assert answer.status_code == 200, answer.text
    vote = bearer(client, token, f"/api/polls/{poll['id']}/vote", "POST", option_ids=[poll["options"][0]["id"]])
    assert vote.status_code == 200, vote.text
    ack = bearer(client, token, f"/api/announcements/{made['announcement']['id']}/ack", "POST")
    assert ack.status_code == 200, ack.text
    after = sync(client, token, since=first["cursor"])
    event = {e["id"]: e for e in after["events"]}[event_id]
    assert event["my_rsvp"] == "yes" and event["counts"]["yes"] == 1
    assert {p["id"]: p for p in after["polls"]}[poll["id"]]["my_vote"] == [poll["options"][0]["id"]]
    assert {a["id"]: a for a in after["announcements"]}[made["announcement"]["id"]]["acknowledged"] is True
    taken_back = {t["id"] for t in after["tombstones"] if t["type"] == "action"}
    assert taken_back == {f"rsvp:{event_id}", f"vote:{poll['id']}", f"acknowledge:{made['announcement']['id']}"}
    assert after["actions"] == []


def test_someone_elses_answer_updates_the_counts(client, call, world, as_person, csrf):
    made = call(_objects, world)
    token = make_token(call, world.people["member"])
    first = sync(client, token)
    as_person(world.people["moderator"])
    client.post(f"/api/events/{made['event']['id']}/rsvp", json={"status": "maybe"}, headers=csrf(client))
    after = sync(client, token, since=first["cursor"])
    assert [e["counts"]["maybe"] for e in after["events"]] == [1]
    assert after["actions"][0]["id"] == f"rsvp:{made['event']['id']}"  # still mine to answer


@pytest.mark.parametrize("how", ["left", "removed"])
def test_a_member_who_leaves_or_is_removed_loses_the_group(client, call, world, how):
    call(_objects, world)
    token = make_token(call, world.people["member"])
    first = sync(client, token)
    if how == "left":
        call(groups.group_leave, call(world.people["member"].actor), world.group["id"])
    else:
        call(groups.member_remove, call(world.owner.actor), world.group["id"], world.member_id("member"))
    after = sync(client, token, since=first["cursor"])
    assert after["tombstones"] == [{"type": "group", "id": world.group["id"], "reason": "access_lost"}]
    assert after["groups"] == [] and not any(after[name] for name in LISTS)
    quiet = sync(client, token, since=after["cursor"])
    assert quiet["tombstones"] == []


def test_an_item_that_stays_here_is_a_stub(client, call, world, as_person, csrf):
    admin = call(world.people["admin"].actor)
    soon = (now() + timedelta(days=3)).isoformat()
    event = call(events.event_create, admin, world.group["id"], EventInput(
        title="Confidential board meeting", starts_at=soon, location="Room 12", rsvp_required=True,
        stays_here=True))
    as_person(world.people["admin"])
    note = client.post(f"/api/groups/{world.group['id']}/announcements", headers=csrf(client),
                       json={"title": "Private salary list", "body": "numbers", "ack_required": True,
                             "stays_here": True})
    assert note.status_code == 201 and note.json()["stays_here"] is True
    token = make_token(call, world.people["member"])
    page = sync(client, token)
    text = json.dumps(page)
    assert "Confidential" not in text and "Room 12" not in text and "salary" not in text
    assert page["events"] == [{"id": event["id"], "group": {"id": world.group["id"], "name": world.group["name"]},
                               "url": f"http://127.0.0.1:8000/events/{event['id']}",
                               "updated_at": page["events"][0]["updated_at"], "stub": True}]
    assert page["announcements"][0]["stub"] is True and set(page["announcements"][0]) == {
        "id", "group", "url", "updated_at", "stub"}
    action = {a["id"]: a for a in page["actions"]}[f"rsvp:{event['id']}"]
    assert action["stub"] is True and "title" not in action and action["url"].endswith(f"/events/{event['id']}")


def test_tokens_that_are_unknown_expired_or_revoked_are_401(client, call, world):
    member = call(world.people["member"].actor)

    async def expired():
        with clock_at(now() - timedelta(days=10)):
            return (await tokens.token_create(member, ["read:events"], 1))[1]

    old = call(expired)
    row, revoked = call(tokens.token_create, member, ["read:events"])
    call(tokens.token_revoke, member, row["id"])
    for token in (old, revoked, "gbt_not-a-token-at-all"):
        response = bearer(client, token)
        assert response.status_code == 401 and response.json()["status_code"] == 401, token
        assert "token" in response.json()["detail"]
    assert bearer(client, None).status_code == 401


def test_a_session_cookie_does_not_open_the_sync(client, call, world, as_person):
    token = make_token(call, world.people["member"])
    as_person(world.people["member"])
    assert client.get("/api/sync").status_code == 401
    both = client.get("/api/sync", headers={"authorization": f"Bearer {token}"})
    assert both.status_code == 400 and "not both" in both.json()["detail"]


def test_a_tampered_or_foreign_cursor_is_400_and_a_bad_limit_422(client, call, world):
    call(_objects, world)
    token = make_token(call, world.people["member"])
    other = make_token(call, world.people["member"])
    cursor = sync(client, token)["cursor"]
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    forged = base64.urlsafe_b64encode(raw[:12] + raw[12:].replace(b'"g":{', b'"g":{"x":1,')).rstrip(b"=").decode()
    for bad in (forged, cursor[:-3], "not*base64", "AAAA"):
        response = bearer(client, token, since=bad)
        assert response.status_code == 400, bad
        assert "from the start" in response.json()["detail"]
    assert bearer(client, other, since=cursor).status_code == 400  # another token's position
    for limit in ("0", "1001", "many"):
        response = bearer(client, token, limit=limit)
        assert response.status_code == 422 and response.json()["errors"].get("limit")


def test_using_the_token_is_noted_at_most_once_a_minute(client, call, world):
    token = make_token(call, world.people["member"])
    sync(client, token)
    first = call(tokens.tokens_list, call(world.people["member"].actor))[0]["last_used_at"]
    assert first is not None
    sync(client, token)
    assert call(tokens.tokens_list, call(world.people["member"].actor))[0]["last_used_at"] == first


def test_act_routes_take_a_token_within_its_scopes(client, call, world, as_person, csrf):
    made = call(_objects, world)
    reader = make_token(call, world.people["member"], ["read:events", "read:polls", "read:announcements"])
    actor = make_token(call, world.people["member"])
    event_id = made["event"]["id"]
    refused = bearer(client, reader, f"/api/events/{event_id}/rsvp", "POST", status="yes")
    assert refused.status_code == 403
    poll = made["poll"]
    assert bearer(client, reader, f"/api/polls/{poll['id']}/vote", "POST",
                  option_ids=[poll["options"][0]["id"]]).status_code == 403
    assert bearer(client, reader, f"/api/announcements/{made['announcement']['id']}/ack", "POST").status_code == 403
    # Outside the token's groups: not found, whatever the scope.
    assert bearer(client, actor, f"/api/events/{made['secret']['id']}/rsvp", "POST", status="yes").status_code == 404
    assert bearer(client, actor, f"/api/events/{event_id}/rsvp", "POST", status="maybe").status_code == 200
    # Every other route is no one's with a token.
    group = world.group["id"]
    assert bearer(client, actor, f"/api/groups/{group}/events", "POST", title="x",
                  starts_at=now().isoformat()).status_code == 401
    assert bearer(client, actor, f"/api/events/{event_id}").status_code == 401
    assert bearer(client, actor, f"/api/polls/{poll['id']}/close", "POST").status_code == 401


def test_a_file_is_metadata_with_a_download_link_and_acknowledging_it_works(client, call, world, as_person, csrf):
    as_person(world.people["admin"])
    upload = client.post(f"/api/groups/{world.group['id']}/files", headers=csrf(client),
                         files={"file": ("rules.pdf", b"%PDF-1.4 rules", "application/pdf")},
                         data={"ack_required": "1"})
    assert upload.status_code == 201, upload.text
    file_id = upload.json()["id"]
    token = make_token(call, world.people["member"])
    page = sync(client, token)
    item = page["files"][0]
    assert item["name"] == "rules.pdf" and item["size"] == len(b"%PDF-1.4 rules") and item["ack_required"]
    assert item["download_url"] == f"http://127.0.0.1:8000/files/{file_id}/download"
    assert f"acknowledge:{file_id}" in ids(page, "actions")
    done = bearer(client, token, f"/api/files/{file_id}/ack", "POST")
    assert done.status_code == 200, done.text
    after = sync(client, token, since=page["cursor"])
    assert after["files"][0]["acknowledged"] is True
    assert {"type": "action", "id": f"acknowledge:{file_id}", "reason": "done"} in after["tombstones"]


def test_stays_here_is_set_in_the_forms_and_the_upload_and_shown_on_the_pages(client, call, world, as_person, csrf):
    as_person(world.people["admin"])
    group = world.group["id"]
    form = client.post(f"/groups/{group}/events/new", headers=csrf(client), follow_redirects=False, data={
        "title": "Board dinner", "starts_at": (now() + timedelta(days=4)).strftime("%Y-%m-%dT%H:%M"),
        "stays_here": "1"})
    assert form.status_code == 303, form.text
    event_id = form.headers["location"].split("/events/")[1].split("?")[0]
    assert "Stays on this server" in client.get(f"/events/{event_id}").text
    assert 'name="stays_here"' in client.get(f"/events/{event_id}/edit").text
    upload = client.post(f"/api/groups/{group}/files", headers=csrf(client),
                         files={"file": ("minutes.txt", b"board minutes", "text/plain")}, data={"stays_here": "1"})
    assert upload.status_code == 201 and upload.json()["stays_here"] is True
    plain = client.post(f"/api/groups/{group}/files", headers=csrf(client),
                        files={"file": ("menu.txt", b"soup", "text/plain")})
    assert plain.json()["stays_here"] is False
    file_page = client.get(f"/files/{upload.json()['id']}").text
    assert "Stays on this server" in file_page
    assert "Stays on this server" not in client.get(f"/files/{plain.json()['id']}").text
    assert 'name="stays_here"' in client.get(f"/groups/{group}/files").text
    token = make_token(call, world.people["member"])
    page = sync(client, token)
    files = {f["id"]: f for f in page["files"]}
    assert files[upload.json()["id"]]["stub"] is True and "minutes" not in json.dumps(page)
    assert files[plain.json()["id"]]["name"] == "menu.txt"
    assert {e["id"]: e for e in page["events"]}[event_id] == {
        "id": event_id, "group": {"id": group, "name": world.group["name"]},
        "url": f"http://127.0.0.1:8000/events/{event_id}", "updated_at": page["events"][0]["updated_at"], "stub": True}
    # Marking it later turns the synced copy into a stub; clearing the flag brings the content back.
    made = call(events.event_create, call(world.people["admin"].actor), group, EventInput(
        title="Summer party", starts_at=(now() + timedelta(days=9)).isoformat()))
    first = sync(client, token, since=page["cursor"])
    assert first["events"][0]["title"] == "Summer party"
    patched = client.patch(f"/api/events/{made['id']}", json={"stays_here": True}, headers=csrf(client))
    assert patched.status_code == 200 and patched.json()["stays_here"] is True
    second = sync(client, token, since=first["cursor"])
    assert second["events"][0]["stub"] is True and "Summer" not in json.dumps(second)


def test_the_actions_are_the_group_servers_needs_me(client, call, world, as_person, csrf):
    """Same kinds, titles and deadlines as the member's home page here (domain/actions)."""
    from tests.factories import needs

    made = call(_objects, world)
    admin = call(world.people["admin"].actor)
    group = world.group["id"]
    call(events.event_create, admin, group, EventInput(
        title="Cancelled trip", rsvp_required=True, starts_at=(now() + timedelta(days=6)).isoformat()))
    trip = call(events.event_create, admin, group, EventInput(
        title="Trip", rsvp_required=True, starts_at=(now() + timedelta(days=8)).isoformat(),
        rsvp_deadline=(now() + timedelta(days=7)).isoformat()))
    call(events.event_cancel, admin, trip["id"])
    closed = call(polls.poll_create, admin, group, PollCreate(question="Closed?", options=["a", "b"]))
    call(polls.poll_close, admin, closed["id"])
    samir = call(world.people["member"].actor)
    call(announcements.announcement_create, admin, group, AnnouncementCreate(title="Read me", body="x", ack_required=True))
    call(tasks.task_set_status, samir, made["task"]["id"], "doing")
    as_person(world.people["admin"])
    client.post(f"/api/groups/{group}/files", headers=csrf(client), data={"ack_required": "1"},
                files={"file": ("rules.txt", b"rules", "text/plain")})
    token = make_token(call, world.people["member"])
    page = sync(client, token)
    expected = {f"{item.kind}:{item.id}": item for item in call(needs, samir)
                if item.kind in ("rsvp", "vote", "task", "acknowledge")}
    synced = {a["id"]: a for a in page["actions"]}
    assert set(synced) == set(expected) and len(synced) == 7
    for key, item in expected.items():
        assert synced[key]["title"] == item.title and synced[key]["kind"] == item.kind
        assert synced[key]["due_at"] == (item.due_at.isoformat() if item.due_at else None)


def test_the_tokens_page_says_when_a_token_was_last_used(client, call, world, as_person):
    token = make_token(call, world.people["member"])
    as_person(world.people["member"])
    assert "last used" not in client.get("/me/tokens").text
    sync(client, token)
    assert "last used" in client.get("/me/tokens").text


def test_a_sync_without_changes_loads_no_object(client, call, world, monkeypatch):
    from groupbox.domain.remote import sync as service

    call(_objects, world)
    token = make_token(call, world.people["member"])
    cursor = walk(client, token)[1]

    async def must_not_run(*args, **kwargs):
        raise AssertionError("a no-change sync read objects")

    monkeypatch.setattr(service, "_changes", must_not_run)
    monkeypatch.setattr(service, "_fill", must_not_run)
    quiet = sync(client, token, since=cursor)
    assert quiet["cursor"] == cursor and not any(quiet[name] for name in LISTS)


def test_paging_crosses_groups_and_each_group_keeps_its_own_position(client, call, world):
    from tests.factories import join

    made = call(_objects, world)
    call(join, world.people["member"], world.other_group["id"], "Samir K.", admin=world.outsider)
    token = make_token(call, world.people["member"])
    pages, cursor = walk(client, token, limit=1)
    seen = set().union(*(ids(p, "events") for p in pages))
    assert {made["event"]["id"], made["secret"]["id"]} <= seen
    assert {g["id"] for g in pages[-1]["groups"]} == {world.group["id"], world.other_group["id"]}
    outsider = call(world.outsider.actor)
    later = call(events.event_create, outsider, world.other_group["id"], EventInput(
        title="Garden day", starts_at=(now() + timedelta(days=3)).isoformat()))
    after = sync(client, token, since=cursor)
    assert ids(after, "events") == {later["id"]} and after["groups"] == pages[-1]["groups"]


def test_a_member_made_a_guest_loses_the_actions_and_gets_them_back(client, call, world):
    made = call(_objects, world)
    token = make_token(call, world.people["member"])
    first = sync(client, token)
    assert f"rsvp:{made['event']['id']}" in ids(first, "actions")
    owner = call(world.owner.actor)
    call(groups.member_set_role, owner, world.group["id"], world.member_id("member"), "guest")
    demoted = walk(client, token, since=first["cursor"])
    taken_back = {t["id"] for p in demoted[0] for t in p["tombstones"] if t["type"] == "action"}
    assert {f"rsvp:{made['event']['id']}", f"vote:{made['poll']['id']}",
            f"acknowledge:{made['announcement']['id']}"} <= taken_back
    assert not any(a["kind"] != "task" for p in demoted[0] for a in p["actions"])
    assert made["event"]["id"] in set().union(*(ids(p, "events") for p in demoted[0]))
    call(groups.member_set_role, owner, world.group["id"], world.member_id("member"), "member")
    again = sync(client, token, since=demoted[1])
    assert f"rsvp:{made['event']['id']}" in ids(again, "actions")


def test_long_texts_make_smaller_pages_not_one_too_big(client, call, world, monkeypatch):
    from groupbox.domain.remote import sync as service

    monkeypatch.setattr(service, "MAX_PAGE_BYTES", 30_000)
    admin = call(world.people["admin"].actor)
    made = [call(announcements.announcement_create, admin, world.group["id"], AnnouncementCreate(
        title=f"Minutes {n}", body="Ü" * 9_000, ack_required=True))["id"] for n in range(6)]
    token = make_token(call, world.people["member"])
    pages, cursor, sizes = [], None, []
    while cursor is None or pages[-1]["has_more"]:
        response = bearer(client, token, **({"since": cursor} if cursor else {}))
        sizes.append(len(response.content))
        pages.append(response.json())
        cursor = pages[-1]["cursor"]
    assert len(pages) >= 3 and max(sizes) <= 30_000, sizes  # each 9,000 "Ü" is 18 KB of UTF-8
    assert set().union(*(ids(p, "announcements") for p in pages)) == set(made)
    assert set().union(*(ids(p, "actions") for p in pages)) == {f"acknowledge:{i}" for i in made}
    assert all(len(p["actions"]) == len(p["announcements"]) for p in pages)


def test_a_first_sync_in_pages_takes_back_what_changed_meanwhile_and_skips_old_deletions(client, call, world):
    admin = call(world.people["admin"].actor)
    group = world.group["id"]
    soon = (now() + timedelta(days=2)).isoformat()
    old = call(events.event_create, admin, group, EventInput(title="Old", starts_at=soon, rsvp_required=True))
    call(events.event_delete, admin, old["id"])
    made = [call(events.event_create, admin, group, EventInput(title=f"Match {n}", starts_at=soon, rsvp_required=True))
            for n in range(3)]
    token = make_token(call, world.people["member"])
    page = sync(client, token, limit=1)
    assert ids(page, "events") == {made[0]["id"]} and page["has_more"]
    assert ids(page, "actions") == {f"rsvp:{made[0]['id']}"} and page["tombstones"] == []
    assert bearer(client, token, f"/api/events/{made[0]['id']}/rsvp", "POST", status="no").status_code == 200
    pages, _cursor = walk(client, token, since=page["cursor"], limit=1)
    tombstones = [t for p in pages for t in p["tombstones"]]
    assert tombstones == [{"type": "action", "id": f"rsvp:{made[0]['id']}", "reason": "done"}]
    assert old["id"] not in json.dumps(pages)
    again = [e for p in pages for e in p["events"] if e["id"] == made[0]["id"]]
    assert again and again[-1]["my_rsvp"] == "no"


def test_when_someone_who_answered_leaves_the_counts_follow(client, call, world, as_person, csrf):
    made = call(_objects, world)
    token = make_token(call, world.people["member"])
    as_person(world.people["moderator"])
    client.post(f"/api/events/{made['event']['id']}/rsvp", json={"status": "yes"}, headers=csrf(client))
    first = sync(client, token)
    assert first["events"][0]["counts"]["yes"] == 1
    call(groups.group_leave, call(world.people["moderator"].actor), world.group["id"])
    after = sync(client, token, since=first["cursor"])
    assert [e["counts"]["yes"] for e in after["events"]] == [0]


def test_a_token_cannot_answer_an_item_that_stays_here(client, call, world, config):
    admin = call(world.people["admin"].actor)
    kept = call(events.event_create, admin, world.group["id"], EventInput(
        title="Board vote", rsvp_required=True, starts_at=(now() + timedelta(days=2)).isoformat(),
        stays_here=True))
    note = call(announcements.announcement_create, admin, world.group["id"], AnnouncementCreate(
        title="Salaries", body="numbers", ack_required=True, stays_here=True))
    token = make_token(call, world.people["member"])
    for path, body in ((f"/api/events/{kept['id']}/rsvp", {"status": "yes"}),
                       (f"/api/announcements/{note['id']}/ack", {})):
        refused = bearer(client, token, path, "POST", **body)
        assert refused.status_code == 403 and config.name in refused.json()["detail"], path
        assert "Board vote" not in refused.text and "numbers" not in refused.text
    # The member answers on this server itself, with their session.
    from groupbox.domain.objects import rsvps

    assert call(rsvps.rsvp, call(world.people["member"].actor), kept["id"], "yes")["rsvp"]["status"] == "yes"
