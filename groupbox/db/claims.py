"""Jobs that every server worker runs (the digest, the nightly backup, remote syncs): the first worker to
claim the day in `instance_meta` does the work, the others see the claim and skip it. The same
table holds the instance's few other records by key (`meta_get`/`meta_add`: the demo's)."""

from __future__ import annotations

from datetime import datetime

from groupbox.db.engine import DB
from groupbox.timefmt import local
from groupbox.util import now


async def claim_day(key: str, hour: int, tz: str, reference: datetime | None = None,
                    hours: int | None = None) -> datetime | None:
    """The local moment, once `hour` has come today in `tz` and nobody has claimed `key` for
    today yet (the caller now holds the claim); None otherwise. With `hours`, only within that
    many hours from `hour`: a job that belongs to the night (the backup) is not made up for at
    noon because the server was started then; without, a late start still does today's (the
    digest)."""
    moment = local(reference or now(), tz)
    if moment.hour < hour or (hours is not None and moment.hour >= hour + hours):
        return None
    today = moment.date().isoformat()
    async with DB.write():
        row = await DB.fetchone("SELECT value FROM instance_meta WHERE key = ?", key)
        if row and row["value"] >= today:
            return None
        await DB.execute("INSERT INTO instance_meta (key, value) VALUES (?, ?)"
                         " ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, today)
    return moment


async def release(key: str) -> None:
    """Give up today's claim (the job failed): the next round tries again."""
    await DB.execute("DELETE FROM instance_meta WHERE key = ?", key)


async def claim_row(table: str, row_id: str, until: datetime, reference: datetime | None = None,
                    column: str = "next_sync_at") -> bool:
    """Claim one row's periodic job: moves its `column` (a due time) to `until` if it is due at
    `reference` (or never set). True for the one worker or process whose update took; the others
    see the moved time and skip it. A claimant that dies leaves the row due again at `until`."""
    moment = reference or now()
    changed = await DB.execute(f"UPDATE {table} SET {column} = ? WHERE id = ? AND ({column} IS NULL OR {column} <= ?)",
                               until, row_id, moment)
    return changed == 1


async def meta_get(key: str) -> str | None:
    """The instance's record under `key` (e.g. "demo"), or None."""
    row = await DB.fetchone("SELECT value FROM instance_meta WHERE key = ?", key)
    return row["value"] if row else None


async def meta_add(key: str, value: str) -> None:
    """Record `value` under a new `key` (a second record under one key is a constraint error)."""
    await DB.execute("INSERT INTO instance_meta (key, value) VALUES (?, ?)", key, value)
