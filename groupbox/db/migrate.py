"""Run the ordered migrations in `groupbox.db.migrations`, each in one write transaction.

A migration module holds `STATEMENTS`, run on every engine, unless it has the connected engine's
own list, `SQLITE` or `POSTGRES`, which replaces them there (a module is Python: build that list
from `STATEMENTS`, e.g. `POSTGRES = [*STATEMENTS[:3], "…"]`). On PostgreSQL, `INTEGER` in a
statement becomes `BIGINT`: SQLite's integers are 64 bits, Postgres's `INTEGER` only 32.
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType

from groupbox.db import migrations as migrations_package
from groupbox.db.engine import Database
from groupbox.db.ledger import available
from groupbox.util import now

_LEDGER = """CREATE TABLE IF NOT EXISTS schema_migration (
    id VARCHAR(64) PRIMARY KEY NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"""
_INTEGER = re.compile(r"\bINTEGER\b")


def statements(module: ModuleType, dialect: str) -> list[str]:
    """What `module` runs on an engine speaking `dialect` ("sqlite" or "postgresql")."""
    if dialect == "postgresql":
        return [_INTEGER.sub("BIGINT", statement) for statement in getattr(module, "POSTGRES", module.STATEMENTS)]
    return list(getattr(module, "SQLITE", module.STATEMENTS))


async def applied(db: Database) -> set[str]:
    async with db.write() as tx:
        await tx.connection.execute(_LEDGER)
    return {row["id"] for row in await db.fetch("SELECT id FROM schema_migration")}


async def pending(db: Database) -> list[str]:
    done = await applied(db)
    return [name for name in available() if name not in done]


async def migrate(db: Database) -> list[str]:
    """Apply what is pending; returns the ids applied (empty when up to date)."""
    ran: list[str] = []
    for name in await pending(db):
        module = importlib.import_module(f"{migrations_package.__name__}.{name}")
        async with db.write() as tx:
            # Re-check inside the lock: another process may have migrated meanwhile.
            row = await db.fetchone("SELECT id FROM schema_migration WHERE id = ?", name)
            if row:
                continue
            for statement in statements(module, db.dialect):
                await tx.connection.execute(statement)
            await tx.connection.execute(
                "INSERT INTO schema_migration (id, applied_at) VALUES (?, ?)", (name, now())
            )
        ran.append(name)
    if ran:
        await db.analyze()  # new tables and indexes: the planner's statistics to match
    return ran
