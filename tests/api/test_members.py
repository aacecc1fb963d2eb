"""Devices, sign-out, leaving, resetting and resending access, the audit log."""

from groupbox.db.engine import DB


def test_devices_list_marks_this_device_and_revokes_another(client, call, world, as_person, csrf):
    from groupbox.domain.identity import service as identity

    samir = world.people["member"]
    _other_device, other_token = call(identity.start_browser, samir.profile_id, "Mozilla/5.0 (iPhone) Safari/605")
    as_person(samir)
    devices = client.get("/api/me/devices").json()["items"]
    assert len(devices) == 2
    assert sum(d["current"] for d in devices) == 1
    other = next(d for d in devices if not d["current"])
    assert other["label"] == "Safari on iPhone"
    page = client.get("/me/devices")
    assert "this device" in page.text
    assert client.delete(f"/api/me/devices/{other['id']}", headers=csrf(client)).status_code == 204
    client.cookies.set("gb_session", other_token)
    assert client.get("/api/me").status_code == 401
    as_person(samir)
    assert client.get("/api/me").status_code == 200
    assert client.delete("/api/me/devices/not-mine", headers=csrf(client)).status_code == 404


def test_sign_out_everywhere_ends_every_session(client, call, world, as_person, csrf):
    from groupbox.domain.identity import service as identity

    samir = world.people["member"]
    _device, second = call(identity.start_browser, samir.profile_id, "second")
    as_person(samir)
    assert client.post("/api/auth/signout?everywhere=1", headers=csrf(client)).status_code == 200
    for token in (samir.session_token, second):
        client.cookies.set("gb_session", token)
        assert client.get("/api/me").status_code == 401


def test_leaving_a_group_ends_access_but_keeps_the_person_elsewhere(client, call, world, as_person, csrf):
    from tests.factories import join

    samir = world.people["member"]
    call(join, samir, world.other_group["id"], "Samir", admin=world.owner)
    as_person(samir)
    assert client.post(f"/api/groups/{world.group['id']}/leave", headers=csrf(client)).status_code == 200
    assert client.get(f"/api/groups/{world.group['id']}").status_code == 404
    assert client.get(f"/api/groups/{world.other_group['id']}").status_code == 200
    as_person(world.owner)
    assert client.post(f"/api/groups/{world.group['id']}/leave", headers=csrf(client)).status_code == 409


def test_leave_page_confirms_before_it_acts(client, world, as_person, csrf):
    as_person(world.people["member"])
    confirm = client.get(f"/groups/{world.group['id']}/leave")
    assert "RSVPs and votes are removed" in confirm.text
    response = client.post(f"/groups/{world.group['id']}/leave", headers=csrf(client), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/groups"


def test_reset_access_signs_the_member_out_and_resend_lets_them_back_in(client, call, world, as_person, csrf):
    group = world.group["id"]
    samir = world.people["member"]
    member_id = world.member_id("member")
    as_person(world.people["admin"])
    assert client.post(f"/api/groups/{group}/members/{member_id}/reset-access", headers=csrf(client)).status_code == 200
    as_person(samir)
    assert client.get("/api/me").status_code == 401  # his only device was revoked
    as_person(world.people["admin"])
    link = client.post(f"/api/groups/{group}/members/{member_id}/signin-link", headers=csrf(client)).json()
    token = link["signin_url"].rsplit("/", 1)[1]
    as_person(None)
    page = client.get(f"/signin/{token}")
    assert "Samir Khan" in page.text
    response = client.post(f"/signin/{token}", headers=csrf(client), follow_redirects=False)
    assert response.headers["location"] == f"/groups/{group}"
    me = client.get("/api/me").json()
    assert me["memberships"][0]["member_id"] == member_id


def test_admin_pages_are_for_admins(client, world, as_person):
    group = world.group["id"]
    as_person(world.people["member"])
    assert client.get(f"/groups/{group}/admin").status_code == 403
    assert client.get(f"/groups/{group}/audit").status_code == 403
    as_person(world.outsider)
    assert client.get(f"/groups/{group}/admin").status_code == 404
    assert client.get(f"/groups/{group}").status_code == 404
    as_person(world.people["admin"])
    assert client.get(f"/groups/{group}/admin").status_code == 200


def test_audit_log_records_admin_actions_without_tokens(client, call, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.people["admin"])
    invite = client.post(f"/api/groups/{group}/invites", json={"max_uses": 2}, headers=csrf(client)).json()
    client.delete(f"/api/invites/{invite['id']}", headers=csrf(client))
    client.patch(f"/api/groups/{group}/members/{world.member_id('member')}", json={"role": "moderator"},
                 headers=csrf(client))
    rows = call(DB.fetch, "SELECT action, actor_name, target_name, detail FROM audit_entry WHERE group_id = ?", group)
    actions = [r["action"] for r in rows]
    for expected in ("group.create", "invite.create", "invite.revoke", "member.role", "member.join"):
        assert expected in actions
    role_change = next(r for r in rows if r["action"] == "member.role")
    assert role_change["actor_name"] == "Coach Mark" and role_change["target_name"] == "Samir Khan"
    token = invite["url"].rsplit("/", 1)[1]
    assert all(token not in (r["detail"] + r["target_name"]) for r in rows)
    page = client.get(f"/groups/{group}/audit")
    assert "invite.create" in page.text and "Coach Mark" in page.text


def test_group_create_and_settings_via_forms(client, world, as_person, csrf):
    as_person(world.owner)
    bad = client.post("/groups/new", data={"name": "  ", "purpose": "x"}, headers=csrf(client))
    assert bad.status_code == 422 and "Give the group a name" in bad.text
    response = client.post("/groups/new", data={"name": "Class 4B Parents", "purpose": "School", "timezone": ""},
                           headers=csrf(client), follow_redirects=False)
    assert response.status_code == 303
    group_id = response.headers["location"].rsplit("/", 1)[1]
    bad_tz = client.post(f"/groups/{group_id}/admin/settings", data={"name": "Class 4B", "timezone": "Mars/Base"},
                         headers=csrf(client))
    assert bad_tz.status_code == 422 and "Mars/Base" in bad_tz.text
    ok = client.post(f"/groups/{group_id}/admin/settings",
                     data={"name": "Class 4B", "timezone": "Europe/Berlin", "expected_size": "24",
                           "members_upload": "1"},
                     headers=csrf(client), follow_redirects=False)
    assert ok.status_code == 303
    group = client.get(f"/api/groups/{group_id}").json()
    assert group["name"] == "Class 4B" and group["expected_size"] == 24 and group["members_post_official"] is False
    as_person(world.people["member"])
    assert client.post("/api/groups", json={"name": "Mine"}, headers=csrf(client)).status_code == 403


def test_invite_form_shows_the_link_once_with_a_qr(client, world, as_person, csrf):
    as_person(world.people["admin"])
    response = client.post(f"/groups/{world.group['id']}/invites",
                           data={"max_uses": "10", "expires_in_hours": "168", "role": "member", "label": "old chat"},
                           headers=csrf(client))
    assert response.status_code == 200
    assert "/join/" in response.text and "<svg" in response.text
    bad = client.post(f"/groups/{world.group['id']}/invites", data={"max_uses": "-3"}, headers=csrf(client))
    assert bad.status_code == 422 and "Uses must be between" in bad.text
    admin = client.get(f"/groups/{world.group['id']}/admin")
    assert "old chat" in admin.text


def test_an_admin_demoted_meanwhile_cannot_change_roles_with_what_they_saw(client, call, world, as_person, csrf):
    """Roles are decided inside the write: a request that loaded its admin rights a moment ago
    (another process, a slow request) cannot act on them once they are gone."""
    import pytest

    from groupbox.domain.groups import service as groups
    from groupbox.errors import Forbidden

    group = world.group["id"]
    mark_before = call(world.people["admin"].actor)  # Mark's rights as his request saw them
    owner = call(world.owner.actor)
    call(groups.member_set_role, owner, group, world.member_id("admin"), "member")
    with pytest.raises(Forbidden):
        call(groups.member_set_role, mark_before, group, world.member_id("member"), "moderator")
    assert call(groups.member_row, world.member_id("member"))["role"] == "member"
