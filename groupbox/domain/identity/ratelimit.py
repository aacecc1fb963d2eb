"""Fixed-window rate limits kept in the database, so several workers share them."""

from __future__ import annotations

import time

from groupbox.config import parse_rate
from groupbox.db.engine import DB
from groupbox.errors import RateLimited
from groupbox.i18n import _


async def hit(bucket: str, rate: str) -> None:
    """Count one attempt in `bucket` ("claim:1.2.3.4"); raise RateLimited past the limit."""
    limit, seconds = parse_rate(rate)
    window = int(time.time()) // seconds * seconds
    async with DB.write() as tx:
        await tx.connection.execute(
            "INSERT INTO rate_hit (bucket, window_start, hits) VALUES (?, ?, 1)"
            " ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_hit.hits + 1",
            (bucket, window),
        )
        rows = await tx.connection.execute_fetchall(
            "SELECT hits FROM rate_hit WHERE bucket = ? AND window_start = ?", (bucket, window)
        )
        # Old windows are useless; keep the table small.
        await tx.connection.execute("DELETE FROM rate_hit WHERE window_start < ?", (window - 86400,))
    if rows[0]["hits"] > limit:
        retry = window + seconds - int(time.time())
        raise RateLimited(_("Too many attempts. Please wait a minute and try again."), retry_after=max(retry, 1))
