"""One authentication seam (SPEC §15.1, §16; issue 11 items 2 and 11): a request is the session
cookie's (CSRF-checked) or a Bearer token's (no cookie, no CSRF), never both; CSRF tokens belong
to one session and are re-issued whenever a session starts or ends."""

import pytest

from groupbox.domain.groups.schemas import InviteOptions
from groupbox.domain.remote import tokens
from tests.conftest import csrf_headers


def _group_post(client, world, headers):
    return client.post(f"/api/groups/{world.group['id']}/announcements", json={"title": "Hi", "body": "x"},
                       headers=headers)


def test_cookie_and_bearer_together_are_refused_on_every_method(client, world, as_person, csrf):
    as_person(world.people["admin"])
    good = csrf(client)
    group = world.group["id"]
    for method, path in (("GET", f"/api/groups/{group}/announcements"), ("POST", f"/api/groups/{group}/announcements"),
                         ("PATCH", f"/api/groups/{group}"), ("DELETE", "/api/invites/abc")):
        response = client.request(method, path, headers={"authorization": "Bearer junk", **good})
        assert response.status_code == 400, (method, response.text)
        assert response.json()["detail"] == "Send either the session cookie or a Bearer token, not both."
    # The attack of the run: cookie + "Bearer junk" + no CSRF token used to create an announcement.
    assert _group_post(client, world, {"authorization": "Bearer junk"}).status_code == 400
    assert client.get("/groups", headers={"authorization": "Bearer x"}).status_code == 400


def test_a_cookie_request_without_its_csrf_token_is_refused(client, world, as_person):
    as_person(world.people["admin"])
    for headers in ({}, {"x-csrftoken": "forged"}, {"x-csrftoken": "", "authorization": "Basic abc"}):
        response = _group_post(client, world, headers)
        assert response.status_code == 403, headers


def test_a_csrf_token_from_another_session_is_refused(client, world, as_person):
    as_person(world.people["member"])
    samirs = csrf_headers(client)
    samirs_cookie = next(c for c in client.cookies.jar if c.name == "csrftoken")
    as_person(world.people["admin"])
    client.cookies.delete("csrftoken")
    client.cookies.set("csrftoken", samirs_cookie.value, domain=samirs_cookie.domain, path=samirs_cookie.path)  # the whole pair, taken from Samir's browser
    assert _group_post(client, world, samirs).status_code == 403
    assert _group_post(client, world, csrf_headers(client)).status_code == 201


def test_a_form_posts_with_its_hidden_field(client, world, as_person):
    as_person(world.people["admin"])
    token = csrf_headers(client)["x-csrftoken"]
    response = client.post("/signout", data={"_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    other = client.post("/signout", data={"_csrf_token": "nope"}, follow_redirects=False)
    assert other.status_code in (401, 403)


def test_joining_hands_out_a_csrf_token_for_the_new_session(client, call, world):
    from groupbox.domain.groups import invites

    owner = call(world.owner.actor)
    _row, token = call(invites.invite_create, owner, world.group["id"], InviteOptions())
    client.cookies.clear()
    response = client.post(f"/api/auth/invite/{token}/claim", json={"display_name": "Nadia"},
                           headers=csrf_headers(client))
    assert response.status_code == 201
    set_cookies = response.headers.get_list("set-cookie")
    assert any(c.startswith("gb_session=") for c in set_cookies)
    assert any(c.startswith("csrftoken=") for c in set_cookies)
    # She can post at once with the cookie she was given, no page load in between.
    fresh = client.cookies.get("csrftoken")
    response = client.post(f"/api/groups/{world.group['id']}/threads", json={"title": "Hello", "body": "Hi all"},
                           headers={"x-csrftoken": fresh})
    assert response.status_code == 201, response.text


def test_signing_out_reissues_the_csrf_token(client, world, as_person):
    as_person(world.people["member"])
    response = client.post("/api/auth/signout", headers=csrf_headers(client))
    assert response.status_code in (200, 204)
    assert any(c.startswith("csrftoken=") for c in response.headers.get_list("set-cookie"))


def test_a_bearer_token_carries_no_cookie_authority(client, call, world):
    member = call(world.people["member"].actor)
    _row, token = call(tokens.token_create, member, ["read:events", "act:rsvp"])
    client.cookies.clear()
    bearer = {"authorization": f"Bearer {token}"}
    # Pages and cookie routes do not take tokens: no one is signed in, and no CSRF is asked for.
    assert _group_post(client, world, bearer).status_code == 401
    assert client.get("/api/me", headers=bearer).status_code == 401
    assert client.get("/api/me", headers={"authorization": "Bearer not-a-token"}).status_code == 401


@pytest.mark.parametrize("field_first", [True, False])
def test_an_upload_with_a_token_from_another_session_is_refused(client, world, as_person, field_first):
    as_person(world.people["member"])
    samirs = csrf_headers(client)["x-csrftoken"]
    as_person(world.people["admin"])
    csrf_headers(client)
    files = {"file": ("notes.txt", b"hello", "text/plain")}
    if field_first:
        response = client.post(f"/api/groups/{world.group['id']}/files", data={"_csrf_token": samirs}, files=files)
    else:
        response = client.post(f"/api/groups/{world.group['id']}/files", files=files, headers={"x-csrftoken": samirs})
    assert response.status_code == 403
    response = client.post(f"/api/groups/{world.group['id']}/files", files=files, headers=csrf_headers(client))
    assert response.status_code == 201, response.text


def test_static_files_and_the_health_check_set_no_cookie(client):
    """They are cached publicly and carry no forms: a Set-Cookie would only spoil the cache."""
    for path in ("/api/health", "/static/app.css"):
        response = client.get(path)
        assert response.status_code == 200
        assert "set-cookie" not in response.headers, path
