"""Work the server does on its own while it runs: mail delivery, the daily digest, the nightly
backup, syncing connected servers, and (where registered) periodic jobs of other areas. Every job
is claimed in the database, so several workers can run this loop without doing anything twice; a
failing job is logged, never fatal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from groupbox.config import Config

log = logging.getLogger("groupbox.background")


async def clean_up_after_crash(config: Config) -> None:
    """At every start (background jobs or not), before serving: what a killed process left goes
    now, not at the next import: imports it left staging (rows and media), DATA/tmp/import-*
    and backup-* nobody holds. Safe beside the live work of other workers and the CLI (see
    `groupbox.scratch`); a failure here is logged, never fatal. Also makes DATA/files private
    for folders made before it was."""
    from groupbox import scratch
    from groupbox.domain.files import storage
    from groupbox.domain.migration import store as archive_store

    try:
        storage.private_files_dir(config)
        imports = 0
        # The importer (WhatsApp parser, phrase tables) loads only when a killed import left
        # something behind, not at every start (issue 17).
        if await archive_store.any_import_unfinished():
            from groupbox.domain.migration import archive_import

            imports = await archive_import.discard_abandoned(config.files_dir)
        removed = await asyncio.to_thread(scratch.clear, config.data_dir)
    except Exception:
        log.exception("cleaning up after a crash failed")
        return
    if imports or removed:
        log.warning("cleaned up after a killed process: %d import(s), %s", imports, ", ".join(removed) or "no files")

# (interval seconds, async fn(config)) registered by other areas, e.g. remote sync.
PERIODIC: list[tuple[float, Callable[[Config], Awaitable[None]]]] = []


async def _mail_and_digest(config: Config) -> None:
    from groupbox.domain.notify import mail

    await mail.deliver_immediate(config)
    if await mail.digest_due(config):
        sent = await mail.deliver_digest(config)
        log.info("daily digest: %s mails", sent)


async def _nightly_backup(config: Config) -> None:
    # The backup's code (tarfile, the sealing) is imported in the one hour of the night it may
    # run, not into every worker at start (issue 17: idle RSS); `backup.nightly` decides the rest
    # (the hour is its claim's window, `claim_day(..., hours=1)`).
    from groupbox.timefmt import local
    from groupbox.util import now

    if not config.nightly_backups or local(now(), config.timezone).hour != config.backup_hour:
        return
    from groupbox import backup

    result = await backup.nightly(config)
    if result:
        log.info("nightly backup: %s (%d files, %d bytes, %.1f s)", result.path, result.files, result.bytes,
                 result.seconds)


_statistics_seen: list[str | None] = [None]  # the day of the statistics this process's readers use


async def _planner_statistics(config: Config) -> None:
    """Once a day, by the first worker to claim it: the query planner's statistics follow the data
    as it grows (`Database.analyze`; PostgreSQL's autovacuum does this itself). The other workers
    and processes see the new day in the claim and reload them into their readers."""
    from groupbox.db import claims
    from groupbox.db.engine import DB

    if DB.dialect != "sqlite":
        return
    analyzed = await claims.claim_day("last_analyze_date", 0, config.timezone) is not None
    if analyzed:
        await DB.analyze()  # reloads this process's readers itself
    day = await claims.meta_get("last_analyze_date")
    if day != _statistics_seen[0]:
        if not analyzed:
            await DB.reload_statistics()
        _statistics_seen[0] = day


async def _remote_sync(config: Config) -> None:
    """Connected servers whose time has come (every sync_interval_minutes, jittered per
    connection), each claimed so that one worker or process does it."""
    from groupbox.domain.remote.store import servers as remote_store

    if not await remote_store.any_server():  # most servers read no other
        return
    from groupbox.domain.remote import connections

    for result in await connections.sync_due(config):
        log.info("remote sync %s: %s, %d changed", result.server_name, result.state, result.received)


class Background:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.task: asyncio.Task | None = None
        self.wakeup = asyncio.Event()

    def kick(self) -> None:
        self.wakeup.set()

    async def run(self) -> None:
        last_run: dict[int, float] = {}
        while True:
            jobs = [(30.0, _mail_and_digest), (300.0, _nightly_backup), (60.0, _remote_sync),
                    (900.0, _planner_statistics), *PERIODIC]
            for index, (interval, job) in enumerate(jobs):
                if self.wakeup.is_set() or time.monotonic() - last_run.get(index, 0) >= interval:
                    last_run[index] = time.monotonic()
                    try:
                        await job(self.config)
                    except Exception:  # one failing job must not stop the others
                        log.exception("background job %s failed", getattr(job, "__name__", job))
            self.wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wakeup.wait(), timeout=5)

    async def start(self) -> None:
        from groupbox.domain.notify import service as notify

        notify.WAKE_HOOKS.append(self.kick)
        self.task = asyncio.create_task(self.run(), name="groupbox-background")

    async def stop(self) -> None:
        from groupbox.domain.notify import service as notify

        if self.kick in notify.WAKE_HOOKS:
            notify.WAKE_HOOKS.remove(self.kick)
        if self.task:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
