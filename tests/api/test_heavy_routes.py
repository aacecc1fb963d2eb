"""Heavy routes (a long archive page, its search) run a few at a time per worker, so people
reading them hard cannot starve everyone else (issue 11 item 5; figures: benchmarks/bench_archive.py)."""

from __future__ import annotations

import asyncio

from groupbox.web.app import HeavyRoutes


def test_the_archive_routes_are_marked_heavy(app):
    heavy = {route.path for route in app.routes for handler in getattr(route, "route_handlers", [])
             if handler.opt.get("heavy")}
    assert heavy == {"/groups/{group_id:str}/archive", "/api/groups/{group_id:str}/archive"}


def test_only_a_few_heavy_requests_run_at_once_and_all_finish():
    middleware = HeavyRoutes()
    running, most = 0, 0

    async def slow_app(scope, receive, send):
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1

    async def main():
        await asyncio.gather(*(middleware.handle({}, None, None, slow_app) for _ in range(7)))

    asyncio.run(main())
    assert most == HeavyRoutes.HEAVY_AT_ONCE


def test_many_readers_of_the_archive_all_get_their_page(client, world, as_person):
    as_person(world.people["member"])
    responses = [client.get(f"/groups/{world.group['id']}/archive") for _ in range(4)]
    assert [r.status_code for r in responses] == [200] * 4
