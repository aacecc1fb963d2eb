"""What `groupbox serve` does, without the CLI's packages: check the data folder, then become
granian's main process (groupbox.web.launch), optionally with Caddy in front.

`groupbox serve` with plain options comes here straight from `groupbox.cli.main` (`quick`), before
typer, rich and click are imported: ~70 ms of every start (issue 17: start to first 200). Anything
else (`--help`, an option it does not know, a number that is not one) goes through typer as before
(groupbox/cli/serve.py), which parses and calls `start` here.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
from pathlib import Path
from typing import NoReturn

from groupbox.cli.failure import fail
from groupbox.config import load_config

_VALUED = ("--data", "--host", "--port", "--workers")
_FLAGS = ("--lan", "--https")


def quick(args: list[str]) -> bool:
    """`groupbox serve ARGS` without typer when ARGS are all plain options; False to leave them to
    typer (which says what is wrong, or prints the help)."""
    given: dict[str, str | bool] = {}
    rest = list(args)
    while rest:
        name, equals, value = rest.pop(0).partition("=")
        if name in _FLAGS and not equals:
            given[name] = True
        elif name in _VALUED and (equals or rest):
            given[name] = value if equals else rest.pop(0)
        else:
            return False
    numbers = {}
    for name in ("--port", "--workers"):
        text = given.get(name)
        if isinstance(text, str):
            if not text.strip().lstrip("+-").isdigit():
                return False
            numbers[name] = int(text)
    data, host = given.get("--data"), given.get("--host")
    start(data if isinstance(data, str) else None, host if isinstance(host, str) else None,
          numbers.get("--port"), numbers.get("--workers"), bool(given.get("--lan")), bool(given.get("--https")))
    return True  # pragma: no cover - start() execs


def bold(text: str) -> str:
    return f"\033[1m{text}\033[0m" if sys.stdout.isatty() else text


def lan_addresses() -> list[str]:
    """IPv4 addresses of this machine's non-loopback interfaces (read locally, no traffic)."""
    addresses: list[str] = []
    try:
        import fcntl
        import struct

        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            for _, name in socket.if_nameindex():
                try:
                    packed = fcntl.ioctl(probe.fileno(), 0x8915, struct.pack("256s", name[:15].encode()))
                except OSError:
                    continue
                address = socket.inet_ntoa(packed[20:24])
                if not address.startswith("127."):
                    addresses.append(address)
        finally:
            probe.close()
    except (ImportError, OSError):
        pass
    return addresses


def check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    probe = socket.socket(family, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((host, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            fail(f"port {port} on {host} is already in use; stop the other server or pass --port")
        if exc.errno == errno.EACCES:
            fail(f"no permission to bind {host}:{port}; use a port above 1023")
        fail(f"cannot bind {host}:{port}: {exc.strerror}")
    finally:
        probe.close()


def start(data: str | os.PathLike | None, host: str | None, port: int | None, workers: int | None, lan: bool,
          https: bool) -> NoReturn:
    """Check the data folder and the port, print where it serves, exec granian."""
    from groupbox.instance import is_initialised

    config = load_config(data)
    if not is_initialised(config):
        fail(f"{config.data_dir} is not initialised; run `groupbox init --data {config.data_dir}` first")
    if config.postgres:  # asked through the engine (this process execs granian next: nothing stays)
        import asyncio

        from groupbox.instance import pending_migrations

        try:
            pending = asyncio.run(pending_migrations(config))
        except Exception as exc:  # noqa: BLE001 - any reason the database cannot be read stops here
            fail(f"cannot read the PostgreSQL database (database_url): {exc}")
    else:
        import sqlite3

        from groupbox.db import ledger

        try:
            pending = ledger.pending(config.db_path)
        except sqlite3.Error as exc:
            fail(f"cannot read {config.db_path}: {exc}")
    if pending:
        fail(f"the database needs {len(pending)} migration(s); run `groupbox migrate --data {config.data_dir}`")

    host = host or ("0.0.0.0" if lan else config.host)
    port = config.port if port is None else port  # `--port 0` is refused below, not the default
    workers = config.workers if workers is None else workers
    if workers < 1 or not 0 < port < 65536:
        fail("--workers must be ≥ 1 and --port between 1 and 65535")
    check_port(host, port)

    os.environ["GROUPBOX_DATA"] = str(config.data_dir)
    # Large uploads (exports, files) spool to disk; keep them on the data folder's disk rather
    # than a RAM-backed /tmp.
    spool = config.data_dir / "tmp"
    spool.mkdir(exist_ok=True)
    os.environ["TMPDIR"] = str(spool)
    caddy = None
    if https:
        from groupbox.cli.caddy import start_caddy

        # Our own Caddy proxies from loopback: the workers believe its X-Forwarded-For (and only its).
        proxies = [p for p in (config.trusted_proxies, "127.0.0.1", "::1") if p]
        os.environ["GROUPBOX_TRUSTED_PROXIES"] = ",".join(proxies)

        caddy = start_caddy(config, upstream_port=port)
    shown = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    print(f"groupbox serving {config.data_dir} on {bold(shown)} (public URL {config.base_url})")
    if lan:
        from groupbox import qr

        addresses = lan_addresses()
        if not addresses:
            print("No LAN address found; is this machine on a network?", file=sys.stderr)
        for address in addresses:
            lan_url = f"http://{address}:{port}"
            print(f"On your phone (same Wi-Fi): {bold(lan_url)}")
            print(qr.terminal(lan_url, color=True), flush=True)
        if addresses and not config.base_url.startswith(f"http://{addresses[0]}"):
            print(f"Tip: links in invites use {config.base_url}; set GROUPBOX_URL=http://{addresses[0]}:{port} "
                  "so phones can open them.", file=sys.stderr)
    print("Press Ctrl-C to stop.")
    exec_granian(host, port, workers, caddy.pid if caddy is not None else 0)


def exec_granian(host: str, port: int, workers: int, caddy_pid: int) -> NoReturn:
    """Become granian's main process (groupbox.web.launch): same pid, none of the CLI's modules.

    The CLI's imports would otherwise stay resident in the main process and be forked into every
    worker. If groupbox is importable only through this process's sys.path, the path goes along.
    """
    import groupbox

    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    root = str(Path(groupbox.__file__).resolve().parents[1])
    boot = ("import sys; sys.path.append(sys.argv.pop(1)); "
            "from groupbox.web.launch import main; main(sys.argv[1:])")
    os.execv(sys.executable, [sys.executable, "-c", boot, root, host, str(port), str(workers), str(caddy_pid)])
