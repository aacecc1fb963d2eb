"""The PostgreSQL engine keeps the `DB` API and values of the SQLite one (issue 12 item 2), and every
migration runs on a fresh PostgreSQL. Needs Debian's binaries (`make test-postgres` installs them);
without them only the engine-free checks run."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from groupbox.db import migrate
from groupbox.db.engine import Database
from groupbox.db.ledger import available
from tests import pg


def test_placeholders_become_numbered_outside_quotes():
    from groupbox.db.postgres import translate

    assert translate("SELECT ? AS a, '?' AS b, \"c?\" FROM t WHERE x = ? AND y = 'it''s ?'") == (
        "SELECT $1 AS a, '?' AS b, \"c?\" FROM t WHERE x = $2 AND y = 'it''s ?'")
    assert translate('SELECT COALESCE(a, b) AS "starts_at [TIMESTAMPTZ]" FROM t') == (
        'SELECT COALESCE(a, b) AS "starts_at" FROM t')


def test_landed_migrations_keep_their_sqlite_statements():
    import importlib

    for name in available():
        module = importlib.import_module(f"groupbox.db.migrations.{name}")
        assert migrate.statements(module, "sqlite") == list(module.STATEMENTS), name


@pytest.fixture(scope="module")
def server():
    try:
        pg.bin_dir()
    except RuntimeError:
        pytest.skip("PostgreSQL binaries are not installed (make test-postgres installs them)")
    running = pg.PostgresServer().start()
    yield running
    running.stop()


def test_same_api_and_values_on_postgres(server):
    url = server.url(server.create_database())

    async def go():
        db = Database()
        async with db.session(url):
            assert db.dialect == "postgresql" and db.connected
            assert await migrate.migrate(db) == available()  # every migration, on a fresh database
            assert await migrate.pending(db) == []
            moment = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
            async with db.write():
                assert await db.execute("INSERT INTO instance_meta (key, value) VALUES (?, ?)", "a", "1") == 1
                async with db.write() as tx:  # joins the outer one
                    cursor = await tx.connection.execute("UPDATE instance_meta SET value = ? WHERE key = ?", ("2", "a"))
                    assert cursor.rowcount == 1
            with pytest.raises(ValueError):
                async with db.write():
                    await db.execute("DELETE FROM instance_meta")
                    raise ValueError  # rolls back
            assert await db.fetch("SELECT key, value FROM instance_meta") == [{"key": "a", "value": "2"}]
            row = await db.fetchone('SELECT COALESCE(NULL, CAST(? AS TIMESTAMPTZ)) AS "at [TIMESTAMPTZ]",'
                                    " CAST(? AS BOOLEAN) AS yes, CAST(? AS INTEGER) AS n", moment, True, 3)
            assert row == {"at": moment, "yes": True, "n": 3} and row["at"].tzinfo is not None
            await db.checkpoint()
        assert not db.connected and db.dialect == "sqlite"  # closed: the embedded default again

    asyncio.run(go())


def test_a_refused_write_raises_the_engine_neutral_error_on_every_path(server):
    import asyncpg

    from groupbox.db.errors import ConstraintViolation, IntegrityError

    url = server.url(server.create_database())
    insert = "INSERT INTO t (k) VALUES (?)"

    async def refused(run) -> None:
        with pytest.raises(IntegrityError) as caught:
            await run()
        assert isinstance(caught.value, ConstraintViolation)
        assert isinstance(caught.value.__cause__, asyncpg.UniqueViolationError)  # chained, not hidden

    async def go():
        db = Database()
        async with db.session(url):
            async with db.write() as tx:
                await tx.connection.execute("CREATE TABLE t (k TEXT PRIMARY KEY)")
            await db.execute(insert, "a")
            await refused(lambda: db.execute(insert, "a"))
            await refused(lambda: db.fetch(insert + " RETURNING k", "a"))
            await refused(lambda: db.fetchone(insert + " RETURNING k", "a"))
            for call in (lambda c: c.execute(insert, ("a",)), lambda c: c.execute("INSERT INTO t (k) VALUES ('a')"),
                         lambda c: c.execute_fetchall(insert + " RETURNING k", ("a",)),
                         lambda c: c.executemany(insert, [("b",), ("a",)])):
                async def in_transaction(call=call):
                    async with db.write() as tx:
                        await call(tx.connection)
                await refused(in_transaction)
            assert await db.fetch("SELECT k FROM t") == [{"k": "a"}]  # each refused write rolled back

    asyncio.run(go())


def test_a_loop_that_closes_takes_its_pool_and_leaves_the_others_working(server):
    """An app started and stopped in its own loop (a second test client) while another user of
    `DB` stays connected: the ended loop's pool goes with it, and the last close does not trip
    over it (it used to: "Event loop is closed")."""
    import threading

    url = server.url(server.create_database())
    db = Database()

    def other_loop(connect: bool):
        async def go():
            if connect:
                await db.connect(url)
            assert await db.fetchone("SELECT 1 AS one") == {"one": 1}
            if connect:
                await db.close()
        thread = threading.Thread(target=asyncio.run, args=(go(),))
        thread.start()
        thread.join()

    async def main():
        await db.connect(url)
        other_loop(connect=True)  # connects and closes in a loop of its own
        assert len(db._pools) == 1
        other_loop(connect=False)  # only queries there: the loop ends while its pool is open
        assert len(db._pools) == 2
        assert await db.fetchone("SELECT 2 AS two") == {"two": 2}
        await db.close()  # the last one: closes ours and lets the dead loop's go without an error
        assert not db.connected

    asyncio.run(main())
