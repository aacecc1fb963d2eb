"""When the disk is full (SQLite's SQLITE_FULL, PostgreSQL's disk_full, the OS's ENOSPC).

- A write that fails for lack of space answers 507 with a page that says so ("tell the admin"),
  never a generic 500; nothing half-written stays behind (the transaction rolls back).
- Marks that only record that someone looked ("seen", "read", last visit) are best effort: a page
  that reads never fails because its mark could not be written.
- The health check and `doctor` report the state: little space left, or a write of this process
  that failed for lack of space in the last minutes.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

from groupbox.db.errors import is_database_error

log = logging.getLogger("groupbox")

# Below this much free space on the data folder's disk the server reports itself unhealthy.
LOW_SPACE_BYTES = 2 * 1024 * 1024
RECENT_SECONDS = 300
PG_DISK_FULL = "53100"  # PostgreSQL's SQLSTATE disk_full (asyncpg.DiskFullError)

_last_full = 0.0  # per process: when a write last failed for lack of space (monotonic seconds)


def is_disk_full(exc: BaseException | None) -> bool:
    """Is this error (or what caused it) a full disk or a full database?"""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, sqlite3.Error) and (
            getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(exc)
        ):
            return True
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if getattr(exc, "sqlstate", None) == PG_DISK_FULL:
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def note_full() -> None:
    global _last_full
    _last_full = time.monotonic()


def problem(data_dir: Path) -> str | None:
    """Why storage is not healthy, or None."""
    try:
        free = shutil.disk_usage(data_dir).free
    except OSError as exc:
        return f"cannot read the data folder's disk: {exc.strerror}"
    if free < LOW_SPACE_BYTES:
        return f"the data folder's disk is full ({free // 1024} KB free)"
    if _last_full and time.monotonic() - _last_full < RECENT_SECONDS:
        # A write failed lately: still so? (Freeing space makes the server healthy at once.)
        if write_probe(data_dir) is not None:
            return "a write failed because the disk or database is full"
        _clear()
    return None


def _clear() -> None:
    global _last_full
    _last_full = 0.0


@contextlib.asynccontextmanager
async def best_effort(what: str) -> AsyncIterator[None]:
    """For bookkeeping writes on pages that only read: a failure is logged, never shown."""
    try:
        yield
    except Exception as exc:
        if not (isinstance(exc, OSError) or is_database_error(exc)):
            raise
        if is_disk_full(exc):
            note_full()
        log.warning("could not record %s: %s", what, exc)


def write_probe(data_dir: Path, size: int = 64 * 1024) -> str | None:
    """Try to write (and remove) a small file in the data folder: why that fails, or None."""
    target = data_dir / f".write-probe-{os.getpid()}"
    try:
        with target.open("wb") as handle:
            handle.write(b"\0" * size)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        return f"writing to the data folder fails: {exc.strerror}"
    finally:
        with contextlib.suppress(OSError):
            target.unlink()
    return None
