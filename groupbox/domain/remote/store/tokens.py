"""Connection tokens this server issues to members' home servers, and the memberships each acts as."""

from __future__ import annotations

from datetime import datetime

from groupbox.db.engine import DB
from groupbox.db.sql import text_agg

TABLES = ("connection_token", "connection_token_member")
READS = {
    "member": "a token acts as memberships: their groups and whether they are still active (joined to the"
              " token's rows, one query per token)",
    "grp": "the token list names each token's groups (one aggregated subquery per row, not a call per group)",
    "profile": "the person behind a Bearer token: their display name (joined to the token row on every request)",
}
FOREIGN_WRITES: dict[str, str] = {}


async def token_insert(token_id: str, profile_id: str, hashed: str, label: str, scopes: str, created_at: datetime,
                       expires_at: datetime) -> None:
    await DB.execute(
        "INSERT INTO connection_token (id, profile_id, token_hash, label, scopes, created_at, expires_at)"
        " VALUES (?,?,?,?,?,?,?)", token_id, profile_id, hashed, label, scopes, created_at, expires_at)


async def token_member_add(token_id: str, member_id: str) -> None:
    await DB.execute("INSERT INTO connection_token_member (token_id, member_id) VALUES (?, ?)", token_id, member_id)


async def token_get(token_id: str, profile_id: str | None = None) -> dict | None:
    """A token by id (only the profile's own, when `profile_id` is given)."""
    if profile_id is None:
        return await DB.fetchone("SELECT * FROM connection_token WHERE id = ?", token_id)
    return await DB.fetchone("SELECT * FROM connection_token WHERE id = ? AND profile_id = ?", token_id, profile_id)


async def tokens_of_profile(profile_id: str) -> list[dict]:
    """A person's tokens, newest first, each with `group_names` (its groups, comma separated)."""
    return await DB.fetch(
        "SELECT t.id, t.label, t.scopes, t.created_at, t.expires_at, t.last_used_at, t.revoked_at,"
        f" (SELECT {text_agg('g.name', ', ')} FROM connection_token_member cm JOIN member m ON m.id = cm.member_id"
        "  JOIN grp g ON g.id = m.group_id WHERE cm.token_id = t.id) AS group_names"
        " FROM connection_token t WHERE t.profile_id = ? ORDER BY t.created_at DESC", profile_id)


async def token_revoke(token_id: str, at: datetime) -> None:
    await DB.execute("UPDATE connection_token SET revoked_at = ? WHERE id = ?", at, token_id)


async def token_group_ids(token_id: str) -> list[str]:
    """The groups of the token's memberships (active or not)."""
    rows = await DB.fetch("SELECT m.group_id FROM connection_token_member cm JOIN member m ON m.id = cm.member_id"
                          " WHERE cm.token_id = ?", token_id)
    return [r["group_id"] for r in rows]


async def token_by_hash(hashed: str) -> dict | None:
    """The token with this hash, revoked or not (id, profile_id, scopes, expires_at, last_used_at, revoked_at)."""
    return await DB.fetchone("SELECT id, profile_id, scopes, expires_at, last_used_at, revoked_at FROM connection_token"
                             " WHERE token_hash = ?", hashed)


async def token_unrevoked_with_person(hashed: str) -> dict | None:
    """An unrevoked token with this hash and its person's display name (expiry is the caller's)."""
    return await DB.fetchone(
        "SELECT t.id, t.profile_id, t.scopes, t.expires_at, p.display_name FROM connection_token t"
        " JOIN profile p ON p.id = t.profile_id WHERE t.token_hash = ? AND t.revoked_at IS NULL", hashed)


async def token_active_members(token_id: str, profile_id: str) -> list[dict]:
    """The token's memberships that are still active and still the profile's (id, group_id, role, display_name)."""
    return await DB.fetch(
        "SELECT m.id, m.group_id, m.role, m.display_name FROM connection_token_member cm"
        " JOIN member m ON m.id = cm.member_id WHERE cm.token_id = ? AND m.status = 'active'"
        " AND m.profile_id = ?", token_id, profile_id)


async def token_touch(token_id: str, at: datetime) -> None:
    await DB.execute("UPDATE connection_token SET last_used_at = ? WHERE id = ?", at, token_id)
