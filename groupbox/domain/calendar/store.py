"""The calendar's storage: it owns no table; the ICS feed's per-person secret lives on the profile."""

from __future__ import annotations

from groupbox.db.engine import DB

TABLES: tuple[str, ...] = ()
READS = {
    "profile": "the ICS feed's per-person secret and the hash its URL is looked up by",
}
FOREIGN_WRITES = {
    "profile": "resetting the ICS feed rotates profile.ics_secret/ics_token_hash; identity.store should offer"
               " profile_set_ics(profile_id, secret, token_hash)",
}


async def feed_secret(profile_id: str) -> str | None:
    row = await DB.fetchone("SELECT ics_secret FROM profile WHERE id = ?", profile_id)
    return row["ics_secret"] if row else None


async def feed_set(profile_id: str, secret: str, token_hash: str) -> None:
    await DB.execute("UPDATE profile SET ics_secret = ?, ics_token_hash = ? WHERE id = ?", secret, token_hash,
                     profile_id)


async def feed_profile_id(token_hash: str) -> str | None:
    """Whose feed this URL's token hash is."""
    row = await DB.fetchone("SELECT id FROM profile WHERE ics_token_hash = ?", token_hash)
    return row["id"] if row else None
