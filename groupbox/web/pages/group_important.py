"""The group dashboard's first section, "Important now": what this group needs from me, ranked
by the same rule as the home page (urgent official announcements, acknowledgements, missing
RSVPs, votes, my tasks)."""

from __future__ import annotations

from groupbox.access import Actor
from groupbox.domain.actions import service as actions
from groupbox.web.pages.groups import mark_shown

IMPORTANT_LIMIT = 4


async def important_now(actor: Actor, group: dict) -> dict | None:
    """The first `IMPORTANT_LIMIT` current items, and every item shared before I joined, folded
    (see `actions.service`): all of them count as shown, so no section below repeats them."""
    needs = await actions.ranked(actor, group_ids=[group["id"]], limit=IMPORTANT_LIMIT)
    items = needs.items
    current = [item for item in items if not item.detail.get("older")]
    older = [item for item in items if item.detail.get("older")]
    shown = current[:IMPORTANT_LIMIT] + older
    mark_shown(item.id for item in shown)
    return {"items": [item for item in items if item in shown], "limit": IMPORTANT_LIMIT,
            "more": max(0, needs.total - len(older) - IMPORTANT_LIMIT),
            "home": {"groups": {group["id"]: group}}, "next_url": f"/groups/{group['id']}#important"}


HANDLERS: list = []
