"""Which migrations are pending, read with plain sqlite3 (no engine, no event loop): used by
`groupbox serve` before it starts workers, so the main process stays small."""

from __future__ import annotations

import pkgutil
import sqlite3
from pathlib import Path

from groupbox.db import migrations as migrations_package


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(migrations_package.__path__) if m.name.startswith("m"))


def pending(db_path: Path) -> list[str]:
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        exists = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migration'"
        ).fetchone()
        done = {row[0] for row in connection.execute("SELECT id FROM schema_migration")} if exists else set()
    finally:
        connection.close()
    return [name for name in available() if name not in done]
