"""SQL for polls, their options and votes."""

from __future__ import annotations

from datetime import datetime

from groupbox.db.engine import DB
from groupbox.domain.objects.store.common import marks as _marks
from groupbox.util import new_id

TABLES = ("poll", "poll_option", "poll_vote")
READS = {
    "member": "named polls list voters by name (one join per list of polls)",
}
FOREIGN_WRITES: dict[str, str] = {}


async def poll_insert(*, poll_id: str, group_id: str, author_id: str | None, question: str, description: str,
                      multiple: bool, anonymous: bool, results_visibility: str, closes_at: datetime | None, seq: int,
                      stamp: datetime, options: list[str]) -> None:
    """A poll with its options in this order (inside the caller's write transaction)."""
    async with DB.write():
        await DB.execute(
            "INSERT INTO poll (id, group_id, author_id, question, description, multiple, anonymous,"
            " results_visibility, closes_at, seq, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            poll_id, group_id, author_id, question, description, multiple, anonymous, results_visibility,
            closes_at, seq, stamp, stamp,
        )
        for position, label in enumerate(options):
            await DB.execute("INSERT INTO poll_option (id, poll_id, label, position) VALUES (?,?,?,?)",
                             new_id(), poll_id, label, position)


async def options_of(poll_ids: list[str]) -> list[dict]:
    if not poll_ids:
        return []
    return await DB.fetch(
        f"SELECT * FROM poll_option WHERE poll_id IN ({_marks(poll_ids)}) ORDER BY position", *poll_ids,
    )


async def option_ids(poll_id: str) -> set[str]:
    return {r["id"] for r in await DB.fetch("SELECT id FROM poll_option WHERE poll_id = ?", poll_id)}


async def votes_of(poll_ids: list[str]) -> list[dict]:
    """poll_id, option_id, member_id, display_name of every vote, by voter name."""
    if not poll_ids:
        return []
    return await DB.fetch(
        "SELECT v.poll_id, v.option_id, v.member_id, m.display_name FROM poll_vote v"
        f" JOIN member m ON m.id = v.member_id WHERE v.poll_id IN ({_marks(poll_ids)})"
        " ORDER BY lower(m.display_name), m.id",
        *poll_ids,
    )


async def voter_counts(poll_ids: list[str]) -> dict[str, int]:
    """poll id -> how many members voted in it (those `votes_of` lists); polls without a vote are left out."""
    if not poll_ids:
        return {}
    rows = await DB.fetch(
        "SELECT v.poll_id, COUNT(DISTINCT v.member_id) AS n FROM poll_vote v"
        f" JOIN member m ON m.id = v.member_id WHERE v.poll_id IN ({_marks(poll_ids)}) GROUP BY v.poll_id",
        *poll_ids,
    )
    return {r["poll_id"]: r["n"] for r in rows}


async def polls_voted_in(member_id: str, poll_ids: list[str]) -> set[str]:
    """Which of these polls this member voted in."""
    if not poll_ids:
        return set()
    rows = await DB.fetch(
        f"SELECT DISTINCT poll_id FROM poll_vote WHERE member_id = ? AND poll_id IN ({_marks(poll_ids)})",
        member_id, *poll_ids,
    )
    return {r["poll_id"] for r in rows}


async def vote_replace(poll_id: str, member_id: str, option_ids: list[str], stamp: datetime, seq: int) -> None:
    """The member's vote is now these options; the poll takes change number `seq`."""
    async with DB.write():
        await DB.execute("DELETE FROM poll_vote WHERE poll_id = ? AND member_id = ?", poll_id, member_id)
        for option_id in option_ids:
            await DB.execute("INSERT INTO poll_vote (poll_id, option_id, member_id, voted_at) VALUES (?,?,?,?)",
                             poll_id, option_id, member_id, stamp)
        await DB.execute("UPDATE poll SET seq = ?, updated_at = ? WHERE id = ?", seq, stamp, poll_id)


async def polls_voted_by(member_id: str) -> list[dict]:
    """id, group_id of the polls this member voted in."""
    return await DB.fetch(
        "SELECT DISTINCT p.id, p.group_id FROM poll p JOIN poll_vote v ON v.poll_id = p.id WHERE v.member_id = ?",
        member_id,
    )


async def votes_delete_of_member(member_id: str) -> None:
    await DB.execute("DELETE FROM poll_vote WHERE member_id = ?", member_id)
