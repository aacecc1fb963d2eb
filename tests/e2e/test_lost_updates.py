"""No lost updates (issue 12 item 7): two people edit one event at once through two server
processes on one database — one edit wins, the other is told (409), nothing is overwritten."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import httpx

from tests.conftest import seed, start_server, stop_server
from tests.factories import build_world


def _client(server, person) -> httpx.Client:
    client = httpx.Client(base_url=server.url, cookies={"gb_session": person.session_token}, timeout=20)
    client.get("/api/me")
    client.headers["x-csrftoken"] = client.cookies.get("csrftoken")
    return client


def test_two_processes_editing_one_event_one_wins_one_is_told(live_server):
    world = seed(live_server, build_world)
    second = start_server(live_server.data_dir)
    try:
        coach = _client(live_server, world.people["admin"])
        lisa = _client(second, world.people["moderator"])
        start = (datetime.now(UTC) + timedelta(days=4)).replace(microsecond=0)
        event = coach.post(f"/api/groups/{world.group['id']}/events",
                           json={"title": "Match", "starts_at": start.isoformat(), "location": "Park"}).json()
        seen = lisa.get(f"/api/events/{event['id']}").json()["revision"]
        assert seen == event["revision"]

        answers: dict[str, httpx.Response] = {}
        barrier = threading.Barrier(2)

        def edit(name, client, body):
            barrier.wait()
            answers[name] = client.patch(f"/api/events/{event['id']}", json={**body, "base_revision": seen})

        threads = [threading.Thread(target=edit, args=("coach", coach, {"location": "Sports hall"})),
                   threading.Thread(target=edit, args=("lisa", lisa, {"title": "Match (home)"}))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        statuses = sorted(response.status_code for response in answers.values())
        assert statuses == [200, 409], {k: (v.status_code, v.text) for k, v in answers.items()}
        loser = next(response for response in answers.values() if response.status_code == 409)
        assert "Someone else changed this event" in loser.json()["detail"]
        final = coach.get(f"/api/events/{event['id']}").json()
        won = "coach" if answers["coach"].status_code == 200 else "lisa"
        assert (final["location"], final["title"]) == (
            ("Sports hall", "Match") if won == "coach" else ("Park", "Match (home)"))
        assert final["revision"] == seen + 1
    finally:
        stop_server(second)
