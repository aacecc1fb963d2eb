"""Reads run on a small pool of connections: one slow read (a long archive page) never holds up
another person's request, and the pool opens and closes with the app."""

import asyncio

import pytest

from groupbox.db.engine import READERS, Database, DatabaseNotConnected

# A read that keeps one connection busy for a while (about a second on these machines).
SLOW = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) SELECT COUNT(*) AS c FROM n"


async def test_a_quick_read_is_answered_while_a_slow_read_is_still_running(tmp_path):
    db = Database()
    async with db.session(tmp_path / "pool.sqlite3"):
        slow = asyncio.create_task(db.fetchone(SLOW))
        await asyncio.sleep(0.05)  # the slow read is on its connection now
        quick = await db.fetchone("SELECT 1 AS one")
        assert quick == {"one": 1}
        assert not slow.done(), "the quick read waited for the slow one"
        assert (await slow)["c"] == 3000000


async def test_six_slow_reads_at_once_leave_no_reader_idle_and_all_finish(tmp_path):
    db = Database()
    async with db.session(tmp_path / "pool.sqlite3"):
        reads = [asyncio.create_task(db.fetchone(SLOW)) for _ in range(6)]
        await asyncio.sleep(0.05)
        assert all(n >= 1 for n in db._in_flight), db._in_flight  # spread out, none left idle
        assert [r["c"] for r in await asyncio.gather(*reads)] == [3000000] * 6


async def test_reads_see_what_was_just_written_whichever_reader_answers(tmp_path):
    db = Database()
    async with db.session(tmp_path / "pool.sqlite3"):
        await db.execute("CREATE TABLE note (n INTEGER)")
        for n in range(READERS * 2):
            await db.execute("INSERT INTO note (n) VALUES (?)", n)
            assert (await db.fetchone("SELECT COUNT(*) AS c FROM note"))["c"] == n + 1


async def test_the_app_and_a_test_harness_share_the_pool_and_the_last_close_closes_it(tmp_path):
    db = Database()
    path = tmp_path / "pool.sqlite3"
    await db.connect(path)
    await db.connect(path)  # a second user of the same database
    readers = list(db._readers)
    assert len(readers) == READERS
    await db.close()
    assert await db.fetchone("SELECT 1 AS one") == {"one": 1}  # still open for the other user
    await db.close()
    assert not db.connected
    with pytest.raises(DatabaseNotConnected):
        await db.fetch("SELECT 1")
    for connection in readers:  # really closed, threads ended
        with pytest.raises(ValueError):
            await connection.execute("SELECT 1")


async def test_a_quick_read_is_answered_on_the_loops_thread_without_a_reader(tmp_path):
    """Index lookups skip the hop to a reader thread (issue 17: ~0.1 ms each, 49 on a group page)."""
    db = Database()
    async with db.session(tmp_path / "pool.sqlite3"):
        for reader in db._readers:
            async def refuse(*args, **kwargs):
                raise AssertionError("a quick read went to a reader thread")
            reader.execute_fetchall = refuse
        assert await db.fetchone("SELECT 1 AS one") == {"one": 1}
        assert db._slow == set()


async def test_a_read_past_the_inline_budget_moves_to_a_reader_and_its_statement_stays_there(tmp_path):
    db = Database()
    async with db.session(tmp_path / "pool.sqlite3"):
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        running = asyncio.create_task(ticker())
        assert (await db.fetchone(SLOW))["c"] == 3000000
        running.cancel()
        assert ticks >= 10, "the slow read held the event loop"  # it ran ~1 s on a reader thread
        assert db._slow == {SLOW}
        # Interrupted inline, the statement left nothing behind: the next quick read is fine.
        assert await db.fetchone("SELECT 2 AS two") == {"two": 2}


async def test_a_read_that_would_wait_for_a_lock_goes_to_a_reader_instead_of_waiting_on_the_loop(tmp_path):
    """The inline connection never waits (busy timeout 0): when another process's lock answers
    SQLITE_BUSY (rare in WAL mode: its recovery, an exclusive lock), a reader thread asks again and
    waits there; the statement is not taken for a slow one."""
    import sqlite3

    db = Database()
    async with db.session(tmp_path / "pool.sqlite3"):
        assert db._inline.execute("PRAGMA busy_timeout").fetchone() == (0,)

        class Locked:
            def execute(self, sql, params):
                error = sqlite3.OperationalError("database is locked")
                error.sqlite_errorcode = sqlite3.SQLITE_BUSY
                raise error

        db._inline, inline = Locked(), db._inline
        try:
            assert await db.fetchone("SELECT 3 AS three") == {"three": 3}
        finally:
            db._inline = inline
        assert db._slow == set()
