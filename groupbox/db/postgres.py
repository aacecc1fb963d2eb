"""The PostgreSQL engine (issue 12): the same `DB` API as the SQLite one, on an asyncpg pool.

`DB.connect("postgresql://…")` (what `Config.database` gives when `database_url` is set) turns the
process's `DB` into a `PostgresDatabase` until it closes; code keeps calling `DB.fetch`,
`DB.fetchone`, `DB.execute` and `DB.write()` as on SQLite, and `DB.dialect` tells the engines apart.

- Values: rows are dicts; `TIMESTAMPTZ` comes back as an aware UTC datetime, `BOOLEAN` as a bool,
  `INTEGER`/`BIGINT` as an int, as on SQLite. A computed column named the SQLite way
  (`AS "starts_at [TIMESTAMPTZ]"`) is named `starts_at` here too (Postgres keeps the type itself).
- Placeholders: until the queries are built with SQLAlchemy Core, SQL written with `?` runs here
  with `?` rewritten to `$1…$n` (a `?` inside a quoted string or identifier is left alone). SQL
  that is not portable (SQLite functions, integer booleans…) fails here: CONTRIBUTING.md,
  "PostgreSQL status", lists what still does.
- Transactions: `write()` is one transaction on one pooled connection; nested blocks join it.
  Writers are serialised as SQLite's BEGIN IMMEDIATE serialises them (an asyncio lock in the
  process, a transaction-scoped advisory lock across processes), so read-validate-write code
  written for SQLite stays correct; the lock goes when every such write checks a version instead.
- Reads outside a transaction take any pooled connection; inside one, the transaction's.
- One pool per event loop (an asyncpg connection belongs to the loop that opened it; tests drive
  `DB` from pytest's loop and from the test client's), opened on first use in that loop and
  closed in it when the last `connect` made in that loop is closed; a pool whose loop was closed
  meanwhile is dropped (its sockets shut), never awaited.
- Errors: a constraint that refuses a write raises `groupbox.db.errors.ConstraintViolation`
  (caught with `except IntegrityError:` from that module, as SQLite's are), chained to asyncpg's.

asyncpg is imported only here, and this module only when the URL is a PostgreSQL one.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import socket
from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta
from typing import Any

import asyncpg

from groupbox.db.engine import Database, DatabaseNotConnected
from groupbox.db.errors import ConstraintViolation

# Every write transaction takes this advisory lock (any constant: "gbox" in ASCII).
WRITE_LOCK = 0x67626F78
POOL_MIN = 1
POOL_MAX = 10
STATEMENT_CACHE = 512

_TYPED_NAME = re.compile(r'"(\w+) \[\w+\]"')


def is_postgres_url(target: Any) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


@functools.lru_cache(maxsize=4096)
def translate(sql: str) -> str:
    """`?` → `$1…$n` outside quotes; `"name [TYPE]"` column aliases → `"name"`."""
    if "?" not in sql and "[" not in sql:
        return sql
    out: list[str] = []
    number = 0
    quote = ""
    for char in sql:
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "?":
            number += 1
            out.append(f"${number}")
            continue
        out.append(char)
    return _TYPED_NAME.sub(r'"\1"', "".join(out))


def _param(value: Any) -> Any:
    # The SQLite engine stores a timedelta as seconds; keep that meaning.
    return value.total_seconds() if isinstance(value, timedelta) else value


def _params(params: Sequence[Any]) -> list[Any]:
    return [_param(value) for value in params]


def _rowcount(status: str) -> int:
    """asyncpg's command tag ("UPDATE 3", "INSERT 0 1") → rows changed; -1 when it has none."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


def _rows(records: Iterable[asyncpg.Record]) -> list[dict[str, Any]]:
    return [dict(record) for record in records]


@contextlib.contextmanager
def _constraints() -> Iterator[None]:
    """asyncpg's constraint errors as the engine-neutral `ConstraintViolation`."""
    try:
        yield
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise ConstraintViolation(str(exc)) from exc


def _abandon(pool: asyncpg.Pool, loop: asyncio.AbstractEventLoop) -> None:
    """Let go of a pool that cannot be awaited from here: terminated in its loop when that still
    runs, else (its loop is closed) its sockets are shut so the server ends those sessions."""
    if loop.is_closed():
        for holder in pool._holders:  # asyncpg has no public way to reach a dead loop's sockets
            connection = holder._con
            transport = getattr(connection, "_transport", None) if connection is not None else None
            sock = transport.get_extra_info("socket") if transport is not None else None
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        return
    with contextlib.suppress(RuntimeError):  # closed between the check and here
        if loop.is_running():  # in another thread: terminating touches its transports
            loop.call_soon_threadsafe(pool.terminate)
        else:
            pool.terminate()


class _Cursor:
    """What aiosqlite's `execute` hands back, as far as callers use it."""

    __slots__ = ("rowcount",)

    def __init__(self, rowcount: int) -> None:
        self.rowcount = rowcount

    async def close(self) -> None:
        return None


class Connection:
    """`tx.connection` on PostgreSQL: the aiosqlite calls callers make (`execute(sql, params)`,
    `execute_fetchall`, `executemany`) on the transaction's asyncpg connection; `raw` is that."""

    __slots__ = ("raw",)

    def __init__(self, raw: asyncpg.Connection) -> None:
        self.raw = raw

    @property
    def in_transaction(self) -> bool:
        return self.raw.is_in_transaction()

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> _Cursor:
        with _constraints():
            if params:
                return _Cursor(_rowcount(await self.raw.execute(translate(sql), *_params(params))))
            # Without parameters: the simple protocol (DDL, several statements, function bodies).
            return _Cursor(_rowcount(await self.raw.execute(sql)))

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with _constraints():
            return _rows(await self.raw.fetch(translate(sql), *_params(params)))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with _constraints():
            await self.raw.executemany(translate(sql), [_params(row) for row in rows])


class Transaction:
    """`async with DB.write() as tx:` on PostgreSQL: BEGIN plus the write lock, on one pooled
    connection; a nested `DB.write()` joins the open one."""

    __slots__ = ("engine", "connection", "_parent", "_token", "_lock", "_raw", "_pool")

    def __init__(self, engine: PostgresDatabase) -> None:
        self.engine = engine
        self._parent: Transaction | None = engine.current_transaction.get()

    async def __aenter__(self) -> Transaction:
        if self._parent is not None:
            return self._parent
        engine = self.engine
        pool = await engine._pool_here()
        lock = engine._lock()
        await lock.acquire()
        try:
            self._raw = await pool.acquire()
            try:
                await self._raw.execute(f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})")
            except BaseException:
                await pool.release(self._raw)
                raise
        except BaseException:
            lock.release()
            raise
        self.connection = Connection(self._raw)
        self._pool = pool
        self._lock = lock
        self._token = engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent is not None:
            return False
        try:
            if exception is None:
                try:
                    with _constraints():  # a deferred constraint is checked at COMMIT
                        await self._raw.execute("COMMIT")
                except BaseException:
                    await self._rollback()
                    raise
            else:
                await self._rollback()
        finally:
            self.engine.current_transaction.reset(self._token)
            try:
                await self._pool.release(self._raw)
            finally:
                self._lock.release()
        return False

    async def _rollback(self) -> None:
        if self._raw.is_in_transaction():
            try:
                await self._raw.execute("ROLLBACK")
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                self._raw.terminate()  # a connection in an unknown state does not go back to the pool


class PostgresDatabase(Database):
    """`DB` while it is connected to PostgreSQL (see the module's doc). Never made directly:
    `Database.connect` switches the process's one `DB` to this class and `close` switches back."""

    dialect = "postgresql"

    _pools: dict[asyncio.AbstractEventLoop, asyncpg.Pool] | None
    _loop_users: dict[asyncio.AbstractEventLoop, int]

    @property
    def connected(self) -> bool:
        return getattr(self, "_pools", None) is not None

    async def connect(self, path) -> None:  # the URL; named as the SQLite engine names it
        url = str(path)
        loop = asyncio.get_running_loop()
        if self.connected:
            if url != self.path:
                raise RuntimeError(f"database already connected to {_safe(self.path)}, not {_safe(url)}")
            self._users += 1
            self._loop_users[loop] = self._loop_users.get(loop, 0) + 1
            return
        if not is_postgres_url(url):
            raise RuntimeError(f"not a PostgreSQL URL: {_safe(url)}")
        self.path = url
        self._pools, self._loop_users = {}, {}
        try:
            await self._pool_here()  # a wrong URL or a server that is down fails here
        except BaseException:
            self._pools = None
            raise
        self._users = 1
        self._loop_users[loop] = 1

    async def _pool_here(self) -> asyncpg.Pool:
        pools = getattr(self, "_pools", None)
        if pools is None:
            raise DatabaseNotConnected("database is not connected; call Database.connect() first")
        loop = asyncio.get_running_loop()
        pool = pools.get(loop)
        if pool is None:
            for other in [other for other in pools if other.is_closed()]:  # pools of loops gone
                _abandon(pools.pop(other), other)
                self._loop_users.pop(other, None)
            pool = await asyncpg.create_pool(
                self.path, min_size=POOL_MIN, max_size=POOL_MAX, statement_cache_size=STATEMENT_CACHE,
                server_settings={"timezone": "UTC", "application_name": "groupbox"})
            if loop in pools:  # another task of this loop made one meanwhile
                await pool.close()
            else:
                pools[loop] = pool
        return pools[loop]

    async def close(self) -> None:
        """Closes this loop's pool when the last `connect` made in this loop is closed (a test
        client's loop ends right after its app's shutdown), and every pool with the last one."""
        loop = asyncio.get_running_loop()
        self._users -= 1
        pools = getattr(self, "_pools", None) or {}
        loop_users = getattr(self, "_loop_users", {})
        if loop in loop_users:
            loop_users[loop] -= 1
        if self._users > 0:
            if loop_users.get(loop, 0) <= 0:
                loop_users.pop(loop, None)
                self._locks.pop(loop, None)
                if loop in pools:
                    await _close(pools.pop(loop))
            return
        self._pools, self._loop_users = None, {}
        self._users = 0
        self._locks.clear()
        try:
            for other, pool in pools.items():
                if other is loop:
                    await _close(pool)
                else:
                    _abandon(pool, other)  # another loop's: it cannot be awaited from here
        finally:
            self.__class__ = Database  # back to the embedded default until the next connect
            self.path = ":memory:"

    async def analyze(self) -> None:
        """Nothing to do: PostgreSQL's autovacuum keeps the planner's statistics."""
        return None

    async def reload_statistics(self) -> None:
        return None

    async def checkpoint(self) -> None:
        """Nothing to fold: PostgreSQL's own checkpoints and VACUUM handle erased rows."""
        return None

    async def integrity(self) -> str:
        """"ok" once the server answers: PostgreSQL checks its own pages (the database admin runs
        `amcheck` or `pg_checksums` where wanted); `doctor` only asks whether it is reachable."""
        await self.fetchone("SELECT 1 AS ok")
        return "ok"

    def write(self) -> Transaction:  # type: ignore[override]
        return Transaction(self)

    async def fetch(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        current = self.current_transaction.get()
        runner = current.connection.raw if current is not None else await self._pool_here()
        with _constraints():  # a data-changing statement with RETURNING, run as a read
            return _rows(await runner.fetch(translate(sql), *_params(params)))

    async def fetchone(self, sql: str, *params: Any) -> dict[str, Any] | None:
        rows = await self.fetch(sql, *params)
        return rows[0] if rows else None

    async def execute(self, sql: str, *params: Any) -> int:
        async with self.write() as transaction:
            with _constraints():
                return _rowcount(await transaction.connection.raw.execute(translate(sql), *_params(params)))


async def _close(pool: asyncpg.Pool) -> None:
    """Close a pool of the running loop: gracefully within 10 s, then by force."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(pool.close(), 10)
    pool.terminate()


def _safe(url: str) -> str:
    """A URL fit for an error message: without its password."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)
