"""Piccolo's SQLite engine, made fit for a server.

Piccolo's stock SQLiteEngine opens a new connection (and thread) for every query, which measured
about 12x slower than a persistent connection. This engine keeps a few persistent connections per
process, opened by `connect()` when the app starts:

- `READERS` *readers* for every query outside a transaction (WAL lets them read side by side, and
  while a write is open). Each query goes to the reader with the fewest queries in flight, so a
  slow read (a long archive page) delays only the queries queued on its own connection, not every
  read of the process;
- a *writer* used only inside `write()` transactions, which are `BEGIN IMMEDIATE` and serialised
  by an asyncio lock, so writers queue instead of failing with "database is locked". Other
  processes (more workers, the CLI) wait on SQLite's busy timeout.

A statement that writes outside `write()` is routed through a short write transaction anyway,
so no write ever lands on the reader.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

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
_READ_PREFIXES = ("SELECT", "WITH", "PRAGMA", "EXPLAIN")
READERS = 4  # each is a connection and a thread; more than the cores buys little


class DatabaseNotConnected(RuntimeError):
    pass


class _WriteTransaction(SQLiteTransaction):
    """A transaction on the shared writer connection, held under the engine's write lock."""

    async def __aenter__(self):
        if self._parent is not None:
            return self._parent
        engine: Database = self.engine  # type: ignore[assignment]
        lock = engine._lock()
        await lock.acquire()
        try:
            self.connection = engine._require(engine._writer)
            await self.begin()
        except BaseException:
            lock.release()
            raise
        self._lock_held = lock
        self.context = engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            self.engine.current_transaction.reset(self.context)
            self._lock_held.release()
        return exception is None


class Database(SQLiteEngine):
    """One per process; `connect(path)` before use, `close()` at shutdown."""

    def __init__(self) -> None:
        super().__init__(path=":memory:", timeout=5.0, check_same_thread=False)
        self._readers: list[aiosqlite.Connection] = []
        self._in_flight: list[int] = []  # queries running or queued, per reader
        self._next = 0  # where the search for the least busy reader starts (round robin on ties)
        self._writer: aiosqlite.Connection | None = None
        self._locks: dict[int, asyncio.Lock] = {}
        self._users = 0

    # -- lifecycle -----------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._writer is not None

    async def _open(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        for pragma in PRAGMAS:
            await connection.execute(pragma)
        return connection

    async def connect(self, path: str | Path) -> None:
        """Open (or share) the persistent connections. Reference counted: an app and a test
        harness on the same database share one set."""
        path = str(path)
        if self._writer is not None:
            if path != self.path:
                raise RuntimeError(f"database already connected to {self.path}, not {path}")
            self._users += 1
            return
        self.path = path
        self._writer = await self._open()  # first: it switches the file to WAL
        self._readers = [await self._open() for _ in range(READERS)]
        self._in_flight = [0] * READERS
        self._users = 1

    async def checkpoint(self) -> None:
        """Fold the write-ahead log into the database file and empty it, so that erased rows
        (zeroed by secure_delete) leave no older copy behind. Best effort: a reader that holds an
        old snapshot only delays it to SQLite's next automatic checkpoint."""
        async with self._lock():
            with contextlib.suppress(sqlite3.Error):
                await self._require(self._writer).execute("PRAGMA wal_checkpoint(TRUNCATE)")

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
        self._readers, self._in_flight, self._writer = [], [], None
        self._users = 0
        self._locks.clear()

    def _lock(self) -> asyncio.Lock:
        # One lock per event loop: tests drive the same engine from pytest's loop and from the
        # test client's portal loop; production has exactly one loop per process.
        loop = asyncio.get_running_loop()
        lock = self._locks.get(id(loop))
        if lock is None:
            lock = self._locks[id(loop)] = asyncio.Lock()
        return lock

    @staticmethod
    def _require(connection: aiosqlite.Connection | None) -> aiosqlite.Connection:
        if connection is None:
            raise DatabaseNotConnected("database is not connected; call Database.connect() first")
        return connection

    async def _read(self, sql: str, params: Sequence[Any]) -> Iterable[Any]:
        """One query on the least busy reader."""
        if not self._readers:
            raise DatabaseNotConnected("database is not connected; call Database.connect() first")
        readers, in_flight = self._readers, self._in_flight
        count = len(readers)
        index = min(range(self._next, self._next + count), key=lambda i: in_flight[i % count]) % count
        self._next = (index + 1) % count
        in_flight[index] += 1
        try:
            return await readers[index].execute_fetchall(sql, params)
        finally:
            in_flight[index] -= 1

    # -- transactions --------------------------------------------------------------------------
    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.immediate,
        allow_nested: bool = True,
    ) -> SQLiteTransaction:
        return _WriteTransaction(self, transaction_type=transaction_type, allow_nested=allow_nested)

    def write(self) -> SQLiteTransaction:
        """`async with DB.write():` — a short BEGIN IMMEDIATE transaction. Nested calls join it."""
        return self.transaction(TransactionType.immediate)

    # -- query execution -----------------------------------------------------------------------
    async def _run_in_new_connection(self, query: str, args: list[Any] | None = None,
                                     query_type: str = "generic", table=None):
        if query.lstrip()[:7].upper().startswith(_READ_PREFIXES):
            return await self._read(query, args or [])
        async with self.write() as transaction:
            return await transaction.connection.execute_fetchall(query, args or [])

    async def _run_in_existing_connection(self, connection, query: str, args: list[Any] | None = None,
                                          query_type: str = "generic", table=None):
        return await connection.execute_fetchall(query, args or [])

    async def get_connection(self):  # pragma: no cover - Piccolo internals only
        return self._require(self._readers[0] if self._readers else None)

    # -- raw helpers for code that needs plain SQL ---------------------------------------------
    async def fetch(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        current = self.current_transaction.get()
        if current:
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

    @asynccontextmanager
    async def session(self, path: str | Path):
        """Connect for the duration of a block (CLI commands, tests)."""
        await self.connect(path)
        try:
            yield self
        finally:
            await self.close()


def integrity_check(path: str | Path) -> str:
    """`PRAGMA quick_check` through a plain connection (used by `doctor`)."""
    connection = sqlite3.connect(str(path))
    try:
        return connection.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        connection.close()


DB = Database()
