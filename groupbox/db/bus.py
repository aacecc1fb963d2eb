"""Live updates over server-sent events (issue 17 item 5): `GET /live/thread/{id}` tells an open
thread that it has new messages, `GET /live/me` tells a person's pages that their "Needs you" or
notification count may have changed. The pages stay server-rendered: static/live.js fetches the
page again and swaps the changed sections (or shows a "New messages — reload" link).

The database is the bus. A write in this process calls `publish()` after it commits, which wakes
this process's streams at once; ONE task per process also polls a tiny fingerprint (the groups'
change numbers and the newest notification) every POLL seconds, so writes of other workers and
processes wake the streams too. A woken stream re-reads its own cheap state (the thread's change
number; my unread count and my groups' change numbers) and sends an event only when it changed."""

from __future__ import annotations

import asyncio
import contextlib
import signal

from groupbox.db.engine import DB

POLL = 0.3


class Bus:
    def __init__(self) -> None:
        self.version = 0
        self._changed: asyncio.Event | None = None
        self._poller: asyncio.Task | None = None
        self._fingerprint: tuple | None = None
        self.closing = False

    def _event(self) -> asyncio.Event:
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    def publish(self) -> None:
        """Something committed: wake every stream of this process (they check their own state)."""
        self.version += 1
        event = self._event()
        event.set()
        self._changed = asyncio.Event()

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
        self.publish()
        previous._run()  # granian's handler: start its graceful shutdown

    async def stop(self) -> None:
        self.closing = True
        self.publish()
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._poller
            self._poller = None

    async def _poll(self) -> None:
        while not self.closing:
            await asyncio.sleep(POLL)
            try:
                row = await DB.fetchone(
                    "SELECT (SELECT COALESCE(SUM(seq), 0) FROM grp) AS s,"
                    " (SELECT COALESCE(MAX(rowid), 0) FROM notification) AS n,"
                    " (SELECT COUNT(*) FROM notification WHERE read_at IS NULL) AS u")
            except Exception:  # the database is closing or busy: try again next round
                continue
            fingerprint = (row["s"], row["n"], row["u"]) if row else None
            if self._fingerprint is not None and fingerprint != self._fingerprint:
                self.publish()
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


