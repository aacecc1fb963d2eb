"""Rate-limit counters: hits per bucket and fixed time window, shared by every worker."""

from __future__ import annotations

from groupbox.db.engine import DB

TABLES = ("rate_hit",)
READS: dict[str, str] = {}
FOREIGN_WRITES: dict[str, str] = {}


async def rate_hit_count(bucket: str, window_start: int) -> int:
    """Count one hit in the bucket's window and return the window's hits so far."""
    await DB.execute(
        "INSERT INTO rate_hit (bucket, window_start, hits) VALUES (?, ?, 1)"
        " ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_hit.hits + 1",
        bucket, int(window_start),
    )
    return await rate_hits(bucket, window_start)


async def rate_hits(bucket: str, window_start: int) -> int:
    row = await DB.fetchone("SELECT hits FROM rate_hit WHERE bucket = ? AND window_start = ?", bucket,
                            int(window_start))
    return int(row["hits"]) if row else 0


async def rate_hits_sweep(before: int) -> int:
    """Forget windows that started before `before`: they are useless, and the table stays small."""
    return await DB.execute("DELETE FROM rate_hit WHERE window_start < ?", int(before))
