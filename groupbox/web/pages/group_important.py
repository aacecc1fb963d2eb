"""The group dashboard's first section, "Important now": what this group needs from me, ranked
by the same rule as the home page (urgent official announcements, acknowledgements, missing
RSVPs, votes, my tasks)."""

from __future__ import annotations

from groupbox.access import Actor
from groupbox.domain.actions import service as actions
from groupbox.web.pages.groups import mark_shown

IMPORTANT_LIMIT = 4


async def important_now(actor: Actor, group: dict) -> dict | None:
    items = await actions.derive(actor, group_ids=[group["id"]])
    mark_shown(item.id for item in items[:IMPORTANT_LIMIT])
    return {"items": items[:IMPORTANT_LIMIT], "more": max(0, len(items) - IMPORTANT_LIMIT),
            "home": {"groups": {group["id"]: group}}, "next_url": f"/groups/{group['id']}"}


HANDLERS: list = []
