"""A real PostgreSQL for the tests, started from Debian's binaries (issue 12 item 3).

`PostgresServer.start()` runs `initdb` and `pg_ctl` in a temp folder on a free loopback port, with
its unix socket in that folder too, so no system service, port or socket is touched. The server
is built for speed, not durability (fsync and synchronous_commit off): a test database is thrown
away. Since tests run as root here and PostgreSQL refuses to run as root, the binaries run as the
`postgres` user (created by Debian's package) through `runuser`; as any other user they run as
that user.

`make test-postgres` sets `GROUPBOX_TEST_DB=postgres` (or pass `--db=postgres` to pytest): then
tests/conftest.py starts one server per session, migrates a template database once, and gives
every test a fresh database copied from it (`CREATE DATABASE … TEMPLATE … STRATEGY FILE_COPY`, ~80 ms), named in the
test data folder's groupbox.toml as `database_url`, so the app, the CLI and live servers all use it.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

ENV = "GROUPBOX_TEST_DB"
SUPERUSER = "postgres"
SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "128MB",
    "log_min_messages": "fatal",
}


def enabled(option: str | None = None) -> bool:
    """Do the tests run on PostgreSQL (`--db=postgres` or GROUPBOX_TEST_DB=postgres)?"""
    return (option or os.environ.get(ENV, "sqlite")).lower() in {"postgres", "postgresql", "pg"}


def bin_dir() -> Path:
    """The newest installed Debian PostgreSQL's binaries."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: `apt-get install postgresql` (make test-postgres does)")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    def __init__(self) -> None:
        self.bin = bin_dir()
        self.root: Path | None = None
        self.port = 0
        self._names = itertools.count(1)
        self._user = SUPERUSER if os.geteuid() == 0 else None  # None: run as ourselves

    # -- processes -------------------------------------------------------------------------------
    def _run(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._user:
            command = ["runuser", "-u", self._user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd="/")
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed ({result.returncode}): {result.stderr or result.stdout}")
        return result

    def start(self) -> PostgresServer:
        self.root = Path(tempfile.mkdtemp(prefix="groupbox-pg-"))
        if self._user:
            entry = pwd.getpwnam(self._user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        data = self.root / "data"
        self._run("initdb", "-D", str(data), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        self.port = _free_port()
        options = " ".join(f"-c {key}={value}" for key, value in SETTINGS.items())
        options += f" -p {self.port} -k {self.root}"
        self._run("pg_ctl", "-D", str(data), "-o", options, "-l", str(self.root / "log"), "-w", "-t", "60", "start")
        return self

    def stop(self) -> None:
        if self.root is None:
            return
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    # -- databases -------------------------------------------------------------------------------
    def url(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement with psql over the socket; returns its output."""
        return self._run("psql", "-h", str(self.root), "-p", str(self.port), "-U", SUPERUSER, "-d", database,
                         "-v", "ON_ERROR_STOP=1", "-qAtc", statement).stdout

    def create_database(self, name: str | None = None, template: str | None = None) -> str:
        name = name or f"test_{os.getpid()}_{next(self._names)}"
        statement = f'CREATE DATABASE "{name}"'
        if template:
            statement += f' TEMPLATE "{template}"'
            # Copying the files beats writing every page to the WAL (15's default) for a small
            # template: measured 80 ms against 200–350 ms a test.
            if int(self.bin.parts[4]) >= 15:
                statement += " STRATEGY FILE_COPY"
        self.sql(statement)
        return name

    def drop_database(self, name: str) -> None:
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def point_data_dir(data_dir: Path, url: str) -> None:
    """Name `url` as the data folder's database (its groupbox.toml's `database_url`)."""
    path = data_dir / "groupbox.toml"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("database_url =")]
    lines.append(f'database_url = "{url}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@contextlib.contextmanager
def data_copy(template_data: Path, folder: Path, postgres: PostgresServer | None) -> Iterator[Path]:
    """A data folder of its own: a copy of the template and, on PostgreSQL, a database of its own
    (a plain copy would name the template's database: two servers or tests in one, and the
    template busy for every later copy), dropped afterwards."""
    shutil.copytree(template_data, folder)
    if postgres is None:
        yield folder
        return
    name = postgres.create_database(template="groupbox_template")
    point_data_dir(folder, postgres.url(name))
    try:
        yield folder
    finally:
        postgres.drop_database(name)
