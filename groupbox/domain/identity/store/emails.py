"""Email tokens: address verification and recovery links (hashes only)."""

from __future__ import annotations

from datetime import datetime

from groupbox.db.engine import DB

TABLES = ("email_token",)
READS = {"profile": "a recovery link with its profile's name and current verified address (one join per link)"}
FOREIGN_WRITES: dict[str, str] = {}


async def email_token_add(token_id: str, *, profile_id: str, email: str, purpose: str, token_hash: str,
                          stamp: datetime, expires_at: datetime) -> None:
    await DB.execute(
        "INSERT INTO email_token (id, profile_id, email, purpose, token_hash, created_at, expires_at)"
        " VALUES (?,?,?,?,?,?,?)",
        token_id, profile_id, email, purpose, token_hash, stamp, expires_at,
    )


async def email_token_get(token_hash: str, purpose: str) -> dict | None:
    return await DB.fetchone("SELECT * FROM email_token WHERE token_hash = ? AND purpose = ?", token_hash, purpose)


async def email_token_with_profile(token_hash: str, purpose: str) -> dict | None:
    """The token (every column) with its profile's display_name, profile_email, email_verified_at."""
    return await DB.fetchone(
        "SELECT t.*, p.display_name, p.email AS profile_email, p.email_verified_at FROM email_token t"
        " JOIN profile p ON p.id = t.profile_id WHERE t.token_hash = ? AND t.purpose = ?",
        token_hash, purpose,
    )


async def email_token_spend(token_id: str, stamp: datetime) -> int:
    return await DB.execute("UPDATE email_token SET used_at = ? WHERE id = ?", stamp, token_id)


async def email_tokens_spend_of_profile(profile_id: str, purpose: str, stamp: datetime) -> int:
    """Spend every open token of this purpose of the profile."""
    return await DB.execute("UPDATE email_token SET used_at = ? WHERE profile_id = ? AND purpose = ?"
                            " AND used_at IS NULL", stamp, profile_id, purpose)


async def email_tokens_sweep(purpose: str, before: datetime) -> int:
    return await DB.execute("DELETE FROM email_token WHERE purpose = ? AND expires_at < ?", purpose, before)


async def email_tokens_delete_of_profile(profile_id: str) -> int:
    return await DB.execute("DELETE FROM email_token WHERE profile_id = ?", profile_id)
