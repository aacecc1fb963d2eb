"""Passkeys (WebAuthn credentials) and their single-use challenges (hashes only)."""

from __future__ import annotations

from datetime import datetime

from groupbox.db.engine import DB

TABLES = ("passkey", "passkey_challenge")
READS: dict[str, str] = {}
FOREIGN_WRITES: dict[str, str] = {}

_LISTED = "SELECT id, name, credential_id, transports, backed_up, created_at, last_used_at FROM passkey"


# -- challenges -------------------------------------------------------------------------------------
async def challenge_add(challenge_hash: str, *, purpose: str, profile_id: str | None, stamp: datetime,
                        expires_at: datetime) -> None:
    """Keep a new challenge, forgetting the expired ones."""
    await DB.execute("DELETE FROM passkey_challenge WHERE expires_at < ?", stamp)
    await DB.execute(
        "INSERT INTO passkey_challenge (challenge_hash, purpose, profile_id, created_at, expires_at)"
        " VALUES (?,?,?,?,?)",
        challenge_hash, purpose, profile_id, stamp, expires_at,
    )


async def challenge_take(challenge_hash: str, purpose: str) -> dict | None:
    """The challenge (every column), removed as it is read; None when unknown."""
    row = await DB.fetchone("SELECT * FROM passkey_challenge WHERE challenge_hash = ? AND purpose = ?",
                            challenge_hash, purpose)
    if row is not None:
        await DB.execute("DELETE FROM passkey_challenge WHERE challenge_hash = ?", challenge_hash)
    return row


# -- passkeys ---------------------------------------------------------------------------------------
async def passkeys_of(profile_id: str) -> list[dict]:
    """A profile's passkeys, newest first: id, name, credential_id, transports, backed_up, created_at,
    last_used_at."""
    return await DB.fetch(f"{_LISTED} WHERE profile_id = ? ORDER BY created_at DESC", profile_id)


async def passkey_of(passkey_id: str, profile_id: str) -> dict | None:
    return await DB.fetchone(f"{_LISTED} WHERE id = ? AND profile_id = ?", passkey_id, profile_id)


async def passkey_by_credential(credential_id: str) -> dict | None:
    return await DB.fetchone("SELECT * FROM passkey WHERE credential_id = ?", credential_id)


async def passkey_add(passkey_id: str, *, profile_id: str, credential_id: str, public_key: str, sign_count: int,
                      name: str, aaguid: str, transports: str, backed_up: bool, created_at: datetime) -> None:
    await DB.execute(
        "INSERT INTO passkey (id, profile_id, credential_id, public_key, sign_count, name, aaguid, transports,"
        " backed_up, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        passkey_id, profile_id, credential_id, public_key, int(sign_count), name, aaguid, transports,
        bool(backed_up), created_at,
    )


async def passkey_used(passkey_id: str, *, sign_count: int, backed_up: bool, stamp: datetime) -> int:
    return await DB.execute("UPDATE passkey SET sign_count = ?, last_used_at = ?, backed_up = ? WHERE id = ?",
                            int(sign_count), stamp, bool(backed_up), passkey_id)


async def passkey_set_name(passkey_id: str, profile_id: str, name: str) -> int:
    return await DB.execute("UPDATE passkey SET name = ? WHERE id = ? AND profile_id = ?", name, passkey_id,
                            profile_id)


async def passkey_delete(passkey_id: str, profile_id: str) -> int:
    return await DB.execute("DELETE FROM passkey WHERE id = ? AND profile_id = ?", passkey_id, profile_id)


async def passkey_exists(profile_id: str) -> bool:
    return await DB.fetchone("SELECT id FROM passkey WHERE profile_id = ? LIMIT 1", profile_id) is not None


async def passkeys_export(profile_id: str) -> list[dict]:
    return await DB.fetch("SELECT id, name, created_at, last_used_at FROM passkey WHERE profile_id = ?", profile_id)


async def passkeys_delete_of_profile(profile_id: str) -> int:
    return await DB.execute("DELETE FROM passkey WHERE profile_id = ?", profile_id)
