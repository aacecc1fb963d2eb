"""Groups' storage: groups, their members, invites and who opened an invite."""

from __future__ import annotations

from groupbox.db.engine import DB

TABLES = ("grp", "member", "invite", "invite_view")
READS: dict[str, str] = {}
FOREIGN_WRITES: dict[str, str] = {}


def _marks(values) -> str:
    return ",".join("?" * len(values))


async def member_set_notifications_on(member_ids: list[str]) -> int:
    """The migration funnel's "notifications on": these members chose how to be told."""
    if not member_ids:
        return 0
    return await DB.execute(f"UPDATE member SET notifications_on = TRUE WHERE id IN ({_marks(member_ids)})",
                            *member_ids)
