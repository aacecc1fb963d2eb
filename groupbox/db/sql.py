"""The few SQL fragments that SQLite 3.40 and PostgreSQL 15 spell differently, for store modules.

Everything else in a store module is written once in the SQL both engines run (see
CONTRIBUTING.md, "Storage"); these helpers ask the connected engine's dialect when the statement
is built.
"""

from __future__ import annotations

from groupbox.db.engine import DB


def text_agg(expression: str, separator: str = ",") -> str:
    """Concatenate a group's values: `group_concat` on SQLite, `string_agg` on PostgreSQL."""
    quoted = separator.replace("'", "''")
    if DB.dialect == "postgresql":
        return f"string_agg(CAST({expression} AS TEXT), '{quoted}')"
    return f"group_concat({expression}, '{quoted}')"
