"""Trust levels on /me (SPEC §6.1, issue 13 items 1 and 6): one gentle next step at a time,
never "create an account"; a name per group."""

from __future__ import annotations

from groupbox.db.engine import DB
from groupbox.domain.identity import service as identity
from groupbox.domain.identity import trust
from groupbox.util import new_id, now, token_hash
from tests.factories import join


def test_identity_grows_one_gentle_step_at_a_time(client, call, world, as_person, csrf):
    nadia = call(join, None, world.group["id"], "Nadia", admin=world.owner)
    as_person(nadia)
    page = client.get("/me").text
    assert "Save access on this device" in page and "create an account" not in page.lower()
    assert call(trust.trust, call(_actor, nadia)).level == "invite member"

    response = client.post("/me/save-device", data={"label": "Nadias phone"}, headers=csrf(client),
                           follow_redirects=False)
    assert response.status_code == 303
    state = call(trust.trust, call(_actor, nadia))
    assert (state.level, state.next_step.key) == ("claimed browser", "link")
    assert "Nadias phone" in client.get("/me/devices").text

    call(identity.start_browser, nadia.profile_id, "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
    assert call(trust.trust, call(_actor, nadia)).next_step.key == "email"

    async def confirm_email():
        await DB.execute("UPDATE profile SET email = ?, email_verified_at = ? WHERE id = ?", "nadia@example.org",
                         now(), nadia.profile_id)

    call(confirm_email)
    state = call(trust.trust, call(_actor, nadia))
    assert (state.level, state.next_step.key) == ("verified contact", "passkey")
    assert "Protect access with a passkey" in client.get("/me").text

    async def add_passkey():  # what a registration stores; the WebAuthn flow itself: test_passkeys.py
        await DB.execute("INSERT INTO passkey (id, profile_id, credential_id, public_key, name, created_at)"
                         " VALUES (?,?,?,?,?,?)", new_id(), nadia.profile_id, new_id(), "x", "Phone", now())

    call(add_passkey)
    state = call(trust.trust, call(_actor, nadia))
    assert (state.level, state.next_step) == ("home profile", None)


async def _actor(person):
    row = await DB.fetchone("SELECT d.id FROM device d JOIN session s ON s.device_id = d.id WHERE s.token_hash = ?",
                            token_hash(person.session_token))
    return await identity.load_actor(person.profile_id, row["id"])


def test_a_bad_device_name_is_refused_beside_the_field(client, call, world, as_person, csrf):
    nadia = call(join, None, world.group["id"], "Nadia", admin=world.owner)
    as_person(nadia)
    response = client.post("/me/save-device", data={"label": "<script>"}, headers=csrf(client))
    assert response.status_code == 200 and "1 to 60 characters" in response.text
    assert call(trust.trust, call(_actor, nadia)).level == "invite member"


def test_a_person_goes_by_another_name_in_one_group(client, call, world, as_person, csrf):
    samir = world.people["member"]
    group = world.group["id"]
    as_person(samir)
    response = client.post(f"/me/groups/{group}/name", data={"display_name": "Samir (Leo dad)"},
                           headers=csrf(client), follow_redirects=False)
    assert response.status_code == 303
    names = [m["display_name"] for m in client.get(f"/api/groups/{group}/members").json()["items"]]
    assert "Samir (Leo dad)" in names
    bad = client.post(f"/me/groups/{group}/name", data={"display_name": ""}, headers=csrf(client))
    assert "Please enter your name." in bad.text
    outside = client.post(f"/me/groups/{world.other_group['id']}/name", data={"display_name": "X"},
                          headers=csrf(client))
    assert outside.status_code == 404
