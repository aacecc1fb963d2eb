"""With the page cache off (GROUPBOX_PAGE_CACHE=0) every dashboard is rendered anew, and the
cache's key is not even asked for (its query was part of every uncached page, issue 17)."""

from datetime import timedelta

import pytest

from groupbox.domain.objects import events
from groupbox.domain.objects.schemas import EventInput
from groupbox.util import now


@pytest.fixture
def config(make_config):
    return make_config(page_cache="0")


# The key's coroutine is closed, not left unawaited.
@pytest.mark.filterwarnings("error::RuntimeWarning", "error::pytest.PytestUnraisableExceptionWarning")
def test_dashboards_render_every_time_without_their_cache_key(client, app, call, world, as_person, monkeypatch):
    from groupbox.domain.actions import store as actions_store

    asked = []
    state = actions_store.dashboard_state

    async def counted(*args):
        asked.append(args)
        return await state(*args)

    monkeypatch.setattr(actions_store, "dashboard_state", counted)
    as_person(world.people["member"])
    pages = ("/", f"/groups/{world.group['id']}", "/api/home")
    before = {path: client.get(path) for path in pages}
    assert all(r.status_code == 200 for r in before.values())
    owner = call(world.owner.actor)
    call(events.event_create, owner, world.group["id"], EventInput(
        title="Sudden match", starts_at=now() + timedelta(days=1), rsvp_required=True))
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200 and "Sudden match" in response.text, path
    assert asked == [] and not app.state.page_cache.entries
