"""The storage layer: persistent connections, pragmas, queued writers, UTC timestamps."""

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest

from groupbox.db import migrate
from groupbox.util import new_id, now


@pytest.mark.sqlite_only("SQLite pragmas on the engine's own connections")
async def test_pragmas_are_applied_on_the_persistent_connections(db):
    assert (await db.fetchone("PRAGMA journal_mode"))["journal_mode"] == "wal"
    assert (await db.fetchone("PRAGMA foreign_keys"))["foreign_keys"] == 1
    # The reader threads and the writer wait for another process's lock; the inline reader on the
    # event loop's thread never does (a read that would wait goes to a reader thread).
    for connection in (*db._readers, db._writer):
        assert list(await connection.execute_fetchall("PRAGMA busy_timeout", ())) == [{"timeout": 5000}]
    assert (await db.fetchone("PRAGMA busy_timeout"))["timeout"] == 0
    assert (await db.fetchone("PRAGMA synchronous"))["synchronous"] == 1  # NORMAL


async def test_fifty_concurrent_writers_never_see_database_is_locked(db):
    async def writer(i: int) -> None:
        async with db.write():
            await db.execute("INSERT INTO profile (id, display_name, created_at) VALUES (?, ?, ?)",
                             new_id(), f"writer {i}", now())
            await asyncio.sleep(0)  # yield inside the transaction: others must queue, not fail

    await asyncio.gather(*(writer(i) for i in range(50)))
    rows = await db.fetch("SELECT COUNT(*) AS n FROM profile WHERE display_name LIKE 'writer %'")
    assert rows[0]["n"] == 50


@pytest.mark.sqlite_only("another process writing the SQLite file directly (its busy timeout)")
async def test_writes_from_another_process_queue_on_the_busy_timeout(db, config):
    import sqlite3

    def other_process_writes():
        connection = sqlite3.connect(config.db_path, timeout=5)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO instance_meta (key, value) VALUES ('other', 'x')")
        import time

        time.sleep(0.3)
        connection.commit()
        connection.close()

    task = asyncio.get_running_loop().run_in_executor(None, other_process_writes)
    await asyncio.sleep(0.05)
    await db.execute("INSERT INTO instance_meta (key, value) VALUES ('mine', 'y')")
    await task
    assert {r["key"] for r in await db.fetch("SELECT key FROM instance_meta")} >= {"other", "mine"}


async def test_a_failed_transaction_leaves_nothing_behind(db):
    profile_id = new_id()
    try:
        async with db.write():
            await db.execute("INSERT INTO profile (id, display_name, created_at) VALUES (?, 'x', ?)", profile_id, now())
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert await db.fetchone("SELECT id FROM profile WHERE id = ?", profile_id) is None


async def test_timestamps_are_stored_as_utc_and_come_back_aware(db):
    berlin_noon = datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    profile_id = new_id()
    await db.execute("INSERT INTO profile (id, display_name, created_at) VALUES (?, 'tz', ?)", profile_id, berlin_noon)
    row = await db.fetchone("SELECT created_at FROM profile WHERE id = ?", profile_id)
    assert row["created_at"] == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert row["created_at"].tzinfo is not None


async def test_migrations_are_idempotent(db):
    assert await migrate.pending(db) == []
    assert await migrate.migrate(db) == []
