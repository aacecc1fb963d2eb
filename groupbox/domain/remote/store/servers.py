"""A home server's connections to other groupbox servers (`remote_server`) and its cache of what they send (`remote_object`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from groupbox.db.engine import DB

TABLES = ("remote_server", "remote_object")
READS = {
    "profile": "`groupbox servers` names whose connection each is (joined to the list, every person's)",
}
FOREIGN_WRITES: dict[str, str] = {}

_LISTED = ("id, url, api_base, server_name, protocol_version, scopes, token_hint, token_expires_at, state,"
           " state_detail, insecure, created_at, last_sync_at, last_ok_at, next_sync_at, changed_at")


def _marks(values: Any) -> str:
    return ",".join("?" * len(values))


# -- connections ----------------------------------------------------------------------------------
async def any_server() -> bool:
    """Whether this server reads any other (most read none: the background loop skips then)."""
    return await DB.fetchone("SELECT 1 AS one FROM remote_server LIMIT 1") is not None


async def server_get(connection_id: str, profile_id: str | None = None) -> dict | None:
    """A connection's whole row, token cipher included (only the profile's own, when given)."""
    if profile_id is None:
        return await DB.fetchone("SELECT * FROM remote_server WHERE id = ?", connection_id)
    return await DB.fetchone("SELECT * FROM remote_server WHERE id = ? AND profile_id = ?", connection_id, profile_id)


async def server_exists(connection_id: str) -> bool:
    return await DB.fetchone("SELECT 1 AS one FROM remote_server WHERE id = ?", connection_id) is not None


async def servers_of_profile(profile_id: str) -> list[dict]:
    """A person's connections, newest first, without the token."""
    return await DB.fetch(f"SELECT {_LISTED} FROM remote_server WHERE profile_id = ? ORDER BY created_at DESC",
                          profile_id)


async def servers_overview(profile_id: str) -> list[dict]:
    """What home pages need of a person's connections, oldest first."""
    return await DB.fetch("SELECT id, server_name, url, scopes, state, state_detail, last_ok_at FROM remote_server"
                          " WHERE profile_id = ? ORDER BY created_at", profile_id)


async def servers_with_people() -> list[dict]:
    """Every connection on this server with its person's name (`person`), oldest first."""
    return await DB.fetch(
        "SELECT r.id, r.url, r.server_name, r.state, r.state_detail, r.insecure, r.scopes, r.last_ok_at,"
        " r.last_sync_at, p.display_name AS person FROM remote_server r JOIN profile p ON p.id = r.profile_id"
        " ORDER BY r.created_at")


async def servers_to_sync(profile_id: str | None = None) -> list[dict]:
    """(id, url, server_name) of one person's connections, or everyone's, oldest first."""
    if profile_id:
        return await DB.fetch("SELECT id, url, server_name FROM remote_server WHERE profile_id = ?"
                              " ORDER BY created_at", profile_id)
    return await DB.fetch("SELECT id, url, server_name FROM remote_server ORDER BY created_at")


async def servers_due(at: datetime, limit: int = 50) -> list[str]:
    """Ids of connections whose next sync has come (or was never set), the longest due first."""
    rows = await DB.fetch("SELECT id FROM remote_server WHERE next_sync_at IS NULL OR next_sync_at <= ?"
                          f" ORDER BY next_sync_at LIMIT {int(limit)}", at)
    return [r["id"] for r in rows]


async def server_id_for(profile_id: str, api_base: str) -> str | None:
    """The person's connection to this API, if they have one."""
    row = await DB.fetchone("SELECT id FROM remote_server WHERE profile_id = ? AND api_base = ?", profile_id, api_base)
    return row["id"] if row else None


async def server_insert(connection_id: str, profile_id: str, *, url: str, api_base: str, server_name: str,
                        protocol_version: str, capabilities: str, token_cipher: str, token_hint: str, insecure: bool,
                        created_at: datetime, next_sync_at: datetime) -> None:
    """A new connection, in state 'syncing'."""
    await DB.execute(
        "INSERT INTO remote_server (id, profile_id, url, api_base, server_name, protocol_version, capabilities,"
        " token_cipher, token_hint, insecure, state, created_at, next_sync_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,'syncing',?,?)",
        connection_id, profile_id, url, api_base, server_name, protocol_version, capabilities, token_cipher,
        token_hint, bool(insecure), created_at, next_sync_at)


async def server_reconnect(connection_id: str, *, url: str, api_base: str, server_name: str, protocol_version: str,
                           capabilities: str, token_cipher: str, token_hint: str, insecure: bool) -> None:
    """The same server connected again: new address details and token, position cleared, 'syncing'."""
    await DB.execute(
        "UPDATE remote_server SET url = ?, api_base = ?, server_name = ?, protocol_version = ?, capabilities = ?,"
        " token_cipher = ?, token_hint = ?, insecure = ?, cursor = NULL, state = 'syncing', state_detail = ''"
        " WHERE id = ?", url, api_base, server_name, protocol_version, capabilities, token_cipher, token_hint,
        bool(insecure), connection_id)


async def server_delete(connection_id: str) -> None:
    """The connection and its cache."""
    await objects_clear(connection_id)
    await DB.execute("DELETE FROM remote_server WHERE id = ?", connection_id)


async def server_finish(connection_id: str, state: str, detail: str, at: datetime, next_sync_at: datetime) -> None:
    """A sync's outcome: its state and sentence, when it ran (and last went well) and when it is due again."""
    if state == "ok":
        await DB.execute("UPDATE remote_server SET state = ?, state_detail = ?, last_sync_at = ?, last_ok_at = ?,"
                         " next_sync_at = ? WHERE id = ?", state, detail, at, at, next_sync_at, connection_id)
    else:
        await DB.execute("UPDATE remote_server SET state = ?, state_detail = ?, last_sync_at = ?, next_sync_at = ?"
                         " WHERE id = ?", state, detail, at, next_sync_at, connection_id)


async def server_set_position(connection_id: str, cursor: str | None, scopes: str, token_expires_at: datetime | None,
                              server_name: str, changed_at: datetime | None) -> None:
    """After a page: the position reached, the token's scopes and expiry, the server's name (when it
    sent one) and, when something changed (`changed_at`), what cached dashboards key on."""
    sets = ["cursor = ?", "scopes = ?", "token_expires_at = ?"]
    params: list[Any] = [cursor, scopes, token_expires_at]
    if server_name:
        sets.append("server_name = ?")
        params.append(server_name)
    if changed_at is not None:
        sets.append("changed_at = ?")
        params.append(changed_at)
    await DB.execute(f"UPDATE remote_server SET {', '.join(sets)} WHERE id = ?", *params, connection_id)


async def server_touch(connection_id: str, at: datetime) -> None:
    """Something in the cache changed here (cached dashboards are rebuilt)."""
    await DB.execute("UPDATE remote_server SET changed_at = ? WHERE id = ?", at, connection_id)


# -- the cache ------------------------------------------------------------------------------------
async def object_counts(connection_id: str) -> dict[str, int]:
    """Cached objects of a connection per type."""
    rows = await DB.fetch("SELECT type, COUNT(*) AS n FROM remote_object WHERE connection_id = ? GROUP BY type",
                          connection_id)
    return {r["type"]: r["n"] for r in rows}


_ORDERS = {"sort_at": " ORDER BY sort_at DESC NULLS LAST", "updated_at": " ORDER BY updated_at DESC"}


async def objects_of(connection_ids: list[str], types: tuple[str, ...] | list[str], *, ids: list[str] | None = None,
                     stub: bool | None = None, sort_from: datetime | None = None, sort_until: datetime | None = None,
                     newest_by: str | None = None, limit: int | None = None) -> list[dict]:
    """Cached objects of these connections and types (data still JSON text). Optional: only these
    `ids`; only stubs or only whole objects (`stub`); `sort_at` in [sort_from, sort_until); the
    newest first by `newest_by` ("sort_at" or "updated_at"); at most `limit`."""
    if not connection_ids or not types or ids == []:
        return []
    sql = ("SELECT connection_id, type, id, group_id, group_name, stub, sort_at, data, updated_at FROM remote_object"
           f" WHERE connection_id IN ({_marks(connection_ids)}) AND type IN ({_marks(types)})")
    params: list[Any] = [*connection_ids, *types]
    if ids is not None:
        sql += f" AND id IN ({_marks(ids)})"
        params += ids
    if stub is not None:
        sql += " AND stub = TRUE" if stub else " AND stub = FALSE"
    if sort_from is not None:
        sql += " AND sort_at >= ?"
        params.append(sort_from)
    if sort_until is not None:
        sql += " AND sort_at < ?"
        params.append(sort_until)
    if newest_by is not None:
        sql += _ORDERS[newest_by]
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return await DB.fetch(sql, *params)


async def object_get(connection_id: str, obj_type: str, object_id: str) -> dict | None:
    return await DB.fetchone("SELECT * FROM remote_object WHERE connection_id = ? AND type = ? AND id = ?",
                             connection_id, obj_type, object_id)


async def object_set_data(connection_id: str, obj_type: str, object_id: str, data: str) -> None:
    await DB.execute("UPDATE remote_object SET data = ? WHERE connection_id = ? AND type = ? AND id = ?",
                     data, connection_id, obj_type, object_id)


async def object_delete(connection_id: str, obj_type: str, object_id: str) -> None:
    await DB.execute("DELETE FROM remote_object WHERE connection_id = ? AND type = ? AND id = ?",
                     connection_id, obj_type, object_id)


async def objects_clear(connection_id: str) -> None:
    """Everything cached from a connection."""
    await DB.execute("DELETE FROM remote_object WHERE connection_id = ?", connection_id)


async def objects_apply(connection_id: str, *, lost_groups: list[str], objects: list[tuple], gone: list[tuple],
                        groups: list[tuple[str, str]]) -> None:
    """One page into the cache (inside the caller's transaction): drop the lost groups' objects,
    upsert `objects` (type, id, group_id, group_name, stub, sort_at, data, updated_at), delete
    `gone` (type, id), then give the groups (id, name) their current names (a renamed group's name
    comes with the page's groups, not with its unchanged objects)."""
    async with DB.write() as tx:
        connection = tx.connection
        if lost_groups:
            await connection.executemany("DELETE FROM remote_object WHERE connection_id = ? AND group_id = ?",
                                         [(connection_id, gid) for gid in lost_groups])
        if objects:
            await connection.executemany(
                "INSERT INTO remote_object (connection_id, type, id, group_id, group_name, stub, sort_at, data,"
                " updated_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (connection_id, type, id) DO UPDATE SET"
                " group_id = excluded.group_id, group_name = excluded.group_name, stub = excluded.stub,"
                " sort_at = excluded.sort_at, data = excluded.data, updated_at = excluded.updated_at",
                [(connection_id, *row) for row in objects])
        if gone:
            await connection.executemany("DELETE FROM remote_object WHERE connection_id = ? AND type = ? AND id = ?",
                                         [(connection_id, *row) for row in gone])
        if groups:
            await connection.executemany(
                "UPDATE remote_object SET group_name = ? WHERE connection_id = ? AND group_id = ? AND group_name <> ?",
                [(name, connection_id, gid, name) for gid, name in groups])
