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
