"""A home server's connections to other groupbox servers, and the cache of what they send
(SPEC §14, docs/protocol.md).

Rules:
- A connection belongs to one home profile; only that person (on a whole-profile device) lists,
  syncs or removes it. Someone else's connection is 404.
- Connecting checks the address (manifest, protocol major version) and the token (the first
  sync page) before anything is stored: a bad address is Invalid on `url`, a refused token
  Invalid on `token`. Connecting the same server again replaces the token and starts over.
- The token is stored only sealed (`secrets.seal`), never logged, never shown (`token_hint`).
- A sync applies each page in one short write transaction (the network is never awaited inside
  it) and stores the cursor with it. A failure gives the connection a state and a sentence and
  keeps the last good cache; home pages never wait for a sync.
- Every change of a connection (connect, reconnect, disconnect) goes to the audit log. Audit
  entries are per group; a connection belongs to no local group, so its entries carry no group
  (group_id NULL) and the acting profile.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from dataclasses import dataclass, field
from datetime import timedelta

from groupbox.access import Actor, require_whole_profile
from groupbox.config import Config
from groupbox.db import claims
from groupbox.db.engine import DB
from groupbox.domain.audit import service as audit
from groupbox.domain.remote import client, secrets
from groupbox.domain.remote.client import RemoteFault
from groupbox.domain.remote.store import servers as store
from groupbox.errors import Invalid, NotFound
from groupbox.i18n import _
from groupbox.util import new_id, now

log = logging.getLogger("groupbox.remote")

MAX_PAGES = 200  # 200 × 500 objects; more than that in one sync is a server that never ends
LEASE = timedelta(minutes=10)  # a claimed connection is due again after this if its worker died
COUNTED = ("actions", "events", "announcements", "files", "threads", "polls", "tasks")
_PLURAL = {kind: key for key, kind in client.KINDS.items()}


@dataclass
class SyncResult:
    connection_id: str
    server_name: str
    state: str
    detail: str
    received: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def _timeout(config: Config) -> float:
    return float(max(1, int(getattr(config, "remote_timeout_seconds", 15))))


def _next_due(config: Config) -> object:
    minutes = max(1, int(config.sync_interval_minutes))
    return now() + timedelta(seconds=minutes * 60 * random.uniform(0.8, 1.2))


# -- reading --------------------------------------------------------------------------------------
async def counts(connection_id: str) -> dict[str, int]:
    found = {_PLURAL.get(kind, kind + "s"): n for kind, n in (await store.object_counts(connection_id)).items()}
    return {key: found.get(key, 0) for key in COUNTED}


async def servers(actor: Actor) -> list[dict]:
    """The actor's connections, newest first, each with `counts` per kind. Never the token."""
    require_whole_profile(actor)
    rows = await store.servers_of_profile(actor.profile_id)
    for row in rows:
        row["insecure"] = bool(row["insecure"])
        row["counts"] = await counts(row["id"])
    return rows


async def servers_of_everyone() -> list[dict]:
    """Every connection on this server, with its person (`person`) and `counts` (`groupbox servers`)."""
    rows = await store.servers_with_people()
    for row in rows:
        row["insecure"] = bool(row["insecure"])
        row["counts"] = await counts(row["id"])
    return rows


async def server(actor: Actor, connection_id: str) -> dict:
    require_whole_profile(actor)
    for row in await servers(actor):
        if row["id"] == connection_id:
            return row
    raise NotFound(_("Not found"))


async def owned(actor: Actor, connection_id: str) -> dict:
    """The actor's own connection (404 for anyone else's)."""
    require_whole_profile(actor)
    row = await store.server_get(connection_id, actor.profile_id)
    if row is None:
        raise NotFound(_("Not found"))
    return row


# -- connecting -----------------------------------------------------------------------------------
async def connect(actor: Actor, url: str, token: str, config: Config, *, local_ok: bool = False) -> SyncResult:
    """Check the server and the token, store the connection, sync it (first page before storing,
    the rest like any sync). Invalid on `url` or `token` when they do not work.

    A loopback or LAN address is for the instance owner, the command line (`local_ok`), or a
    server that is itself on a local address (two test servers, a LAN-only install): a member of
    a public server cannot make it knock on machines inside its own network."""
    require_whole_profile(actor)
    clean = client.clean_url(url)
    if client.is_local(clean) and not (local_ok or actor.is_owner or client.is_local(config.base_url)):
        raise Invalid(_("This server connects to local network addresses only for its owner. Use the other "
                        "server's public address."), field="url")
    secret = client.clean_token(token)
    total = _timeout(config)
    try:
        manifest = await client.fetch_manifest(clean, total=total)
    except RemoteFault as fault:
        raise Invalid(fault.detail, field="url") from None
    try:
        page = await client.fetch_page(manifest.api_base, secret, None, total=total)
    except RemoteFault as fault:
        if fault.state == "revoked":
            raise Invalid(_("{host} does not accept this token (wrong, revoked or expired): copy it again, or make "
                            "a new one there.", host=clean.split("://", 1)[-1]), field="token") from None
        raise Invalid(fault.detail, field="url") from None
    stamp = now()
    existing = await store.server_id_for(actor.profile_id, manifest.api_base)
    connection_id = existing or new_id()
    name = page.server_name or manifest.server_name
    async with DB.write():
        values = {"url": clean, "api_base": manifest.api_base, "server_name": name,
                  "protocol_version": manifest.protocol_version, "capabilities": json.dumps(manifest.capabilities),
                  "token_cipher": secrets.seal(config, connection_id, secret), "token_hint": secrets.hint(secret),
                  "insecure": client.is_insecure(manifest.api_base)}
        if existing:
            await store.server_reconnect(connection_id, **values)
            await store.objects_clear(connection_id)
        else:
            await store.server_insert(connection_id, actor.profile_id, **values, created_at=stamp,
                                      next_sync_at=stamp + LEASE)
        await _apply(connection_id, page)
        await audit.record("remote.reconnect" if existing else "remote.connect", actor=actor,
                           target_type="remote_server", target_id=connection_id, target_name=name,
                           detail=f"{clean} scopes: {' '.join(page.scopes)}")
    log.info("connected %s (%s) for profile %s", clean, connection_id, actor.profile_id)
    if page.has_more:
        return await _run(config, connection_id, first=page)
    await _finish(config, connection_id, "ok", "")
    return SyncResult(connection_id, name, "ok", "", len(page.objects), await counts(connection_id))


async def disconnect(actor: Actor, connection_id: str) -> None:
    """Remove the connection and everything cached from it."""
    row = await owned(actor, connection_id)
    async with DB.write():
        await store.server_delete(connection_id)
        await audit.record("remote.disconnect", actor=actor, target_type="remote_server", target_id=connection_id,
                           target_name=row["server_name"], detail=row["url"])


# -- syncing --------------------------------------------------------------------------------------
async def sync_mine(actor: Actor, connection_id: str, config: Config) -> SyncResult:
    """Sync one of the actor's connections now (the button, the API)."""
    await owned(actor, connection_id)
    return await sync(config, connection_id)


async def sync(config: Config, connection_id: str) -> SyncResult:
    return await _run(config, connection_id)


async def sync_profiles(config: Config, profile_id: str | None = None) -> list[dict]:
    """The connections `groupbox sync` goes through: one profile's, or all."""
    return await store.servers_to_sync(profile_id)


async def sync_due(config: Config) -> list[SyncResult]:
    """The background loop's job: every connection whose time has come, each claimed first so
    that of several workers and processes exactly one syncs it."""
    stamp = now()
    due = await store.servers_due(stamp)
    claimed = [cid for cid in due if await claims.claim_row("remote_server", cid, stamp + LEASE, stamp)]
    gate = asyncio.Semaphore(4)  # a slow server does not hold up the others (nor the mail behind them)

    async def one(connection_id: str) -> SyncResult | None:
        async with gate:
            try:
                return await _run(config, connection_id)
            except NotFound:  # disconnected meanwhile
                return None

    return [r for r in await asyncio.gather(*(one(c) for c in claimed)) if r is not None]


async def _run(config: Config, connection_id: str, first: client.Page | None = None) -> SyncResult:
    row = await store.server_get(connection_id)
    if row is None:
        raise NotFound(_("Not found"))
    result = SyncResult(connection_id, row["server_name"], "ok", "")
    cursor = first.cursor if first else row["cursor"]
    seen = {cursor}
    try:
        try:
            token = secrets.open_sealed(config, connection_id, row["token_cipher"])
        except secrets.SecretError as exc:
            log.warning("remote %s: %s", connection_id, exc)
            raise RemoteFault("error", _("The stored token cannot be read on this server any more; connect "
                                         "the server again.")) from None
        restart = False
        for _page in range(MAX_PAGES):
            try:
                page = await client.fetch_page(row["api_base"], token, cursor, total=_timeout(config))
            except RemoteFault as refused:
                # 400: the server no longer knows our position (docs/protocol.md): start over once.
                if refused.status != 400 or cursor is None or restart:
                    raise
                log.info("remote %s: position refused, syncing from the start", connection_id)
                cursor, seen, restart = None, {None}, True
                page = await client.fetch_page(row["api_base"], token, None, total=_timeout(config))
                await _apply(connection_id, page, reset=True)
            else:
                if page.cursor in seen and (page.has_more or page.cursor != cursor):
                    raise RemoteFault("cursor_backwards", _("{host} sent a position it had already passed; the "
                                                             "last good copy is kept.", host=_host(row)))
                await _apply(connection_id, page)
            result.received += len(page.objects)
            result.server_name = page.server_name or result.server_name
            seen.add(page.cursor)
            cursor = page.cursor
            if not page.has_more:
                break
        else:
            raise RemoteFault("cursor_backwards", _("{host} kept saying there is more after {n} pages; the sync "
                                                     "stopped there.", host=_host(row), n=MAX_PAGES))
    except RemoteFault as fault:
        if fault.state == "garbage":  # an upgraded server says so in its manifest: a clearer reason
            try:
                await client.fetch_manifest(row["url"], total=_timeout(config))
            except RemoteFault as newer:
                fault = newer if newer.state == "bad_version" else fault
        result.state, result.detail = fault.state, fault.detail
        log.info("remote %s (%s): %s", connection_id, row["url"], fault.state)
    await _finish(config, connection_id, result.state, result.detail)
    result.counts = await counts(connection_id)
    return result


def _host(row: dict) -> str:
    return row["url"].split("://", 1)[-1]


async def _finish(config: Config, connection_id: str, state: str, detail: str) -> None:
    await store.server_finish(connection_id, state, detail[:500], now(), _next_due(config))


async def _apply(connection_id: str, page: client.Page, *, reset: bool = False) -> None:
    """One page into the cache, in one short write transaction: lost groups go first, then the
    objects (and the groups as `group` rows), then the tombstones, then the groups' current names,
    then the cursor."""
    group_ids = [t["id"] for t in page.tombstones if t["type"] == "group"]
    objects = [("group", g["id"], g["id"], g["name"], False, None, json.dumps(g), now())
               for g in page.groups if g["id"] not in group_ids]
    objects += [(o["type"], o["id"], o["group_id"], o["group_name"], bool(o["stub"]), o["sort_at"],
                 json.dumps(o["data"], ensure_ascii=False), o["updated_at"]) for o in page.objects]
    gone = [(t["type"], t["id"]) for t in page.tombstones if t["type"] != "group"]
    stamp = now()
    async with DB.write():
        if not await store.server_exists(connection_id):
            raise NotFound(_("Not found"))  # disconnected while this sync was on the way
        if reset:  # starting over: the cache is rebuilt from this page and the ones after it
            await store.objects_clear(connection_id)
        await store.objects_apply(connection_id, lost_groups=group_ids, objects=objects, gone=gone,
                                  groups=[(g["id"], g["name"]) for g in page.groups])
        await store.server_set_position(connection_id, page.cursor, " ".join(page.scopes), page.token_expires_at,
                                        page.server_name, stamp if page.objects or page.tombstones else None)
