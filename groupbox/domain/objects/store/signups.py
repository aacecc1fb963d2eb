"""SQL for sign-up sheets, their slots and who committed to them."""

from __future__ import annotations

from datetime import datetime

from groupbox.db.engine import DB
from groupbox.domain.objects.store.common import marks as _marks
from groupbox.util import new_id

TABLES = ("signup", "signup_slot", "signup_commitment")
READS = {
    "member": "each slot lists who took it by name (one join per list of sheets)",
}
FOREIGN_WRITES: dict[str, str] = {}


async def signup_insert(*, signup_id: str, group_id: str, author_id: str | None, title: str, description: str,
                        event_id: str | None, closes_at: datetime | None, seq: int, stamp: datetime,
                        slots: list[dict]) -> None:
    """A sheet with its slots (label, capacity, starts_at) in this order (inside the caller's
    write transaction)."""
    async with DB.write():
        await DB.execute(
            "INSERT INTO signup (id, group_id, author_id, title, description, event_id, closes_at, seq, created_at,"
            " updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            signup_id, group_id, author_id, title, description, event_id, closes_at, seq, stamp, stamp,
        )
        for position, slot in enumerate(slots):
            await DB.execute(
                "INSERT INTO signup_slot (id, signup_id, label, capacity, starts_at, position) VALUES (?,?,?,?,?,?)",
                new_id(), signup_id, slot["label"], slot["capacity"], slot["starts_at"], position,
            )


async def signup_touch(signup_id: str, seq: int, stamp: datetime) -> None:
    await DB.execute("UPDATE signup SET seq = ?, updated_at = ? WHERE id = ?", seq, stamp, signup_id)


async def slot_get(slot_id: str) -> dict | None:
    return await DB.fetchone("SELECT * FROM signup_slot WHERE id = ?", slot_id)


async def slots_of(signup_ids: list[str]) -> list[dict]:
    if not signup_ids:
        return []
    return await DB.fetch(
        f"SELECT * FROM signup_slot WHERE signup_id IN ({_marks(signup_ids)}) ORDER BY position", *signup_ids,
    )


async def commitments_of(slot_ids: list[str]) -> list[dict]:
    """slot_id, id (the member), display_name, note, committed_at, first come first."""
    if not slot_ids:
        return []
    return await DB.fetch(
        "SELECT c.slot_id, c.member_id AS id, m.display_name, c.note, c.committed_at FROM signup_commitment c"
        f" JOIN member m ON m.id = c.member_id WHERE c.slot_id IN ({_marks(slot_ids)})"
        " ORDER BY c.committed_at, c.member_id",
        *slot_ids,
    )


async def commitment_note_set(slot_id: str, member_id: str, note: str) -> int:
    """Change the note on a place already taken; 0 if this member has none in this slot."""
    return await DB.execute("UPDATE signup_commitment SET note = ? WHERE slot_id = ? AND member_id = ?",
                            note, slot_id, member_id)


async def commitment_insert_if_room(slot_id: str, member_id: str, note: str, stamp: datetime) -> int:
    """Take a place if the slot has room: counted and inserted in one statement, so concurrent
    commits never overfill it. 1 if taken, 0 if full."""
    return await DB.execute(
        "INSERT INTO signup_commitment (slot_id, member_id, note, committed_at)"
        " SELECT ?, ?, ?, ?"  # PostgreSQL types these from the target columns (no casts: SQLite's
        # CAST(… AS TIMESTAMPTZ) is a NUMERIC cast that turns a time into its year)
        " WHERE (SELECT COUNT(*) FROM signup_commitment WHERE slot_id = ?)"
        " < (SELECT capacity FROM signup_slot WHERE id = ?)",
        slot_id, member_id, note, stamp, slot_id, slot_id,
    )


async def commitment_delete(slot_id: str, member_id: str) -> int:
    return await DB.execute("DELETE FROM signup_commitment WHERE slot_id = ? AND member_id = ?", slot_id, member_id)


async def signups_committed_by(member_id: str) -> list[dict]:
    """id, group_id of the sheets this member holds a place on."""
    return await DB.fetch(
        "SELECT DISTINCT su.id, su.group_id FROM signup su JOIN signup_slot s ON s.signup_id = su.id"
        " JOIN signup_commitment c ON c.slot_id = s.id WHERE c.member_id = ?",
        member_id,
    )


async def commitments_delete_of_member(member_id: str) -> None:
    await DB.execute("DELETE FROM signup_commitment WHERE member_id = ?", member_id)
