"""SPEC §6.7 as one table: every mutating /api/ route (and the reads beside them) × every role,
through the HTTP API.

Statuses: 2xx allowed; 403 visible but not allowed; 404 not visible (another group's member);
401 without a session. This module holds the harness, the rows for groups, invites and members,
and `test_every_mutating_route_has_a_row`, which fails for a route no table lists. The rows of
other areas live beside them: test_permissions_events.py (events, announcements),
test_permissions_actions.py (tasks, polls, sign-ups), test_permissions_content.py (files,
discussions).

Each module runs one app and builds one world (tests/factories.py) for all its tests; every
call acts on targets made fresh for it, so a success that consumes its target (a delete, a
removal, leaving) never spoils the next role. Tests that change the group itself take a world
of their own (`instance.fresh()`).
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import string
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from groupbox.domain.groups import invites
from groupbox.domain.groups import service as groups
from groupbox.domain.groups.schemas import InviteOptions
from tests import pg
from tests.conftest import csrf_headers
from tests.factories import Person, World, build_world, join

ROLES = ["owner", "admin", "moderator", "member", "guest", "outsider", "anonymous"]
EVERYONE = frozenset({"owner", "admin", "moderator", "member", "guest"})
NOT_GUESTS = EVERYONE - {"guest"}  # RSVP, vote, comment, acknowledge, own tasks, tokens
MODERATORS = frozenset({"owner", "admin", "moderator"})  # official objects (members: group setting)
ADMINS = frozenset({"owner", "admin"})  # invites, members, settings, migration
OK = {200, 201, 204}


@dataclass(frozen=True)
class Upload:
    """A multipart body: one file in the field `file`."""

    name: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Row:
    action: str
    method: str
    path: str  # `{name}`s filled from the module's targets: {group}, {member}, {event}, ...
    body: Any  # JSON (its strings are filled too), an Upload, or None
    allowed: frozenset[str]  # roles answered 2xx
    # A role's answer that is a rule of the state, not of permission (the owner cannot leave).
    otherwise: Mapping[str, int] = field(default_factory=dict)
    # Act as someone of the role who joined just for this call (the call uses them up).
    fresh_person: bool = False


def expected(row: Row, role: str) -> set[int]:
    if role in row.otherwise:
        return {row.otherwise[role]}
    if role in row.allowed:
        return OK
    if role == "anonymous":
        return {401}
    return {404} if role == "outsider" else {403}


def _names(value: Any) -> set[str]:
    if isinstance(value, str):
        return {name for _text, name, _spec, _conv in string.Formatter().parse(value) if name}
    if isinstance(value, list | tuple):
        return set().union(*map(_names, value)) if value else set()
    if isinstance(value, dict):
        return _names(list(value.values()))
    return set()


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


# -- one app and one world per module ------------------------------------------------------------
@dataclass
class Instance:
    app: Any
    client: Any
    config: Any
    world: World

    def call(self, fn, *args, **kwargs):
        """`await fn(*args, **kwargs)` inside the app's event loop."""

        async def go():
            return await fn(*args, **kwargs)

        return self.client.blocking_portal.call(go)

    def as_person(self, person: Person | None):
        self.client.cookies.delete("gb_session")
        if person is not None:
            self.client.cookies.set("gb_session", person.session_token)
        return self.client

    def csrf(self) -> dict[str, str]:
        return csrf_headers(self.client)

    def fresh(self) -> Instance:
        """The same app with a world of its own, for a test that changes the group."""
        return dataclasses.replace(self, world=self.call(build_world))

    def person(self, role: str, fresh: bool = False) -> Person | None:
        if role == "anonymous":
            return None
        if role == "outsider":
            return self.world.outsider
        if fresh and role != "owner":  # there is one owner; what they try does not use them up
            return self.call(join, None, self.world.group["id"], f"New {role}", admin=self.world.owner, role=role)
        return self.world.people[role]

    def send(self, row: Row, names: dict[str, str]):
        path = _fill(row.path, names)
        if isinstance(row.body, Upload):
            upload = row.body
            return self.client.request(row.method, path, headers=self.csrf(),
                                       files={"file": (upload.name, upload.content, upload.content_type)})
        return self.client.request(row.method, path, json=_fill(row.body, names), headers=self.csrf())


@pytest.fixture(scope="module", name="instance")
def shared_instance(template_data, tmp_path_factory, postgres):
    """A running app on its own copy of the data folder, with one world, for a whole module. On
    PostgreSQL the copy gets its own database too (the template's folder names the template's)."""
    from litestar.testing import TestClient

    from groupbox.config import load_config
    from groupbox.web.app import create_app

    data = tmp_path_factory.mktemp("permissions") / "data"
    shutil.copytree(template_data, data)
    database = None
    if postgres is not None:
        database = postgres.create_database(template="groupbox_template")
        pg.point_data_dir(data, postgres.url(database))
    try:
        config = load_config(data, env={}).with_values(background_jobs=False)
        app = create_app(config)
        with TestClient(app=app, base_url="http://127.0.0.1:8000") as client:
            yield Instance(app, client, config, client.blocking_portal.call(build_world))
    finally:
        if database is not None:
            postgres.drop_database(database)


Targets = Callable[[Instance, str, set[str]], Awaitable[dict[str, str]]]


def check_row(instance: Instance, row: Row, targets: Targets) -> None:
    """Every role tries `row` on targets made for that one call; the answers must match the table."""
    wanted = _names(row.path) | _names(row.body)
    wrong = {}
    for role in ROLES:
        names = instance.call(targets, instance, role, wanted)
        instance.as_person(instance.person(role, fresh=row.fresh_person))
        response = instance.send(row, names)
        if response.status_code not in expected(row, role):
            wrong[role] = f"{response.status_code}, expected {sorted(expected(row, role))}: {response.text[:200]}"
        elif response.status_code >= 400:
            assert set(response.json()) >= {"detail", "status_code"}, f"{row.action} as {role}: {response.text}"
    assert not wrong, f"{row.action}: " + "; ".join(f"{role} got {answer}" for role, answer in wrong.items())


# -- groups, invites, members ---------------------------------------------------------------------
WHATSAPP_EXPORT = Upload("WhatsApp Chat with FC Kreuzberg U12.txt",
                         b"13/01/24, 18:05 - Anna Schmidt: Welcome everyone!\n", "text/plain")

ACTIONS = [
    Row("view group", "GET", "/api/groups/{group}", None, EVERYONE),
    Row("list members", "GET", "/api/groups/{group}/members", None, EVERYONE),
    # Creating a group is for the server's owner and anyone who administers a group here: the
    # outsider is the admin of the other group.
    Row("create a group", "POST", "/api/groups", {"name": "Carpool"}, ADMINS | {"outsider"}),
    Row("edit group settings", "PATCH", "/api/groups/{group}", {"purpose": "new"}, ADMINS),
    Row("create invite", "POST", "/api/groups/{group}/invites", {"max_uses": 3}, ADMINS),
    Row("revoke invite", "DELETE", "/api/invites/{invite}", None, ADMINS),
    Row("approve a member", "POST", "/api/groups/{group}/members/{pending}/approve", None, ADMINS),
    Row("change a member's role", "PATCH", "/api/groups/{group}/members/{member}", {"role": "moderator"}, ADMINS),
    Row("reset a member's access", "POST", "/api/groups/{group}/members/{member}/reset-access", None, ADMINS),
    Row("remove a member", "DELETE", "/api/groups/{group}/members/{member}", None, ADMINS),
    # Resend access (SPEC §6.2) for a plain member; equal or higher roles: test_resend_access.py.
    Row("resend a member's access", "POST", "/api/groups/{group}/members/{member}/signin-link", None, ADMINS),
    Row("see who was removed", "GET", "/api/groups/{group}/members/removed", None, ADMINS),
    Row("let a removed member back in", "POST", "/api/groups/{group}/members/{removed}/let-back-in", None, ADMINS),
    Row("leave the group", "POST", "/api/groups/{group}/leave", None, EVERYONE,
        otherwise={"owner": 409}, fresh_person=True),  # the owner hands over ownership first
    Row("create a connection token for own membership", "POST", "/api/connection-tokens",
        {"scopes": ["read:events", "act:rsvp"], "group_ids": ["{group}"]}, NOT_GUESTS),
    Row("see the migration dashboard", "GET", "/api/groups/{group}/migration", None, ADMINS),
    Row("write reminder copy", "POST", "/api/groups/{group}/migration/reminder-copy", {"language": "de"}, ADMINS),
    Row("import a WhatsApp export", "POST", "/api/groups/{group}/migration/import-whatsapp-export",
        WHATSAPP_EXPORT, ADMINS),
    Row("search the chat archive", "GET", "/api/groups/{group}/archive", None, EVERYONE),
]


async def _targets(instance: Instance, role: str, wanted: set[str]) -> dict[str, str]:
    """What a row names, made by the owner for this call: a member, one waiting for approval,
    an invite."""
    world = instance.world
    group = world.group["id"]
    names = {"group": group}
    if "member" in wanted:
        names["member"] = (await join(None, group, f"Target for {role}", admin=world.owner)).member_ids[group]
    if "pending" in wanted:
        waiting = await join(None, group, f"Waiting for {role}", admin=world.owner, approval=True)
        names["pending"] = waiting.member_ids[group]
    if "invite" in wanted:
        invite, _token = await invites.invite_create(await world.owner.actor(), group, InviteOptions())
        names["invite"] = invite["id"]
    if "removed" in wanted:
        gone = (await join(None, group, f"Removed for {role}", admin=world.owner)).member_ids[group]
        await groups.member_remove(await world.owner.actor(), group, gone)
        names["removed"] = gone
    return names


@pytest.mark.parametrize("row", ACTIONS, ids=lambda r: r.action)
def test_permission_matrix(row, instance):
    check_row(instance, row, _targets)


def test_only_the_owner_transfers_ownership_and_nobody_demotes_the_owner(instance):
    instance = instance.fresh()
    world, client, csrf = instance.world, instance.client, instance.csrf
    group = world.group["id"]
    owner_member = world.member_id("owner")
    instance.as_person(world.people["admin"])
    response = client.patch(f"/api/groups/{group}/members/{world.member_id('member')}", json={"role": "owner"},
                            headers=csrf())
    assert response.status_code == 403
    response = client.patch(f"/api/groups/{group}/members/{owner_member}", json={"role": "member"},
                            headers=csrf())
    assert response.status_code == 403
    assert client.delete(f"/api/groups/{group}/members/{owner_member}", headers=csrf()).status_code == 403

    instance.as_person(world.owner)
    response = client.patch(f"/api/groups/{group}/members/{world.member_id('admin')}", json={"role": "owner"},
                            headers=csrf())
    assert response.status_code == 200 and response.json()["role"] == "owner"
    members = {m["id"]: m["role"] for m in client.get(f"/api/groups/{group}/members").json()["items"]}
    assert members[owner_member] == "admin"
    assert list(members.values()).count("owner") == 1


def test_bad_role_is_a_clear_422(instance):
    world = instance.world
    client = instance.as_person(world.owner)
    response = client.patch(f"/api/groups/{world.group['id']}/members/{world.member_id('member')}",
                            json={"role": "emperor"}, headers=instance.csrf())
    assert response.status_code == 422
    assert "Role must be one of" in response.json()["detail"]


# -- every route is guarded, and every mutating one is in a table ---------------------------------
def test_every_route_is_public_by_the_list_or_guarded(instance):
    """No route may exist without going through a guard (the permission function then decides
    inside the service) unless it is explicitly public."""
    from groupbox.web.support import signed_in

    public_allowed = {
        "/", "/signin/{token:str}", "/join/{token:str}", "/api/health", "/api/join/{token:str}/preview",
        "/api/auth/invite/{token:str}/claim", "/static", "/api/schema", "/api/schema/openapi.json",
        "/api/auth/device-link/start", "/api/auth/device-link/complete",
        "/api/auth/recovery/request", "/api/auth/recovery/consume",
    }
    unguarded = []
    for route in instance.app.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.handler_name == "options_handler":
                continue  # Litestar's automatic OPTIONS answer: no data, no action
            guards = list(handler.guards or [])
            is_public = handler.opt.get("public", False)
            path = route.path
            if path.startswith("/api/schema"):
                continue  # generated by Litestar: the OpenAPI document is public by design
            if is_public:
                if path not in public_allowed and not any(path.startswith(p) for p in PUBLIC_PREFIXES):
                    unguarded.append(f"{path} is public but not on the list")
                continue
            if not guards:
                unguarded.append(f"{path} has no guard")
            elif not any(g is signed_in or getattr(g, "__name__", "") in GUARD_NAMES for g in guards):
                unguarded.append(f"{path} has an unknown guard")
    assert not unguarded, unguarded


# Later areas extend these: prefixes of deliberately public routes (e.g. the ICS feed, the
# sync protocol with its own Bearer guard) and the names of their guards.
PUBLIC_PREFIXES = ["/static", "/ics/", "/.well-known/", "/recover", "/link", "/email/verify/", "/demo/anna",
                   "/api/auth/passkeys/login/", "/email/unsubscribe/"]
GUARD_NAMES = {"signed_in", "bearer_token"}

MUTATING = {"POST", "PATCH", "PUT", "DELETE"}

# Mutating routes that act on the caller's own things, not a group's: no role decides, and
# someone else's is 404 (test_someone_elses_device_token_or_notification_is_not_found).
NOT_GROUP_SCOPED = {
    ("POST", "/api/auth/invite/{}/claim"): "public: holding the invite is the permission (test_join.py)",
    ("POST", "/api/auth/device-link/start"): "public: a browser that is not signed in (test_pairing.py)",
    ("POST", "/api/auth/device-link/approve"): "links a device into the caller's own profile (test_pairing.py)",
    ("POST", "/api/auth/device-link/complete"): "public: holding the pairing's secret is the permission",
    ("POST", "/api/auth/recovery/request"): "public: mails only a confirmed address (test_recovery.py)",
    ("POST", "/api/auth/recovery/consume"): "public: holding the mailed link is the permission (test_recovery.py)",
    ("POST", "/api/auth/signout"): "ends the caller's own session",
    ("DELETE", "/api/me/devices/{}"): "the caller's own devices",
    ("PATCH", "/api/me/notification-preferences"): "the caller's own preferences",
    ("PATCH", "/api/me/notifications/{}/read"): "the caller's own notifications",
    ("DELETE", "/api/connection-tokens/{}"): "the caller's own tokens (Bearer rules: test_tokens.py)",
    ("POST", "/api/auth/passkeys/register/options"): "the caller's own profile (test_passkeys.py)",
    ("POST", "/api/auth/passkeys/register/verify"): "the caller's own profile (test_passkeys.py)",
    ("POST", "/api/auth/passkeys/login/options"): "public: signing in (test_passkeys.py)",
    ("POST", "/api/auth/passkeys/login/verify"): "public: the passkey is the permission (test_passkeys.py)",
    ("PATCH", "/api/me/passkeys/{}"): "the caller's own passkeys; others 404 (test_passkeys.py)",
    ("DELETE", "/api/me/passkeys/{}"): "the caller's own passkeys; others 404 (test_passkeys.py)",
    ("DELETE", "/api/me"): "deletes the caller's own profile (test_my_data.py)",
    ("DELETE", "/api/me/groups/{}"): "deletes the caller from a group they are in; others 404 (test_my_data.py)",
    ("PUT", "/api/me/language"): "the caller's own language (test_german.py)",
    ("POST", "/api/remote/servers/connect"): "the caller's own home profile (test_remote_connect.py)",
    ("POST", "/api/remote/servers/{}/sync"): "the caller's own connections; others 404 (test_remote_connect.py)",
    ("DELETE", "/api/remote/servers/{}"): "the caller's own connections; others 404 (test_remote_connect.py)",
    ("POST", "/api/remote/servers/{}/events/{}/rsvp"): "the caller's own connections, within the token's scope on "
                                                       "the group server; others 404 (test_remote_act.py)",
    ("POST", "/api/remote/servers/{}/polls/{}/vote"): "as the remote RSVP (test_remote_act.py)",
    ("POST", "/api/remote/servers/{}/announcements/{}/ack"): "as the remote RSVP (test_remote_act.py)",
    ("POST", "/api/remote/servers/{}/files/{}/ack"): "as the remote RSVP (test_remote_act.py)",
}

def _route_key(method: str, path: str) -> tuple[str, str]:
    """`/api/groups/{group_id:str}` and `/api/groups/{group}` are the same route."""
    return method, re.sub(r"\{[^}]*\}", "{}", path)


def _table_rows() -> list[Row]:
    from tests.api import (
        test_permissions_actions,
        test_permissions_content,
        test_permissions_events,
    )

    return [*ACTIONS, *test_permissions_events.ACTIONS, *test_permissions_actions.ROWS,
            *test_permissions_content.ACTIONS]


def test_every_mutating_route_has_a_row(instance):
    """A new POST/PATCH/PUT/DELETE under /api/ needs a row in a table (or a reason in NOT_GROUP_SCOPED)."""
    routes = {_route_key(method, route.path)
              for route in instance.app.routes if route.path.startswith("/api/")
              for handler in getattr(route, "route_handlers", [])
              for method in handler.http_methods & MUTATING}
    rows = {_route_key(row.method, row.path) for row in _table_rows()}
    accounted = rows | set(NOT_GROUP_SCOPED)
    missing = sorted(routes - accounted)
    assert not missing, f"mutating routes in no permission table (add a Row, or a reason to NOT_GROUP_SCOPED): {missing}"
    listed = {key for key in accounted if key[0] in MUTATING}
    assert not listed - routes, f"rows for routes that do not exist: {sorted(listed - routes)}"


OWN_THINGS = [("DELETE", "/api/me/devices/{device}"), ("DELETE", "/api/connection-tokens/{token}"),
              ("PATCH", "/api/me/notifications/{notification}/read")]


async def _own_things(instance: Instance, person: Person) -> dict[str, str]:
    """A second device, a connection token and a notification, all the person's."""
    from groupbox.domain.identity import service as identity
    from groupbox.domain.notify import service as notify
    from groupbox.domain.remote import tokens

    group = instance.world.group["id"]
    device, _session = await identity.start_browser(person.profile_id, "pytest")
    actor = await person.actor()
    token, _secret = await tokens.token_create(actor, ["read:events"])
    await notify.notify([person.member_ids[group]], "announcement", group_id=group, title="Kit day")
    notification = (await notify.notifications(actor, unread_only=True, limit=1))[0]
    return {"device": device, "token": token["id"], "notification": notification["id"]}


def test_someone_elses_device_token_or_notification_is_not_found(instance):
    member = instance.world.people["member"]
    names = instance.call(_own_things, instance, member)
    for method, path in OWN_THINGS:
        for person, status in ((instance.world.owner, {404}), (instance.world.outsider, {404}), (member, OK)):
            client = instance.as_person(person)
            response = client.request(method, path.format(**names), headers=instance.csrf())
            assert response.status_code in status, f"{method} {path} as {person.name}: {response.text}"
