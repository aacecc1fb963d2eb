"""Append to and read the audit log. Callers pass names and ids — never tokens."""

from __future__ import annotations

from groupbox.access import Actor, require
from groupbox.domain.audit import store
from groupbox.util import new_id, now


async def record(
    action: str,
    *,
    actor: Actor | None = None,
    actor_name: str | None = None,
    group_id: str | None = None,
    target_type: str = "",
    target_id: str | None = None,
    target_name: str = "",
    detail: str = "",
) -> None:
    await store.entry_add(
        entry_id=new_id(), group_id=group_id, actor_profile_id=actor.profile_id if actor else None,
        actor_name=actor_name if actor_name is not None else (_member_name(actor, group_id) if actor else "groupbox"),
        action=action, target_type=target_type, target_id=target_id, target_name=target_name[:120],
        detail=detail[:2000], created_at=now(),
    )


def _member_name(actor: Actor, group_id: str | None) -> str:
    membership = actor.membership(group_id) if group_id else None
    return membership.display_name if membership else actor.display_name


async def group_log(actor: Actor, group: dict, limit: int = 200) -> list[dict]:
    """The group's audit entries, newest first; admins only."""
    require(actor, "group.admin", group)
    return await store.entries_of_group(group["id"], limit)
