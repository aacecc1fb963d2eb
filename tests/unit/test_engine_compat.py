"""The engine without Piccolo reads and writes exactly what the Piccolo engine did.

`tests/fixtures/storage/piccolo_engine.sqlite3` was written by the Piccolo-based engine (commit
c14c641) through `write_sample` below (`tests/fixtures/storage/make.py`); every value that the old
engine read back from it is written out in `EXPECTED`. Data folders made before the switch must
read the same, and the new engine must store new rows in the same text form.
"""

import shutil
import sqlite3
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from groupbox.db.engine import Database

FIXTURE = Path(__file__).parent.parent / "fixtures" / "storage" / "piccolo_engine.sqlite3"

SCHEMA = """CREATE TABLE sample (
    id INTEGER PRIMARY KEY, label VARCHAR(40) NOT NULL, body TEXT, n INTEGER, flag BOOLEAN,
    at TIMESTAMPTZ, maybe_at TIMESTAMPTZ, day VARCHAR(10))"""
BERLIN = timezone(timedelta(hours=2))


async def write_sample(db) -> None:
    await db.execute(SCHEMA)
    async with db.write() as tx:
        rows = [
            (1, "berlin", "Grüße 🎉", 42, True, datetime(2026, 7, 1, 12, 0, tzinfo=BERLIN), None,
             date(2026, 12, 24)),
            (2, "utc, microseconds", "", -7, False, datetime(2026, 1, 31, 23, 59, 59, 123456, tzinfo=UTC),
             datetime(2026, 2, 1, tzinfo=UTC), None),
            (3, "naive", None, 2**62, None, datetime(2026, 3, 1, 8, 0), None, None),
            (4, "real in an integer column", "x", 1.5, 1, None, datetime(1999, 12, 31, 23, 0, tzinfo=BERLIN),
             None),
            (5, "numeric text", "y", "17", 0, None, None, None),
        ]
        await tx.connection.executemany("INSERT INTO sample VALUES (?,?,?,?,?,?,?,?)", rows)
    await db.execute("INSERT INTO sample (id, label, at) VALUES (6, 'written by SQL', '2026-05-05 05:05:05')")


READS = {
    "all": "SELECT * FROM sample ORDER BY id",
    "computed": 'SELECT id, COALESCE(maybe_at, at) AS "moment [TIMESTAMPTZ]" FROM sample ORDER BY id',
    "aggregate": "SELECT MAX(at) AS latest, COUNT(*) AS rows, SUM(flag) AS flags FROM sample",
}
RAW = "SELECT id, typeof(n), quote(n), typeof(flag), quote(flag), quote(at), quote(maybe_at), quote(day) FROM sample"

EXPECTED = {  # what the Piccolo engine read back from the fixture
    "all": [
        {"id": 1, "label": "berlin", "body": "Grüße 🎉", "n": 42, "flag": True,
         "at": datetime(2026, 7, 1, 10, 0, tzinfo=UTC), "maybe_at": None, "day": "2026-12-24"},
        {"id": 2, "label": "utc, microseconds", "body": "", "n": -7, "flag": False,
         "at": datetime(2026, 1, 31, 23, 59, 59, 123456, tzinfo=UTC), "maybe_at": datetime(2026, 2, 1, 0, 0, tzinfo=UTC),
         "day": None},
        {"id": 3, "label": "naive", "body": None, "n": 4611686018427387904, "flag": None,
         "at": datetime(2026, 3, 1, 8, 0, tzinfo=UTC), "maybe_at": None, "day": None},
        {"id": 4, "label": "real in an integer column", "body": "x", "n": 1, "flag": True, "at": None,
         "maybe_at": datetime(1999, 12, 31, 21, 0, tzinfo=UTC), "day": None},
        {"id": 5, "label": "numeric text", "body": "y", "n": 17, "flag": False, "at": None, "maybe_at": None,
         "day": None},
        {"id": 6, "label": "written by SQL", "body": None, "n": None, "flag": None,
         "at": datetime(2026, 5, 5, 5, 5, 5, tzinfo=UTC), "maybe_at": None, "day": None},
    ],
    "computed": [
        {"id": 1, "moment": datetime(2026, 7, 1, 10, 0, tzinfo=UTC)},
        {"id": 2, "moment": datetime(2026, 2, 1, 0, 0, tzinfo=UTC)},
        {"id": 3, "moment": datetime(2026, 3, 1, 8, 0, tzinfo=UTC)},
        {"id": 4, "moment": datetime(1999, 12, 31, 21, 0, tzinfo=UTC)},
        {"id": 5, "moment": None},
        {"id": 6, "moment": datetime(2026, 5, 5, 5, 5, 5, tzinfo=UTC)},
    ],
    "aggregate": [{"latest": "2026-07-01 10:00:00+00:00", "rows": 6, "flags": 2}],
}


def raw_rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(RAW + " ORDER BY id").fetchall()


async def test_a_database_written_by_the_piccolo_engine_reads_back_identically(tmp_path):
    copy = tmp_path / "old.sqlite3"
    shutil.copy(FIXTURE, copy)
    db = Database()
    async with db.session(copy):
        for name, sql in READS.items():
            rows = await db.fetch(sql)
            assert rows == EXPECTED[name], name
            for row, expected in zip(rows, EXPECTED[name], strict=True):  # same types, not just equal
                assert [type(v) for v in row.values()] == [type(v) for v in expected.values()], name
                for value in row.values():
                    if isinstance(value, datetime):
                        assert value.tzinfo is UTC


async def test_new_rows_are_stored_in_the_same_form_as_before(tmp_path):
    db = Database()
    async with db.session(tmp_path / "new.sqlite3"):
        await write_sample(db)
    assert raw_rows(tmp_path / "new.sqlite3") == raw_rows(FIXTURE)
