"""granian's main process for `groupbox serve`, importing nothing but granian.

`groupbox serve` checks the data folder with the full CLI (typer, rich, config, the migration
ledger), then execs into this module: the same process id (signals, Caddy as a child, exit status
unchanged) without the CLI's modules, which would otherwise stay resident in the main process and
be forked into every worker (issue 17: idle RSS and start time).

    python -m groupbox.web.launch HOST PORT WORKERS CADDY_PID   (CADDY_PID 0: no Caddy)
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys

APP = "groupbox.web.app:app_from_env"


def main(argv: list[str]) -> None:
    host, port, workers, caddy_pid = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    # What the CLI set before it exec'd: workers log warnings the same way as before.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    from granian.constants import Interfaces
    from granian.server import Server

    server = Server(
        APP,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        factory=True,
        log_access=False,
        respawn_failed_workers=True,
    )
    try:
        server.serve()
    finally:
        if caddy_pid:
            # Caddy was started by this same process before the exec: it is still our child.
            with contextlib.suppress(ProcessLookupError):
                os.kill(caddy_pid, signal.SIGTERM)


if __name__ == "__main__":
    main(sys.argv[1:])
