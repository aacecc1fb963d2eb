"""Profiles: the people of this server, their name, address, language and owner flag, their
home-page visits and their calendar feed's secret."""

from __future__ import annotations

from datetime import datetime

from groupbox.db.engine import DB

TABLES = ("profile",)
READS = {
    "device": "trust: the profile's whole-profile devices counted in the same row as its passkeys",
    "passkey": "trust: the profile's passkeys counted in the same row as its devices",
}
FOREIGN_WRITES: dict[str, str] = {}


async def profile_owner() -> dict | None:
    return await DB.fetchone("SELECT * FROM profile WHERE is_owner = TRUE LIMIT 1")


async def profile_get(profile_id: str) -> dict | None:
    return await DB.fetchone("SELECT * FROM profile WHERE id = ?", profile_id)


async def profile_add(profile_id: str, display_name: str, *, is_owner: bool, email: str | None,
                      created_at: datetime) -> None:
    await DB.execute(
        "INSERT INTO profile (id, display_name, is_owner, email, created_at) VALUES (?,?,?,?,?)",
        profile_id, display_name, bool(is_owner), email, created_at,
    )


async def profile_delete(profile_id: str) -> int:
    return await DB.execute("DELETE FROM profile WHERE id = ?", profile_id)


# -- language ---------------------------------------------------------------------------------------
async def profile_language(profile_id: str) -> str | None:
    row = await DB.fetchone("SELECT language FROM profile WHERE id = ?", profile_id)
    return row["language"] if row else None


async def profile_set_language(profile_id: str, language: str) -> int:
    return await DB.execute("UPDATE profile SET language = ? WHERE id = ?", language, profile_id)


# -- email ------------------------------------------------------------------------------------------
async def profile_set_email(profile_id: str, email: str) -> int:
    """A new address is unverified; the same address again keeps its verification."""
    return await DB.execute(
        "UPDATE profile SET email = ?, email_verified_at = CASE WHEN email = ? THEN email_verified_at END"
        " WHERE id = ?",
        email, email, profile_id,
    )


async def profile_verify_email(profile_id: str, email: str, verified_at: datetime) -> int:
    """Mark the address verified if it is still the profile's; returns rows changed (0 or 1)."""
    return await DB.execute("UPDATE profile SET email_verified_at = ? WHERE id = ? AND email = ?",
                            verified_at, profile_id, email)


async def profile_clear_email(profile_id: str) -> int:
    return await DB.execute("UPDATE profile SET email = NULL, email_verified_at = NULL WHERE id = ?", profile_id)


async def profiles_with_verified_email(email: str) -> list[dict]:
    """Profiles whose verified address is `email`, compared without case: id, display_name, email."""
    return await DB.fetch(
        "SELECT id, display_name, email FROM profile WHERE lower(email) = lower(?) AND email_verified_at IS NOT NULL",
        email,
    )


# -- trust ------------------------------------------------------------------------------------------
async def profile_trust_counts(profile_id: str) -> dict | None:
    """devices (whole-profile, not revoked), passkeys, verified (bool) for one profile."""
    return await DB.fetchone(
        "SELECT (SELECT COUNT(*) FROM device WHERE profile_id = p.id AND revoked_at IS NULL AND member_id IS NULL)"
        " AS devices, (SELECT COUNT(*) FROM passkey WHERE profile_id = p.id) AS passkeys,"
        " p.email_verified_at IS NOT NULL AS verified FROM profile p WHERE p.id = ?",
        profile_id,
    )


# -- for "my data" ----------------------------------------------------------------------------------
async def profile_export(profile_id: str) -> dict | None:
    return await DB.fetchone("SELECT id, display_name, email, email_verified_at, is_owner, language, created_at"
                             " FROM profile WHERE id = ?", profile_id)


# -- the home page's visits (actions/home.py: "since my last visit") ------------------------------
async def profile_visits(profile_id: str) -> dict | None:
    return await DB.fetchone("SELECT last_visit_at, prev_visit_at FROM profile WHERE id = ?", profile_id)


async def profile_visits_set(profile_id: str, prev: datetime | None, last: datetime) -> None:
    await DB.execute("UPDATE profile SET prev_visit_at = ?, last_visit_at = ? WHERE id = ?", prev, last, profile_id)


# -- the calendar feed's per-person secret (calendar/service.py) ---------------------------------
async def profile_ics_secret(profile_id: str) -> str | None:
    row = await DB.fetchone("SELECT ics_secret FROM profile WHERE id = ?", profile_id)
    return row["ics_secret"] if row else None


async def profile_ics_set(profile_id: str, secret: str, token_hash: str) -> None:
    await DB.execute("UPDATE profile SET ics_secret = ?, ics_token_hash = ? WHERE id = ?", secret, token_hash,
                     profile_id)


async def profile_id_for_ics(token_hash: str) -> str | None:
    """Whose feed this URL's token hash is."""
    row = await DB.fetchone("SELECT id FROM profile WHERE ics_token_hash = ?", token_hash)
    return row["id"] if row else None
