"""Live update streams (issue 17 item 5): only with a session cookie; threads I may not see are 404."""


def test_live_streams_need_a_session(client, as_person):
    as_person(None)
    assert client.get("/live/me").status_code == 401
    assert client.get("/live/thread/nope").status_code == 401


def test_live_thread_unknown_is_404(client, world, as_person):
    as_person(world.people["member"])
    assert client.get("/live/thread/does-not-exist").status_code == 404


def test_live_refuses_bearer_tokens(client, as_person):
    as_person(None)
    response = client.get("/live/me", headers={"Authorization": "Bearer gbt_nothing"})
    assert response.status_code == 401
