"""Live updates over server-sent events (issue 17 item 5): `GET /live/thread/{id}` tells an open
thread that it has new messages, `GET /live/me` tells a person's pages that their "Needs you" or
notification count may have changed. The pages stay server-rendered: static/live.js fetches the
page again and swaps the changed sections (or shows a "New messages — reload" link).

The database is the bus. A write in this process calls `publish()` after it commits, which wakes
this process's streams at once. Other workers and processes learn of it two ways:

- On PostgreSQL, `publish()` also sends `NOTIFY groupbox_bus` and every worker LISTENs on one
  connection of its own (not the pool's), so a message posted through one process wakes the
  streams of every other at once.
- On both engines ONE task per worker polls a tiny fingerprint (the groups' change numbers, the
  newest notification and the newest read one: index lookups) every POLL seconds while this
  worker has a stream open: it catches the writes that publish nothing (an RSVP, a notification)
  and stands in while the PostgreSQL listener reconnects. A worker without open streams reads
  nothing.

A woken stream re-reads its own cheap state (the thread's change number; my unread count and my
groups' change numbers) and sends an event only when it changed, so a spurious wakeup costs one
small read per open stream."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
from typing import Any

from groupbox.db.engine import DB

POLL = 0.3
CHANNEL = "groupbox_bus"
# What the poll compares; portable (no rowid), and cheap (m0024's indexes): a new notification
# moves the newest time, reading one the newest read time (reading sets it to now; nothing
# unreads), deleting them goes with a member leaving, which moves the groups' change numbers.
# (SUM of a BIGINT is NUMERIC on PostgreSQL: cast back.)
FINGERPRINT = ("SELECT (SELECT CAST(COALESCE(SUM(seq), 0) AS BIGINT) FROM grp) AS s,"
               " (SELECT MAX(created_at) FROM notification) AS t,"
               " (SELECT MAX(read_at) FROM notification) AS r")

log = logging.getLogger("groupbox.bus")


class Bus:
    def __init__(self) -> None:
        self.version = 0
        self._changed: asyncio.Event | None = None
        self._poller: asyncio.Task | None = None
        self._fingerprint: tuple | None = None
        self.closing = False
        self.streams = 0  # open live streams in this worker: the poll reads only while there are some
        # PostgreSQL only: the LISTEN connection, and the one task that sends NOTIFYs on it.
        self._listener: Any = None
        self._sender: asyncio.Task | None = None
        self._pending = False
        self._token = secrets.token_hex(8)  # our own NOTIFYs come back to us: skip those

    def _event(self) -> asyncio.Event:
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    def _wake(self) -> None:
        """Wake every stream of this process (they check their own state)."""
        self.version += 1
        event = self._event()
        event.set()
        self._changed = asyncio.Event()

    def publish(self) -> None:
        """Something committed: wake this worker's streams, and on PostgreSQL every other's."""
        self._wake()
        if self._listener is not None and not self.closing:
            self._pending = True
            if self._sender is None or self._sender.done():
                self._sender = asyncio.get_running_loop().create_task(self._send())

    async def wait(self, version: int, timeout: float) -> int:
        """Until a publish after `version` (or the timeout, or shutdown); returns the version."""
        if self.version == version and not self.closing:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._event().wait(), timeout)
        return self.version

    def start(self) -> None:
        if self._poller is None or self._poller.done():
            self.closing = False
            loop = asyncio.get_running_loop()
            self._poller = loop.create_task(self._poll())
            self._hook_signals(loop)

    def _hook_signals(self, loop: asyncio.AbstractEventLoop) -> None:
        """granian stops a worker on SIGINT/SIGTERM by waiting for its open requests to finish and
        only then runs the app's shutdown: an open stream would hold the server forever. So end the
        streams as soon as the signal arrives, then hand it on to granian's own handler."""
        handlers = getattr(loop, "_signal_handlers", None)
        if not isinstance(handlers, dict):
            return  # a loop we cannot chain onto (or none installed): leave its signals alone
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous = handlers.get(sig)
            if previous is None or getattr(previous, "_callback", None) == self._on_signal:
                continue  # none to hand on to, or already chained
            with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
                loop.add_signal_handler(sig, self._on_signal, previous)

    def _on_signal(self, previous: asyncio.Handle) -> None:
        self.closing = True
        self._wake()
        previous._run()  # granian's handler: start its graceful shutdown

    async def stop(self) -> None:
        self.closing = True
        self._wake()
        for task in (self._poller, self._sender):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._poller = self._sender = None
        await self._unlisten()

    # -- PostgreSQL: LISTEN/NOTIFY ---------------------------------------------------------------
    async def _listen(self) -> None:
        """Open the LISTEN connection when on PostgreSQL and it is not open (first round, or the
        server dropped it); a failure is retried next round, the poll covers meanwhile."""
        if DB.dialect != "postgresql" or (self._listener is not None and not self._listener.is_closed()):
            return
        import asyncpg

        self._listener = None
        try:
            connection = await asyncpg.connect(DB.path, timeout=5, server_settings={"application_name": "groupbox-bus"})
            await connection.add_listener(CHANNEL, self._heard)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("live updates: cannot LISTEN on PostgreSQL (polling meanwhile): %s", exc)
            return
        self._listener = connection

    def _heard(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        if payload != self._token:
            self._wake()

    async def _send(self) -> None:
        """NOTIFY the other workers, once for any number of publishes made meanwhile."""
        while self._pending and self._listener is not None:
            self._pending = False
            try:
                await self._listener.execute("SELECT pg_notify($1, $2)", CHANNEL, self._token)
            except Exception as exc:  # the connection dropped: the poll reopens it and covers meanwhile
                log.warning("live updates: NOTIFY failed: %s", exc)
                return

    async def _unlisten(self) -> None:
        connection, self._listener = self._listener, None
        if connection is not None:
            try:
                await asyncio.wait_for(connection.close(), 5)
            except Exception:  # noqa: BLE001 - closing anyway
                connection.terminate()

    async def _poll(self) -> None:
        while not self.closing:
            await self._listen()
            await asyncio.sleep(POLL)
            if not self.streams:
                self._fingerprint = None  # nobody to wake; the first stream's round wakes it once
                continue
            try:
                row = await DB.fetchone(FINGERPRINT)
            except Exception:  # the database is closing or busy: try again next round
                continue
            fingerprint = tuple(row.values()) if row else None
            if fingerprint != self._fingerprint:
                # Also on the first round after streams opened: a change between a stream reading
                # its state and this baseline is not lost (a spurious wake costs one small read).
                self._wake()
            self._fingerprint = fingerprint


BUS = Bus()


def publish() -> None:
    """Call after a write transaction committed (outside `async with DB.write()`)."""
    with contextlib.suppress(RuntimeError):
        BUS.publish()


async def start_bus() -> None:
    BUS.start()


async def stop_bus() -> None:
    await BUS.stop()
