"""Run the ordered migrations in `groupbox.db.migrations`, each in one write transaction."""

from __future__ import annotations

import importlib

from groupbox.db import migrations as migrations_package
from groupbox.db.engine import Database
from groupbox.db.ledger import available
from groupbox.util import now

_LEDGER = """CREATE TABLE IF NOT EXISTS schema_migration (
    id VARCHAR(64) PRIMARY KEY NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"""


async def applied(db: Database) -> set[str]:
    rows = await db.fetch("SELECT name FROM sqlite_master WHERE type='table' AND name='schema_migration'")
    if not rows:
        return set()
    return {row["id"] for row in await db.fetch("SELECT id FROM schema_migration")}


async def pending(db: Database) -> list[str]:
    done = await applied(db)
    return [name for name in available() if name not in done]


async def migrate(db: Database) -> list[str]:
    """Apply what is pending; returns the ids applied (empty when up to date)."""
    ran: list[str] = []
    async with db.write() as tx:
        await tx.connection.execute(_LEDGER)
    for name in await pending(db):
        module = importlib.import_module(f"{migrations_package.__name__}.{name}")
        async with db.write() as tx:
            # Re-check inside the lock: another process may have migrated meanwhile.
            row = await db.fetchone("SELECT id FROM schema_migration WHERE id = ?", name)
            if row:
                continue
            for statement in module.STATEMENTS:
                await tx.connection.execute(statement)
            await tx.connection.execute(
                "INSERT INTO schema_migration (id, applied_at) VALUES (?, ?)", (name, now())
            )
        ran.append(name)
    return ran
