"""Every route, with wrong input, as a member and as an admin: a clear 4xx, never a 500.

The sweep walks the app's own route table, so a route added later is swept too. Path parameters
are filled with real objects of the world (so handlers get past their 404 and read the input),
and each route gets junk query strings, junk JSON and junk form bodies. Bounded: one pass per
route × method × body, in one process.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from groupbox.db.engine import DB
from groupbox.util import now

JUNK_QUERY = {
    "days": "many", "past": "maybe", "m": "2026-99", "before": "not-a-date", "after": "\x00", "q": "<script>x",
    "from": "soon", "to": "later", "limit": "99999999999999999999999", "offset": "-5", "sender": "a" * 3000,
    "language": "tlh", "tone": "shouting", "t": "bad-token", "next": "https://evil.example/", "status": "perhaps",
    "page": "-1", "kind": "?", "date_order": "ymd", "format": "exe", "view": "../../etc/passwd",
}
JUNK_JSON = [
    {},
    {"title": None, "body": 5, "starts_at": "yesterday-ish", "status": "perhaps", "option_ids": "one",
     "slots": "many", "scopes": 7, "group_ids": [None], "role": "emperor", "max_uses": -3, "language": ["de"],
     "expected_size": "lots", "timezone": "Mars/Olympus", "emoji": "<b>", "assignee_ids": {"x": 1}},
    ["not", "an", "object"],
    {"title": "x" * 20000, "name": "y" * 20000, "display_name": "\u202e" * 300, "body": "z" * 200000},
]
JUNK_FORM = {
    "title": "", "display_name": "   ", "starts_at": "31/31/2031 25:61", "ends_at": "x", "status": "perhaps",
    "option_ids": "not-an-option", "role": "emperor", "max_uses": "-1", "expires_in_hours": "soon",
    "guests": "-4", "expected_size": "twelve", "language": "xx", "tone": "shouting", "capacity": "zero",
    "readonly_from": "someday", "due_at": "later", "timezone": "Nowhere/Land", "email": "not-an-address",
    "emoji": "<script>", "next": "//evil.example", "label": "x" * 5000, "scopes": "root", "date_order": "ymd",
}


def _objects(call, world, config, role):
    """One object of each kind in the member's group, made by its admin through the services."""
    from groupbox.domain.files.storage import store_file
    from groupbox.domain.groups import invites
    from groupbox.domain.objects import announcements, events, polls, signups, tasks, threads

    async def make():
        admin = await world.people["admin"].actor()
        gid = world.group["id"]
        start = now() + timedelta(days=3)
        event = await events.event_create(admin, gid, title="Match", starts_at=start, rsvp_required=True)
        announcement = await announcements.announcement_create(admin, gid, title="Kit", official=True,
                                                              ack_required=True)
        poll = await polls.poll_create(admin, gid, "Snacks?", ["Apples", "Bananas"])
        sheet = await signups.signup_create(admin, gid, "Helpers", [{"label": "Drive", "capacity": 2}])
        task = await tasks.task_create(admin, gid, "Wash kit", assignee_ids=[world.member_id("member")])
        thread = await threads.thread_create(admin, gid, "Carpool", "Who drives?")
        message = await DB.fetchone("SELECT id FROM message WHERE thread_id = ?", thread["id"])
        invite, token = await invites.invite_create(admin, gid)

        async def pdf():
            yield b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

        file = await store_file(gid, world.member_id("admin"), "Schedule.pdf", pdf(), config=config,
                                ack_required=True)
        device = await DB.fetchone("SELECT id FROM device WHERE profile_id = ?", world.people[role].profile_id)
        return {
            "group_id": gid, "event_id": event["id"], "announcement_id": announcement["id"], "poll_id": poll["id"],
            "signup_id": sheet["id"], "slot_id": sheet["slots"][0]["id"], "task_id": task["id"],
            "thread_id": thread["id"], "message_id": message["id"], "invite_id": invite["id"],
            "member_id": world.member_id("member"), "file_id": file["id"], "device_id": device["id"],
            "token": token,
        }

    return call(make)


# Routes that take something away run after the rest, and those that end the caller's own
# membership or session run last of all.
TAKES_AWAY = re.compile(r"delete|remove|revoke|reset|transfer|close|cancel")
ENDS_MINE = re.compile(r"/leave|signout|/me/devices|/devices/")


def _routes(app) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if route.path.startswith(("/api/schema", "/static")):
            continue
        for handler in getattr(route, "route_handlers", []):
            found += [(method, route.path) for method in handler.http_methods if method not in ("OPTIONS", "HEAD")]

    def order(item: tuple[str, str]) -> tuple[int, str, str]:
        method, path = item
        if ENDS_MINE.search(path) and method != "GET":
            return 2, path, method
        return (1 if method == "DELETE" or TAKES_AWAY.search(path) else 0), path, method

    return sorted(found, key=order)


def _fill(path: str, ids: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        return ids.get(name, "no-such-" + name.replace("_", "-"))

    return re.sub(r"\{(\w+):[^}]+\}", value, path)


@pytest.mark.parametrize("role", ["member", "admin", "guest"])
def test_no_route_answers_wrong_input_with_a_server_error(role, app, config, client, call, world, as_person, csrf):
    ids = _objects(call, world, config, role)
    as_person(world.people[role])
    headers = csrf(client)
    failures = []
    for method, template in _routes(app):
        path = _fill(template, ids)
        attempts = [dict(params=JUNK_QUERY)]
        if method != "GET":
            attempts += [dict(json=body) for body in JUNK_JSON]
            attempts += [dict(data=JUNK_FORM), dict(content=b"\xff\xfe garbage", headers={"content-type": "application/json"})]
        for attempt in attempts:
            extra = attempt.pop("headers", {})
            response = client.request(method, path, headers={**headers, **extra}, follow_redirects=False, **attempt)
            if response.status_code >= 500 or "Traceback" in response.text:
                failures.append(f"{method} {template} {list(attempt)}: {response.status_code} {response.text[:200]}")
    assert not failures, "\n".join(failures)
