"""The SQLite engine: a few persistent connections per process, fit for a server.

`DB` (one per process) is connected by `connect(path)` when the app starts and keeps:

- `READERS` *readers* for every query outside a transaction (WAL lets them read side by side, and
  while a write is open). Each query goes to the reader with the fewest queries in flight, so a
  slow read (a long archive page) delays only the queries queued on its own connection, not every
  read of the process;
- an *inline* reader that answers a query right on the event loop's thread when it needs less
  than `INLINE_STEPS` of SQLite's work: most of a page's queries are index lookups of a few dozen
  microseconds, and the hop to a reader thread and back cost several times that (issue 17: the
  group dashboard's 49 queries, 92 -> 152 req/s). A query still running at the budget is interrupted (SQLite's
  progress handler) and asked again on a reader thread, so a slow read never holds the loop
  longer than the budget, and that statement goes to a reader from then on;
- a *writer* used only inside `write()` transactions, which are `BEGIN IMMEDIATE` and serialised
  by an asyncio lock, so writers queue instead of failing with "database is locked". Other
  processes (more workers, the CLI) wait on SQLite's busy timeout.

Values go in and come out as they did when this engine was built on Piccolo's (data folders made
then read the same; tests/unit/test_engine_compat.py holds a file that engine wrote): datetimes are
stored as text in UTC (`2026-07-01 10:00:00+00:00`), and by declared type `TIMESTAMPTZ` comes
back as an aware UTC datetime, `BOOLEAN` as a bool, `INTEGER` as an int. A computed column takes a
type by its name: `COALESCE(a, b) AS "starts_at [TIMESTAMPTZ]"`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import sqlite3
import threading
import weakref
from collections.abc import Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

from groupbox.db.errors import is_database_error

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-16000",
    # Deleted content is overwritten, not left in free pages: "delete me" means gone (SPEC §16).
    "PRAGMA secure_delete=ON",
)
# Each reader is a connection and a thread. Two, not one per core: a row's values are converted
# in Python, so a reader takes the GIL back for every row it steps to, and more threads than two
# only queue for it (issue 17, wrk on Anna's home with one worker on 2 cores: 4 readers 61 req/s
# p50 129 ms, 2 readers 73 req/s p50 108 ms, 1 reader 73 req/s; the group page 68 / 84 / 91).
# The second keeps a quick read from waiting behind a slow one (an archive page).
READERS = 2
# How much work a query may do on the event loop's thread before it moves to a reader: SQLite VM
# steps, not time, since under load the time includes waits for the GIL and would send a quick
# query to the threads (issue 17: there, each of its rows waits for the busy loop's GIL again).
# 200,000 steps are 2-5 ms of a query's own work on this machine.
INLINE_STEPS = 200_000
_STEPS_PER_CHECK = 1000
SLOW_REMEMBERED = 512  # statements that ran past the budget go straight to a reader (cleared when full)


# -- values in and out ---------------------------------------------------------------------------
def _datetime_in(value: datetime) -> str:
    """Aware datetimes are stored in UTC, as text that sorts and compares in time order."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return str(value)


def _integer_out(value: bytes) -> int:
    try:
        return int(value)
    except ValueError:  # a REAL in an INTEGER column ("1.5"): truncated, as it always was
        from decimal import Decimal

        return int(Decimal(value.decode()))


def _timestamptz_out(value: bytes) -> datetime:
    # Stored as UTC with its "+00:00" (`_datetime_in`): fromisoformat gives the UTC singleton
    # already, and skipping `replace` makes this, the most frequent converter, ~6× cheaper
    # (issue 17: half of a dashboard query's time went into reading its timestamps).
    value_out = _fromisoformat(value.decode())
    return value_out if value_out.tzinfo is UTC else value_out.replace(tzinfo=UTC)


_fromisoformat = datetime.fromisoformat


sqlite3.register_adapter(datetime, _datetime_in)
sqlite3.register_adapter(date, date.isoformat)
sqlite3.register_adapter(time, time.isoformat)
sqlite3.register_adapter(timedelta, timedelta.total_seconds)
sqlite3.register_converter("INTEGER", _integer_out)
sqlite3.register_converter("BOOLEAN", lambda value: value == b"1")
sqlite3.register_converter("TIMESTAMPTZ", _timestamptz_out)


def dict_factory(cursor: sqlite3.Cursor, row: tuple) -> dict[str, Any]:
    return {column[0]: row[index] for index, column in enumerate(cursor.description)}


class DatabaseNotConnected(RuntimeError):
    pass


class Transaction:
    """`async with DB.write() as tx:` — one BEGIN IMMEDIATE transaction on the writer, held under
    the engine's write lock; `tx.connection` is the writer (an aiosqlite connection) for
    `executemany` and cursors. Inside one, a nested `DB.write()` joins it."""

    __slots__ = ("engine", "connection", "_parent", "_token", "_lock")

    def __init__(self, engine: Database) -> None:
        self.engine = engine
        self._parent: Transaction | None = engine.current_transaction.get()

    async def __aenter__(self) -> Transaction:
        if self._parent is not None:
            return self._parent
        engine = self.engine
        lock = engine._lock()
        await lock.acquire()
        try:
            self.connection = engine._require(engine._writer)
            await self.connection.execute("BEGIN IMMEDIATE")
        except BaseException:
            lock.release()
            raise
        self._lock = lock
        self._token = engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent is not None:
            return False
        try:
            if exception is None:
                try:
                    await self.connection.execute("COMMIT")
                except BaseException:
                    await self._rollback()  # a COMMIT refused (disk full) may leave it open
                    raise
            else:
                await self._rollback()
        finally:
            self.engine.current_transaction.reset(self._token)
            self._lock.release()
        return False

    async def _rollback(self) -> None:
        # SQLite may have rolled back by itself (disk full, I/O error): nothing left to undo then,
        # and the error that got us here is the one to report.
        if self.connection.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                await self.connection.execute("ROLLBACK")


class Database:
    """One per process; `connect(path)` before use, `close()` at shutdown. `connect` with a
    `postgresql://` URL makes it the PostgreSQL engine (groupbox/db/postgres.py) until `close`."""

    dialect = "sqlite"  # or "postgresql": which SQL the connected engine speaks

    def __init__(self) -> None:
        self.path = ":memory:"
        self.current_transaction: contextvars.ContextVar[Transaction | None] = contextvars.ContextVar(
            f"groupbox_transaction_{id(self)}", default=None)
        self._readers: list[aiosqlite.Connection] = []
        self._in_flight: list[int] = []  # queries running or queued, per reader
        self._next = 0  # where the search for the least busy reader starts (round robin on ties)
        self._writer: aiosqlite.Connection | None = None
        self._inline: sqlite3.Connection | None = None
        # Taken without waiting: a second loop's thread (tests drive one engine from two) reads
        # on the reader threads meanwhile instead of sharing the connection.
        self._inline_lock = threading.Lock()
        self._inline_checks = 0  # progress-handler calls left to the query running inline
        self._slow: set[str] = set()
        # By loop, weakly: a loop that is gone takes its lock along (an id could be reused).
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()
        self._users = 0

    # -- lifecycle -----------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._writer is not None

    async def _open(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(
            self.path, timeout=5.0, isolation_level=None, check_same_thread=False,
            detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        for pragma in PRAGMAS:
            await connection.execute(pragma)
        return connection

    async def connect(self, path: str | Path) -> None:
        """Open (or share) the persistent connections. Reference counted: an app and a test
        harness on the same database share one set."""
        path = str(path)
        if self._writer is None and path.startswith(("postgresql://", "postgres://")):
            from groupbox.db.postgres import PostgresDatabase  # asyncpg only for PostgreSQL

            self.__class__ = PostgresDatabase
            try:
                return await self.connect(path)
            except BaseException:
                self.__class__ = Database
                raise
        if self._writer is not None:
            if path != self.path:
                raise RuntimeError(f"database already connected to {self.path}, not {path}")
            self._users += 1
            return
        self.path = path
        self._writer = await self._open()  # first: it switches the file to WAL
        self._users = 1
        # The readers open side by side (each is a thread): a shorter start.
        opened = await asyncio.gather(*(self._open() for _ in range(READERS)), return_exceptions=True)
        failed = [result for result in opened if isinstance(result, BaseException)]
        if failed:
            for connection in (self._writer, *(result for result in opened if not isinstance(result, BaseException))):
                await connection.close()
            self._writer, self._users = None, 0
            raise failed[0]
        try:
            inline = self._open_inline()
        except BaseException:
            for connection in (self._writer, *opened):
                await connection.close()
            self._writer, self._users = None, 0
            raise
        self._readers, self._in_flight, self._inline = list(opened), [0] * READERS, inline

    def _open_inline(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=5.0, isolation_level=None, check_same_thread=False,
                                     detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES)
        for pragma in PRAGMAS:
            connection.execute(pragma)
        # Never wait on the loop's thread for another process's lock (rare in WAL: a recovery or an
        # exclusive lock): such a read goes to a reader thread, which waits its busy timeout there.
        connection.execute("PRAGMA busy_timeout=0")
        connection.set_progress_handler(self._past_budget, _STEPS_PER_CHECK)
        return connection

    def _past_budget(self) -> bool:
        self._inline_checks -= 1
        return self._inline_checks < 0

    def _read_inline(self, sql: str, params: Sequence[Any]) -> list[Any] | None:
        """The rows, if the query finished within `INLINE_STEPS` on this thread; else None (and
        nothing read: a query is one statement, and an interrupted SELECT changes nothing)."""
        connection = self._inline
        if connection is None or sql in self._slow or not self._inline_lock.acquire(blocking=False):
            return None
        try:
            self._inline_checks = INLINE_STEPS // _STEPS_PER_CHECK
            cursor = connection.execute(sql, params)
            rows = cursor.fetchall()  # tuples; the names once per query, not once per row
            names = [column[0] for column in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in rows]
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode == sqlite3.SQLITE_INTERRUPT:
                if len(self._slow) >= SLOW_REMEMBERED:
                    self._slow.clear()
                self._slow.add(sql)
                return None
            if exc.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                return None
            raise
        finally:
            self._inline_lock.release()

    async def checkpoint(self) -> None:
        """Fold the write-ahead log into the database file and empty it, so that erased rows
        (zeroed by secure_delete) leave no older copy behind. Best effort: a reader that holds an
        old snapshot only delays it to SQLite's next automatic checkpoint."""
        async with self._lock():
            with contextlib.suppress(sqlite3.Error):
                await self._require(self._writer).execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def analyze(self) -> None:
        """Refresh the query planner's statistics (`sqlite_stat1`). Without them SQLite guesses
        table sizes and picks the wrong one of two usable indexes: on the benchmark's data the
        dashboards' queries walked a group's every announcement instead of its official ones, and
        its every past event for the coming ones (issue 17: group dashboard 58 -> 74 req/s, home
        49 -> 59). `analysis_limit` samples each index instead of reading all of it: ~50 ms on
        80 MiB. `PRAGMA optimize` at close does not do this: the writer it runs on never ran the
        readers' queries. This process's readers load the new statistics at once; other
        processes' with `reload_statistics`."""
        async with self._lock():
            writer = self._require(self._writer)
            await writer.execute("PRAGMA analysis_limit=1000")
            await writer.execute("ANALYZE")
        await self.reload_statistics()

    async def reload_statistics(self) -> None:
        """Make the readers use the statistics in the file: an open connection keeps those it read
        when it opened. (`ANALYZE sqlite_schema` only reloads, but takes the write lock for it:
        under ours, so our own writer does not keep it waiting.)"""
        async with self._lock():
            for reader in self._readers:
                await reader.execute("ANALYZE sqlite_schema")
            if self._inline is not None:
                with self._inline_lock:
                    self._inline_checks = 1 << 40  # not a page's query: no budget
                    self._inline.execute("ANALYZE sqlite_schema")

    async def close(self) -> None:
        self._users -= 1
        if self._users > 0:
            return
        if self._writer is not None:
            # Keeps the planner's statistics fresh, as SQLite recommends at close; housekeeping
            # must never make closing fail.
            with contextlib.suppress(Exception):
                await self._writer.execute("PRAGMA optimize")
        for connection in (*self._readers, self._writer):
            if connection is not None:
                await connection.close()
        if self._inline is not None:
            with self._inline_lock:
                self._inline.close()
        self._readers, self._in_flight, self._writer, self._inline = [], [], None, None
        self._users = 0
        self._locks.clear()

    @asynccontextmanager
    async def session(self, path: str | Path):
        """Connect for the duration of a block (CLI commands, tests)."""
        await self.connect(path)
        try:
            yield self
        finally:
            await self.close()

    def _lock(self) -> asyncio.Lock:
        # One lock per event loop: tests drive the same engine from pytest's loop and from the
        # test client's portal loop; production has exactly one loop per process.
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    @staticmethod
    def _require(connection: aiosqlite.Connection | None) -> aiosqlite.Connection:
        if connection is None:
            raise DatabaseNotConnected("database is not connected; call Database.connect() first")
        return connection

    async def _read(self, sql: str, params: Sequence[Any]) -> Iterable[Any]:
        """One query inline if it is quick (see the module docstring), else on the least busy reader."""
        if not self._readers:
            raise DatabaseNotConnected("database is not connected; call Database.connect() first")
        rows = self._read_inline(sql, params)
        if rows is not None:
            return rows
        readers, in_flight = self._readers, self._in_flight
        count = len(readers)
        index = min(range(self._next, self._next + count), key=lambda i: in_flight[i % count]) % count
        self._next = (index + 1) % count
        in_flight[index] += 1
        try:
            return await readers[index].execute_fetchall(sql, params)
        finally:
            in_flight[index] -= 1

    # -- queries -------------------------------------------------------------------------------
    def write(self) -> Transaction:
        """`async with DB.write():` — a short BEGIN IMMEDIATE transaction. Nested calls join it;
        an exception rolls it back."""
        return Transaction(self)

    async def fetch(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        """Rows as dicts: on the current write transaction's connection inside one (it sees its
        own writes), else on the least busy reader."""
        current = self.current_transaction.get()
        if current is not None:
            return list(await current.connection.execute_fetchall(sql, params))
        return list(await self._read(sql, params))

    async def fetchone(self, sql: str, *params: Any) -> dict[str, Any] | None:
        rows = await self.fetch(sql, *params)
        return rows[0] if rows else None

    async def execute(self, sql: str, *params: Any) -> int:
        """Run one writing statement inside the current (or a new) write transaction; returns
        the number of changed rows."""
        async with self.write() as transaction:
            cursor = await transaction.connection.execute(sql, params)
            count = cursor.rowcount
            await cursor.close()
            return count


    async def alive(self) -> bool:
        """Does the database answer a query (the health check)? Never raises for the database's
        own failures."""
        try:
            return await self.fetchone("SELECT 1 AS ok") is not None
        except Exception as exc:
            if is_database_error(exc) or isinstance(exc, OSError | DatabaseNotConnected):
                return False
            raise

    async def integrity(self) -> str:
        """"ok", or what SQLite's quick check found wrong (`doctor`)."""
        rows = await self.fetch("PRAGMA quick_check")
        return "; ".join(str(next(iter(row.values()))) for row in rows[:5])


# -- SQLite files (backups): plain sqlite3, no engine and no event loop -----------------------------
def integrity_check(path: str | Path) -> str:
    """"ok", or the first thing `PRAGMA integrity_check` found wrong in the SQLite file at `path`
    (a restored backup's), opened read-only."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


def snapshot(source_path: str | Path, target_path: str | Path) -> None:
    """Copy a live SQLite database with the online backup API, in one step: in WAL mode that is
    one read transaction, a consistent snapshot that never blocks the server's writers (they
    append to the WAL meanwhile). Copying in several steps would restart from the first page after
    every write from the server, and a busy server would keep a large copy from ever finishing."""
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(target_path)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


DB = Database()
