"""Every route, with wrong input, as a member and as an admin: a clear 4xx, never a 500.

The sweep walks the app's own route table, so a route added later is swept too. Path parameters
are filled with real objects of the world (so handlers get past their 404 and read the input),
and each route gets junk query strings, junk JSON and junk form bodies. Bounded: one pass per
route × method × body, in one process.

Beside junk, values that parse but do not fit: integers past SQLite's 64-bit range, and the
years 1 and 9999 (they overflow when moved to UTC or by a day). Those must answer 422 naming the
field, so each is sent in an otherwise sensible body where the fields a form reads together take
turns, and every route reaches each one past its other checks.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from groupbox.db.engine import DB
from groupbox.domain.groups.schemas import InviteOptions
from groupbox.domain.objects.schemas import EventInput
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

HUGE = 2**64 - 1  # a JSON int msgspec accepts, past SQLite's signed 64 bits
LOW, HIGH = "0001-01-01T00:00", "9999-12-31T23:59"
# One query key at a time: the archive reads `before` before `after`, and `from` before `to`.
RANGE_QUERIES = [
    {"before": str(HUGE)}, {"after": f"-{HUGE}"}, {"limit": str(HUGE), "days": str(HUGE), "m": "9999-12"},
    {"from": "0001-01-01"}, {"to": "9999-12-31"}, {"from": LOW + "+14:00"}, {"to": HIGH + "-14:00"},
    {"before": HIGH},
]
# Fields one form reads together, in the order it checks them; body n sets the n-th of each.
SIBLINGS = [
    ("starts_at", "ends_at", "rsvp_deadline"), ("closes_at",), ("due_at",), ("readonly_from",),
    ("max_uses", "expires_in_hours"), ("guests",), ("capacity",), ("expected_size",), ("expires_in_days",),
]
DATE_FIELDS = {"starts_at", "ends_at", "rsvp_deadline", "closes_at", "due_at", "readonly_from"}


def _sensible(ids: dict | None = None) -> dict:
    soon = now() + timedelta(days=10)
    return {
        "title": "Range", "question": "Which?", "options": ["One", "Two"], "body": "Hello", "name": "Range",
        "display_name": "Range", "label": "Range", "status": "yes", "starts_at": soon.isoformat(),
        "ends_at": (soon + timedelta(hours=2)).isoformat(), "rsvp_deadline": (soon - timedelta(days=1)).isoformat(),
        "closes_at": soon.isoformat(), "due_at": soon.isoformat(), "readonly_from": soon.date().isoformat(),
        "legacy_channel": True, "thread_id": (ids or {}).get("thread_id", ""),
        "max_uses": 5, "expires_in_hours": 24, "guests": 1, "capacity": 2, "expected_size": 20,
        "expires_in_days": 30, "language": "en", "tone": "friendly", "scopes": ["read:events"],
    }


def _out_of_range_bodies(ids: dict) -> list[dict]:
    bodies = []
    for turn in range(max(len(group) for group in SIBLINGS)):
        for year, number in ((LOW, HUGE), (HIGH + "-14:00", -HUGE)):
            body = _sensible(ids)
            for group in SIBLINGS:
                if turn < len(group):
                    body[group[turn]] = year if group[turn] in DATE_FIELDS else number
            bodies.append(body)
    return bodies


def _as_form(body: dict) -> dict:
    return {k: "\n".join(v) if isinstance(v, list) else str(v) for k, v in body.items()}


def _short(sent) -> str:
    """What was sent: the out-of-range fields of a body, a query whole, the kind of junk otherwise."""
    if not isinstance(sent, dict):
        return repr(sent)[:60]
    odd = {k: v for k, v in sent.items() if str(v)[:4] in ("0001", "9999") or str(v).lstrip("-") == str(HUGE)}
    return repr(odd or sent)[:120]


def _objects(call, world, config, role):
    """One object of each kind in the member's group, made by its admin through the services."""
    from groupbox.domain.files.storage import store_file
    from groupbox.domain.groups import invites
    from groupbox.domain.objects import announcements, events, polls, signups, tasks, threads
    from groupbox.domain.objects.schemas import (
        AnnouncementCreate,
        PollCreate,
        SignupCreate,
        SlotInput,
        TaskCreate,
    )

    async def make():
        admin = await world.people["admin"].actor()
        gid = world.group["id"]
        start = now() + timedelta(days=3)
        event = await events.event_create(admin, gid, EventInput(title="Match", starts_at=start, rsvp_required=True))
        announcement = await announcements.announcement_create(admin, gid, AnnouncementCreate(
            title="Kit", official=True, ack_required=True))
        poll = await polls.poll_create(admin, gid, PollCreate(question="Snacks?", options=["Apples", "Bananas"]))
        sheet = await signups.signup_create(admin, gid, SignupCreate(title="Helpers", slots=[SlotInput(label="Drive", capacity=2)]))
        task = await tasks.task_create(admin, gid, TaskCreate(title="Wash kit", assignee_ids=[world.member_id("member")]))
        thread = await threads.thread_create(admin, gid, "Carpool", "Who drives?")
        message = await DB.fetchone("SELECT id FROM message WHERE thread_id = ?", thread["id"])
        invite, token = await invites.invite_create(admin, gid, InviteOptions())

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
        # Live streams (/live/...) never end by design; tests/api/test_live.py sends them bad input.
        if route.path.startswith(("/api/schema", "/static", "/live/")):
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
        attempts = [dict(params=JUNK_QUERY)] + [dict(params=query) for query in RANGE_QUERIES]
        if method != "GET":
            attempts += [dict(json=body) for body in JUNK_JSON]
            attempts += [dict(data=JUNK_FORM), dict(content=b"\xff\xfe garbage", headers={"content-type": "application/json"})]
            for body in _out_of_range_bodies(ids):
                attempts += [dict(json=body), dict(data=_as_form(body))]
        for attempt in attempts:
            extra = attempt.pop("headers", {})
            response = client.request(method, path, headers={**headers, **extra}, follow_redirects=False, **attempt)
            if response.status_code >= 500 or "Traceback" in response.text:
                sent = attempt.get("params") or attempt.get("json") or attempt.get("data")
                failures.append(f"{method} {template} {_short(sent)}: {response.status_code} {response.text[:80]!r}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("method, path, sent, field", [
    ("POST", "/api/groups/{group_id}/events", {"title": "Match", "starts_at": LOW}, "starts_at"),
    ("POST", "/api/groups/{group_id}/events", {"title": "Match", "starts_at": HIGH}, "starts_at"),
    ("POST", "/api/groups/{group_id}/events", {"title": "Match", "starts_at": "2030-05-04T10:00",
                                               "rsvp_deadline": LOW}, "rsvp_deadline"),
    ("POST", "/api/groups/{group_id}/events", {"title": "Match", "starts_at": "2030-05-04T10:00",
                                               "ends_at": HIGH + "-14:00"}, "ends_at"),
    ("PATCH", "/api/events/{event_id}", {"starts_at": LOW + "+14:00"}, "starts_at"),
    ("POST", "/api/groups/{group_id}/polls", {"question": "Snacks?", "options": ["A", "B"], "closes_at": HIGH},
     "closes_at"),
    ("POST", "/api/groups/{group_id}/tasks", {"title": "Wash kit", "due_at": "0001-01-01"}, "due_at"),
    ("PATCH", "/api/threads/{thread_id}", {"legacy_channel": True, "readonly_from": HIGH}, "readonly_from"),
    ("GET", "/api/groups/{group_id}/archive", {"before": str(HUGE)}, "before"),
    ("GET", "/api/groups/{group_id}/archive", {"after": str(2**63)}, "after"),
    ("GET", "/api/groups/{group_id}/archive", {"from": "0001-01-01"}, "from"),
    ("GET", "/api/groups/{group_id}/archive", {"to": "9999-12-31"}, "to"),
    ("GET", "/api/home/calendar", {"from": LOW}, "from"),
    ("GET", "/api/home/calendar", {"to": HIGH + "-14:00"}, "to"),
])
def test_admin_typing_a_date_in_year_1_or_9999_or_a_huge_number_is_told_which_field(
        method, path, sent, field, config, client, call, world, as_person, csrf):
    ids = _objects(call, world, config, "admin")
    as_person(world.people["admin"])
    url = _fill(path.replace("}", ":str}"), ids)
    if method == "GET":
        response = client.get(url, params=sent)
    else:
        response = client.request(method, url, json=sent, headers=csrf(client))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["status_code"] == 422 and body["detail"] and field in body["errors"], body
