"""`groupbox doctor`: what is wrong with this instance, and what to do about it."""

from __future__ import annotations

import shutil
import stat
import time
from dataclasses import dataclass
from urllib.parse import urlparse

import typer

from groupbox.cli.common import DataOpt, JsonOpt, emit_json, out, run
from groupbox.config import SETTINGS, ConfigError, load_config, resolve_data_dir
from groupbox.db.full import write_probe
from groupbox.util import is_local_host


@dataclass
class Check:
    name: str
    level: str  # ok | warning | error
    message: str


def collect(data) -> list[Check]:
    from groupbox.db import migrate
    from groupbox.instance import is_initialised, opened

    checks: list[Check] = []
    try:
        config = load_config(data)
    except ConfigError as exc:
        return [Check("config", "error", f"{exc}; fix {resolve_data_dir(data)}/groupbox.toml or the GROUPBOX_* variable")]
    if not config.config_path.is_file():
        return [Check("config", "error", f"no groupbox instance in {config.data_dir} ({config.config_path.name} is missing)"
                                         f" — run `groupbox init --data {config.data_dir}`")]
    overridden = [s.env for s in SETTINGS if config.sources.get(s.name) == "env"]
    checks.append(Check("config", "ok", f"{config.config_path}" + (f" (overridden: {', '.join(overridden)})" if overridden else "")))
    if not is_initialised(config):
        checks.append(Check("data", "error", f"{config.data_dir} is not initialised; run `groupbox init --data {config.data_dir}`"))
        return checks

    # Data folder permissions: keys must be private.
    for key in sorted(config.keys_dir.glob("*")):
        mode = stat.S_IMODE(key.stat().st_mode)
        if mode & 0o077:
            checks.append(Check("keys", "error", f"{key} is readable by others (mode {oct(mode)}); run `chmod 600 {key}`"))
    if not any(c.name == "keys" for c in checks):
        checks.append(Check("keys", "ok", f"{config.keys_dir} is private"))
    for sub in ("files", "outbox", "backups"):
        folder = config.data_dir / sub
        if not folder.is_dir():
            checks.append(Check("data", "warning", f"{folder} is missing; it will be created when needed"))

    # Database: reachable, intact (SQLite's quick check; PostgreSQL checks its own pages) and migrated.
    async def database() -> tuple[str, list[str]]:
        async with opened(config) as db:
            return await db.integrity(), await migrate.pending(db)

    try:
        result, todo = run(database())
    except Exception as exc:  # noqa: BLE001 - whatever stops the database from opening is the finding
        where = "the PostgreSQL database (database_url)" if config.postgres else str(config.db_path)
        checks.append(Check("database", "error", f"cannot open {where}: {exc}"))
    else:
        checks.append(Check("database", "ok" if result == "ok" else "error",
                            "integrity ok" if result == "ok" else f"integrity check failed: {result}; restore a backup"))
        checks.append(Check("migrations", "error" if todo else "ok",
                            f"{len(todo)} pending; run `groupbox migrate`" if todo else "up to date"))

    # Disk space.
    usage = shutil.disk_usage(config.data_dir)
    free_mb = usage.free // (1024 * 1024)
    level = "error" if free_mb < 100 else "warning" if free_mb < 1024 else "ok"
    checks.append(Check("disk", level, f"{free_mb} MB free on the data folder's disk"))
    if (failure := write_probe(config.data_dir)) is not None:
        checks.append(Check("disk", "error", f"{failure}; free space on that disk"))

    # TLS: only a warning on loopback/LAN names.
    parsed = urlparse(config.base_url)
    host = parsed.hostname or ""
    if parsed.scheme == "https":
        checks.append(Check("tls", "ok", f"public URL is https ({config.base_url})"))
    elif is_local_host(host):
        checks.append(Check("tls", "warning", f"{config.base_url} is plain http; fine on a LAN, use `serve --https` for a domain"))
    else:
        checks.append(Check("tls", "error", f"{config.base_url} is a public name over plain http; set url to https:// and run `groupbox serve --https`"))

    # Backups: a warning until there is a recent one in DATA/backups/ (others may keep theirs elsewhere).
    latest = max((p.stat().st_mtime for p in config.backups_dir.glob("groupbox-*.tar.gz")), default=None)
    if config.postgres:  # `groupbox backup` covers SQLite only: nothing here can tell whether it is done
        checks.append(Check("backup", "warning", "the database is on PostgreSQL: back it up with pg_dump, and "
                                                 f"{config.files_dir} and {config.keys_dir} with your file backups"))
    elif latest is None:
        checks.append(Check("backup", "warning", f"no backup in {config.backups_dir} yet; run `groupbox backup` "
                                                 "(it can run while serving) and keep a copy off this machine"))
    else:
        days = (time.time() - latest) / 86400
        checks.append(Check("backup", "warning" if days > 7 else "ok",
                            f"latest backup in {config.backups_dir} is {days:.0f} day(s) old"
                            + ("; run `groupbox backup`" if days > 7 else "")))

    # Mail.
    if config.smtp_host:
        checks.append(Check("mail", "ok", f"SMTP {config.smtp_host}:{config.smtp_port}"))
    else:
        checks.append(Check("mail", "warning", f"no SMTP configured; mail is written to {config.outbox_dir} (set GROUPBOX_SMTP_HOST)"))
    return checks


def doctor(data: DataOpt = None, json_: JsonOpt = False) -> None:
    """Check config, database, disk, TLS and mail; exit 1 only for errors."""
    checks = collect(data)
    errors = [c for c in checks if c.level == "error"]
    if json_:
        emit_json({"ok": not errors, "checks": [c.__dict__ for c in checks]})
    else:
        marks = {"ok": "[green]ok[/]     ", "warning": "[yellow]warning[/]", "error": "[red]error[/]  "}
        for check in checks:
            out.print(f"{marks[check.level]} {check.name:<11} {check.message}", markup=True)
        out.print("[red]Fix the errors above.[/]" if errors else "[green]No errors.[/]")
    if errors:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
