"""Which migrations a SQLite file has applied, read with plain sqlite3 (no engine, no event loop):
used by `groupbox serve` before it starts workers, so the main process stays small, and by
`groupbox backup` on its copy. On PostgreSQL `serve` asks the engine (`migrate.pending`)."""

from __future__ import annotations

import pkgutil
import sqlite3
from pathlib import Path

from groupbox.db import migrations as migrations_package


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(migrations_package.__path__) if m.name.startswith("m"))


def applied(db_path: Path) -> list[str]:
    """The ids in the file's migration ledger, in order; none when it has no ledger yet."""
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return [row[0] for row in connection.execute("SELECT id FROM schema_migration ORDER BY id")]
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):  # a database no migration has run on
            return []
        raise
    finally:
        connection.close()


def pending(db_path: Path) -> list[str]:
    done = set(applied(db_path))
    return [name for name in available() if name not in done]
