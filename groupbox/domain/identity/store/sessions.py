"""Devices, their sessions, and one-time sign-in links."""

from __future__ import annotations

from datetime import datetime

from groupbox.db.engine import DB

TABLES = ("device", "session", "signin_token")
READS: dict[str, str] = {
    "profile": "a session's person (name, owner flag, language), read with the session: one query a request",
}
FOREIGN_WRITES: dict[str, str] = {}


def _marks(values) -> str:
    return ",".join("?" * len(values))


# -- devices ----------------------------------------------------------------------------------------
async def device_add(device_id: str, *, profile_id: str, member_id: str | None, label: str, user_agent: str,
                     stamp: datetime) -> None:
    await DB.execute(
        "INSERT INTO device (id, profile_id, member_id, label, user_agent, created_at, last_seen_at)"
        " VALUES (?,?,?,?,?,?,?)",
        device_id, profile_id, member_id, label, user_agent, stamp, stamp,
    )


def _visible(profile_id: str, device_id: str | None, whole_profile: bool) -> tuple[str, list]:
    """The devices a request may see: the profile's, or only itself for a one-group device."""
    if whole_profile:
        return "profile_id = ?", [profile_id]
    return "id = ?", [device_id]


async def devices_live(profile_id: str, device_id: str | None, *, whole_profile: bool) -> list[dict]:
    """Devices not revoked that this request may see, most recently seen first."""
    where, params = _visible(profile_id, device_id, whole_profile)
    return await DB.fetch(
        "SELECT id, label, user_agent, created_at, last_seen_at, member_id IS NOT NULL AS one_group FROM device"
        f" WHERE {where} AND revoked_at IS NULL ORDER BY last_seen_at DESC",
        *params,
    )


async def device_live(device_id: str, *, profile_id: str, own_device_id: str | None,
                      whole_profile: bool) -> dict | None:
    """One device not revoked, if this request may see it."""
    where, params = _visible(profile_id, own_device_id, whole_profile)
    return await DB.fetchone(f"SELECT * FROM device WHERE id = ? AND {where} AND revoked_at IS NULL",
                             device_id, *params)


async def device_is_live(device_id: str | None) -> bool:
    if device_id is None:
        return False
    return await DB.fetchone("SELECT id FROM device WHERE id = ? AND revoked_at IS NULL", device_id) is not None


async def device_ids_active(profile_id: str) -> list[str]:
    """The profile's devices not revoked (whole-profile and one-group ones)."""
    rows = await DB.fetch("SELECT id FROM device WHERE profile_id = ? AND revoked_at IS NULL", profile_id)
    return [row["id"] for row in rows]


async def device_saved_at(device_id: str) -> datetime | None:
    row = await DB.fetchone("SELECT saved_at FROM device WHERE id = ?", device_id)
    return row["saved_at"] if row else None


async def device_set_label(device_id: str, label: str) -> int:
    return await DB.execute("UPDATE device SET label = ? WHERE id = ?", label, device_id)


async def device_mark_saved(device_id: str, profile_id: str, stamp: datetime) -> int:
    return await DB.execute("UPDATE device SET saved_at = COALESCE(saved_at, ?) WHERE id = ? AND profile_id = ?",
                            stamp, device_id, profile_id)


async def devices_revoke(device_ids: list[str], stamp: datetime) -> None:
    """Revoke devices and every session they hold."""
    if not device_ids:
        return
    marks = _marks(device_ids)
    await DB.execute(f"UPDATE device SET revoked_at = ? WHERE id IN ({marks}) AND revoked_at IS NULL",
                     stamp, *device_ids)
    await DB.execute(f"UPDATE session SET revoked_at = ? WHERE device_id IN ({marks}) AND revoked_at IS NULL",
                     stamp, *device_ids)


async def devices_revoke_of_member(member_id: str, stamp: datetime) -> int:
    """Revoke the devices bound to one membership (their sessions stop with them)."""
    return await DB.execute("UPDATE device SET revoked_at = COALESCE(revoked_at, ?) WHERE member_id = ?",
                            stamp, member_id)


async def devices_of_profile(profile_id: str) -> list[dict]:
    """Every device of a profile, revoked ones too (for the person's export)."""
    return await DB.fetch(
        "SELECT id, label, user_agent, created_at, last_seen_at, revoked_at FROM device WHERE profile_id = ?",
        profile_id,
    )


async def devices_delete_of_profile(profile_id: str) -> None:
    """Remove a profile's devices and their sessions."""
    await DB.execute("DELETE FROM session WHERE device_id IN (SELECT id FROM device WHERE profile_id = ?)", profile_id)
    await DB.execute("DELETE FROM device WHERE profile_id = ?", profile_id)


# -- sessions ---------------------------------------------------------------------------------------
async def session_add(session_id: str, *, token_hash: str, device_id: str, stamp: datetime,
                      expires_at: datetime) -> None:
    await DB.execute(
        "INSERT INTO session (id, token_hash, device_id, created_at, last_seen_at, expires_at) VALUES (?,?,?,?,?,?)",
        session_id, token_hash, device_id, stamp, stamp, expires_at,
    )


async def session_by_token(token_hash: str) -> dict | None:
    """A live session (neither it nor its device revoked) with its device: session_id, last_seen_at,
    expires_at, device_id, profile_id, member_id; and its profile's display_name, is_owner and
    language (`profile_found` is None when the profile is gone)."""
    return await DB.fetchone(
        "SELECT s.id AS session_id, s.last_seen_at, s.expires_at, d.id AS device_id, d.profile_id, d.member_id,"
        " p.id AS profile_found, p.display_name, p.is_owner, p.language"
        " FROM session s JOIN device d ON d.id = s.device_id LEFT JOIN profile p ON p.id = d.profile_id"
        " WHERE s.token_hash = ? AND s.revoked_at IS NULL AND d.revoked_at IS NULL",
        token_hash,
    )


async def session_seen(session_id: str, device_id: str, stamp: datetime, expires_at: datetime) -> None:
    await DB.execute("UPDATE session SET last_seen_at = ?, expires_at = ? WHERE id = ?", stamp, expires_at, session_id)
    await DB.execute("UPDATE device SET last_seen_at = ? WHERE id = ?", stamp, device_id)


async def session_revoke(session_id: str, stamp: datetime) -> int:
    return await DB.execute("UPDATE session SET revoked_at = ? WHERE id = ?", stamp, session_id)


# -- one-time sign-in links -------------------------------------------------------------------------
async def signin_add(link_id: str, *, token_hash: str, profile_id: str | None, member_id: str | None,
                     created_by: str | None, stamp: datetime, expires_at: datetime, bound: bool) -> None:
    await DB.execute(
        "INSERT INTO signin_token (id, token_hash, profile_id, member_id, created_by, created_at, expires_at, bound)"
        " VALUES (?,?,?,?,?,?,?,?)",
        link_id, token_hash, profile_id, member_id, created_by, stamp, expires_at, bool(bound),
    )


async def signin_by_token(token_hash: str) -> dict | None:
    return await DB.fetchone("SELECT * FROM signin_token WHERE token_hash = ?", token_hash)


async def signin_spend(link_id: str, stamp: datetime) -> int:
    return await DB.execute("UPDATE signin_token SET used_at = ? WHERE id = ?", stamp, link_id)


async def signins_delete_of_profile(profile_id: str) -> int:
    return await DB.execute("DELETE FROM signin_token WHERE profile_id = ?", profile_id)
