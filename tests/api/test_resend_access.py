"""An admin helps someone who lost their phone ("resend access", SPEC §6.2), and a removed member
stays out until an admin lets them back in. Regression tests for the attack run (issue 11, items 1
and 3): the link used to sign a fresh browser into the person's whole profile."""

from groupbox.db.engine import DB
from groupbox.domain.identity import service as identity
from groupbox.util import now
from tests.factories import join


def _resend(client, csrf, group_id: str, member_id: str):
    return client.post(f"/api/groups/{group_id}/members/{member_id}/signin-link", headers=csrf(client))


def _sign_in_fresh(client, csrf, url: str):
    """A new browser (no session) opens the link and presses the button."""
    client.cookies.delete("gb_session")
    token = url.rsplit("/", 1)[1]
    return client.post(f"/signin/{token}", headers=csrf(client), follow_redirects=False)


def test_resent_link_opens_that_one_group_and_nothing_else_of_the_person(client, call, world, as_person, csrf):
    group, other = world.group["id"], world.other_group["id"]
    samir = world.people["member"]
    call(join, samir, other, "Samir K.", admin=world.owner)  # Samir is in a second group too
    as_person(world.people["admin"])
    response = _resend(client, csrf, group, world.member_id("member"))
    assert response.status_code == 201, response.text
    assert _sign_in_fresh(client, csrf, response.json()["signin_url"]).headers["location"] == f"/groups/{group}"
    one_group_device = client.cookies.get("gb_session")

    me = client.get("/api/me").json()
    assert [m["group_id"] for m in me["memberships"]] == [group]
    assert me["is_owner"] is False
    assert client.get(f"/groups/{other}").status_code == 404
    assert client.get(f"/api/groups/{other}").status_code == 404
    # Nothing of the profile: devices, email, tokens, calendar feed, other notifications.
    assert [d["current"] for d in client.get("/api/me/devices").json()["items"]] == [True]
    assert client.post("/api/connection-tokens", json={"scopes": ["read:events"]},
                       headers=csrf(client)).status_code == 403
    assert client.post("/me/email", data={"email": "attacker@example.org"}, headers=csrf(client),
                       follow_redirects=False).status_code in (303, 403)
    assert call(identity.get_profile, samir.profile_id)["email"] is None
    assert "/ics/" not in client.get("/calendar").text
    assert "signed in to one group only" in client.get("/me").text
    assert client.post("/api/groups", json={"name": "Takeover"}, headers=csrf(client)).status_code == 403
    # Nor can it join other groups in Samir's name.
    third = client.post("/api/groups", json={"name": "Third"}, headers=csrf(as_person(world.owner))).json()["id"]
    invite = client.post(f"/api/groups/{third}/invites", json={}, headers=csrf(client)).json()
    client.cookies.set("gb_session", one_group_device)
    claim = client.post(f"/api/auth/invite/{invite['url'].rsplit('/', 1)[1]}/claim", json={"display_name": "Samir"},
                        headers=csrf(client))
    assert claim.status_code == 403
    as_person(samir)  # Samir's own phone still has everything
    assert {m["group_id"] for m in client.get("/api/me").json()["memberships"]} == {group, other}


def test_resend_access_cannot_take_over_the_instance_owner(client, call, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.people["admin"])
    response = _resend(client, csrf, group, world.member_id("owner"))
    assert response.status_code == 403
    assert response.json()["detail"]
    # Even an owner of the group cannot make a link for the instance owner who is an admin there.
    owner = world.owner
    as_person(owner)
    mark = world.member_id("admin")
    assert client.patch(f"/api/groups/{group}/members/{mark}", json={"role": "owner"},
                        headers=csrf(client)).status_code == 200
    as_person(world.people["admin"])  # Mark owns the group now; the instance owner is an admin in it
    response = _resend(client, csrf, group, world.member_id("owner"))
    assert response.status_code == 403, response.text


def test_resend_access_is_refused_for_equal_or_higher_roles(client, world, as_person, csrf):
    group = world.group["id"]
    admin, moderator = world.people["admin"], world.people["moderator"]
    call_as = as_person(admin)
    other_admin = world.member_id("admin")
    assert _resend(call_as, csrf, group, other_admin).status_code in (403, 404)  # themselves: equal
    as_person(moderator)
    assert _resend(client, csrf, group, world.member_id("member")).status_code == 403  # not an admin
    as_person(admin)
    assert _resend(client, csrf, group, world.member_id("moderator")).status_code == 201
    assert _resend(client, csrf, group, world.member_id("guest")).status_code == 201


def test_a_person_with_a_confirmed_email_is_pointed_to_lost_access(client, call, world, as_person, csrf):
    samir = world.people["member"]

    async def confirm():
        async with DB.write():
            await DB.execute("UPDATE profile SET email = ?, email_verified_at = ? WHERE id = ?",
                             "samir@example.org", now(), samir.profile_id)

    call(confirm)
    as_person(world.people["admin"])
    response = _resend(client, csrf, world.group["id"], world.member_id("member"))
    assert response.status_code == 409
    assert "Lost access?" in response.json()["detail"]
    page = client.get(f"/groups/{world.group['id']}/members")
    assert "Lost access?" in page.text


def test_the_member_is_told_and_the_audit_log_records_it(client, call, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.people["admin"])
    assert _resend(client, csrf, group, world.member_id("member")).status_code == 201
    as_person(world.people["member"])
    items = client.get("/api/me/notifications").json()["items"]
    assert any("sign-in link" in item["title"] for item in items)
    rows = call(DB.fetch, "SELECT action FROM audit_entry WHERE action = 'member.resend_access'")
    assert len(rows) == 1


def test_a_browser_signed_in_as_someone_else_keeps_its_session_and_the_link(client, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.people["admin"])
    url = _resend(client, csrf, group, world.member_id("member")).json()["signin_url"]
    token = url.rsplit("/", 1)[1]
    response = client.post(f"/signin/{token}", headers=csrf(client), follow_redirects=False)
    assert response.status_code == 409
    assert client.get("/api/me").json()["display_name"] == "Coach Mark"
    # The link was not spent: Samir's new phone can still use it.
    assert _sign_in_fresh(client, csrf, url).status_code == 303


def test_the_servers_shell_link_still_opens_the_whole_profile(client, call, world, as_person, csrf):
    samir = world.people["member"]
    call(join, samir, world.other_group["id"], "Samir K.", admin=world.owner)
    token = call(identity.issue_signin_link, member_id=world.member_id("member"))
    as_person(None)
    client.post(f"/signin/{token}", headers=csrf(client), follow_redirects=False)
    assert len(client.get("/api/me").json()["memberships"]) == 2


def test_a_removed_member_cannot_walk_back_in_until_let_back_in(client, world, as_person, csrf):
    group = world.group["id"]
    samir = world.people["member"]
    member_id = world.member_id("member")
    as_person(world.people["admin"])
    invite = client.post(f"/api/groups/{group}/invites", json={"max_uses": 50}, headers=csrf(client)).json()
    token = invite["url"].rsplit("/", 1)[1]
    assert client.delete(f"/api/groups/{group}/members/{member_id}", headers=csrf(client)).status_code == 204

    as_person(samir)
    response = client.post(f"/api/auth/invite/{token}/claim", json={"display_name": "Samir again"},
                           headers=csrf(client))
    assert response.status_code == 403
    assert response.json()["detail"].startswith("An admin removed you from this group")
    page = client.get(f"/join/{token}")
    assert page.status_code == 403 and "An admin removed you from this group" in page.text
    assert client.post(f"/join/{token}", data={"display_name": "Samir"}, headers=csrf(client)).status_code == 403

    as_person(world.people["admin"])
    removed = client.get(f"/api/groups/{group}/members/removed").json()["items"]
    assert [r["id"] for r in removed] == [member_id]
    assert "Let back in" in client.get(f"/groups/{group}/members").text
    as_person(world.people["member"])
    assert client.get(f"/api/groups/{group}/members/removed").status_code == 404  # not in the group any more
    as_person(world.people["moderator"])
    assert client.get(f"/api/groups/{group}/members/removed").status_code == 403
    assert client.post(f"/api/groups/{group}/members/{member_id}/let-back-in",
                       headers=csrf(client)).status_code == 403
    as_person(world.people["admin"])
    assert client.post(f"/api/groups/{group}/members/{member_id}/let-back-in",
                       headers=csrf(client)).status_code == 200
    assert client.get(f"/api/groups/{group}/members/removed").json()["items"] == []

    as_person(samir)
    response = client.post(f"/api/auth/invite/{token}/claim", json={"display_name": "Samir again"},
                           headers=csrf(client))
    assert response.status_code == 201, response.text


def test_leaving_by_oneself_does_not_bar_rejoining(client, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.people["admin"])
    invite = client.post(f"/api/groups/{group}/invites", json={}, headers=csrf(client)).json()
    as_person(world.people["member"])
    assert client.post(f"/api/groups/{group}/leave", headers=csrf(client)).status_code == 200
    token = invite["url"].rsplit("/", 1)[1]
    response = client.post(f"/api/auth/invite/{token}/claim", json={"display_name": "Samir"}, headers=csrf(client))
    assert response.status_code == 201


def test_a_person_with_a_passkey_is_pointed_to_it(client, call, world, as_person, csrf):
    from groupbox.util import new_id

    samir = world.people["member"]

    async def add_passkey():  # what a registration stores (the WebAuthn flow: test_passkeys.py)
        await DB.execute("INSERT INTO passkey (id, profile_id, credential_id, public_key, name, created_at)"
                         " VALUES (?,?,?,?,?,?)", new_id(), samir.profile_id, new_id(), "x", "Phone", now())

    call(add_passkey)
    as_person(world.people["admin"])
    response = _resend(client, csrf, world.group["id"], world.member_id("member"))
    assert response.status_code == 409 and "passkey" in response.json()["detail"]
    assert "has a passkey" in client.get(f"/groups/{world.group['id']}/members").text
