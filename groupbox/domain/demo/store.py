"""The demo's one record: that it was loaded, with its people, groups and invite (`instance_meta` key "demo")."""

from __future__ import annotations

from groupbox.db.engine import DB

TABLES: tuple[str, ...] = ()
READS = {
    "instance_meta": "whether the demo was loaded, and its record (one key; db core has no meta lookup yet)",
}
FOREIGN_WRITES = {
    "instance_meta": "the demo records itself once, under its own key; groupbox/db should offer"
                     " meta_get(key) / meta_add(key, value) (claims.py writes the same table)",
}


async def record_get(key: str) -> str | None:
    row = await DB.fetchone("SELECT value FROM instance_meta WHERE key = ?", key)
    return row["value"] if row else None


async def record_add(key: str, value: str) -> None:
    await DB.execute("INSERT INTO instance_meta (key, value) VALUES (?, ?)", key, value)
