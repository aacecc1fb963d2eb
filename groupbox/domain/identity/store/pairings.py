"""Device pairings: a new device's pending link to a profile, by code or QR (hashes only)."""

from __future__ import annotations

from datetime import datetime

from groupbox.db.engine import DB

TABLES = ("device_pairing",)
READS: dict[str, str] = {}
FOREIGN_WRITES: dict[str, str] = {}


async def pairings_sweep(before: datetime) -> int:
    """Forget pairings that expired before `before`."""
    return await DB.execute("DELETE FROM device_pairing WHERE expires_at < ?", before)


async def pairing_stop_by_secret(secret_hash: str, stamp: datetime) -> int:
    """Stop a browser's previous pairing, unless it was already stopped or used."""
    return await DB.execute("UPDATE device_pairing SET stopped_at = ? WHERE secret_hash = ? AND stopped_at IS NULL"
                            " AND completed_at IS NULL", stamp, secret_hash)


async def pairing_code_taken(code_hash: str, lookup_hash: str, stamp: datetime) -> bool:
    """Is this code, or its first half among unexpired pairings, already in use?"""
    row = await DB.fetchone(
        "SELECT id FROM device_pairing WHERE code_hash = ? OR (lookup_hash = ? AND expires_at > ?) LIMIT 1",
        code_hash, lookup_hash, stamp,
    )
    return row is not None


async def pairing_add(pairing_id: str, *, secret_hash: str, lookup_hash: str, code_hash: str, label: str,
                      user_agent: str, stamp: datetime, expires_at: datetime) -> None:
    await DB.execute(
        "INSERT INTO device_pairing (id, secret_hash, lookup_hash, code_hash, label, user_agent, created_at,"
        " expires_at) VALUES (?,?,?,?,?,?,?,?)",
        pairing_id, secret_hash, lookup_hash, code_hash, label, user_agent, stamp, expires_at,
    )


async def pairing_get(pairing_id: str) -> dict | None:
    return await DB.fetchone("SELECT * FROM device_pairing WHERE id = ?", pairing_id)


async def pairing_by_secret(secret_hash: str) -> dict | None:
    return await DB.fetchone("SELECT * FROM device_pairing WHERE secret_hash = ?", secret_hash)


async def pairing_by_code(code_hash: str) -> dict | None:
    return await DB.fetchone("SELECT * FROM device_pairing WHERE code_hash = ?", code_hash)


async def pairing_meant(lookup_hash: str, stamp: datetime) -> dict | None:
    """The newest unexpired pairing whose code starts with this half (the one a wrong code was meant for)."""
    return await DB.fetchone(
        "SELECT * FROM device_pairing WHERE lookup_hash = ? AND expires_at > ? ORDER BY created_at DESC LIMIT 1",
        lookup_hash, stamp,
    )


async def pairing_count_wrong(pairing_id: str, max_wrong: int, stamp: datetime) -> bool:
    """Count one wrong code; the `max_wrong`th stops the pairing. Returns whether it is stopped now."""
    # `ELSE stopped_at` (NULL here) gives PostgreSQL the parameter's type; CAST(? AS TIMESTAMPTZ)
    # would not do on SQLite, where that cast keeps only the year.
    await DB.execute(
        "UPDATE device_pairing SET wrong_codes = wrong_codes + 1,"
        " stopped_at = CASE WHEN wrong_codes + 1 >= ? THEN ? ELSE stopped_at END"
        " WHERE id = ? AND stopped_at IS NULL",
        max_wrong, stamp, pairing_id,
    )
    row = await DB.fetchone("SELECT stopped_at FROM device_pairing WHERE id = ?", pairing_id)
    return row is not None and row["stopped_at"] is not None


async def pairing_approve(pairing_id: str, *, profile_id: str, device_id: str | None, stamp: datetime) -> int:
    """Approve a waiting pairing (not stopped, used or expired); returns rows changed (0 or 1)."""
    return await DB.execute(
        "UPDATE device_pairing SET approved_at = ?, approved_profile_id = ?, approved_device_id = ?"
        " WHERE id = ? AND approved_at IS NULL AND stopped_at IS NULL AND completed_at IS NULL AND expires_at > ?",
        stamp, profile_id, device_id, pairing_id, stamp,
    )


async def pairing_complete(pairing_id: str, device_id: str, stamp: datetime) -> int:
    return await DB.execute("UPDATE device_pairing SET completed_at = ?, device_id = ? WHERE id = ?",
                            stamp, device_id, pairing_id)
