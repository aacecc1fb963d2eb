"""Fixed-window rate limits kept in the database, so several workers share them."""

from __future__ import annotations

import time

from groupbox.config import parse_rate
from groupbox.db.engine import DB
from groupbox.domain.identity.store import rates
from groupbox.errors import RateLimited
from groupbox.i18n import _


def _window(seconds: int) -> int:
    return int(time.time()) // seconds * seconds


async def hit(bucket: str, rate: str) -> None:
    """Count one attempt in `bucket` ("claim:1.2.3.4"); raise RateLimited past the limit."""
    limit, seconds = parse_rate(rate)
    window = _window(seconds)
    async with DB.write():
        hits = await rates.rate_hit_count(bucket, window)
        # Old windows are useless; keep the table small.
        await rates.rate_hits_sweep(window - 86400)
    if hits > limit:
        retry = window + seconds - int(time.time())
        raise RateLimited(_("Too many attempts. Please wait a minute and try again."), retry_after=max(retry, 1))


async def hits(bucket: str, rate: str) -> tuple[int, int]:
    """(attempts counted in `bucket`'s current window, the limit), without counting one."""
    limit, seconds = parse_rate(rate)
    return await rates.rate_hits(bucket, _window(seconds)), limit
