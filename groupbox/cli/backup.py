"""`groupbox backup` and `groupbox restore` (the rules are in `groupbox.backup` and `groupbox.restore`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from groupbox.cli.common import DataOpt, JsonOpt, emit_json, fail, hint, out, run
from groupbox.config import load_config, resolve_data_dir

# Not a setting (it must never be written into groupbox.toml): read here only.
PASSPHRASE_ENV = "GROUPBOX_BACKUP_PASSPHRASE"

PassphraseFileOpt = Annotated[Path | None, typer.Option(
    "--passphrase-file", help=f"Read the passphrase from this file ('-': stdin); else ${PASSPHRASE_ENV}, "
                              "else it is asked for on the terminal.", show_default=False)]


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def _passphrase(path: Path | None, *, new: bool) -> str:
    """From the file, else the environment, else the terminal (asked twice for a new one)."""
    if path is not None:
        try:
            text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"cannot read the passphrase from {path}: {getattr(exc, 'strerror', None) or exc}")
        return text.rstrip("\r\n")
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    if not sys.stdin.isatty():
        fail(f"a passphrase is needed: give --passphrase-file FILE or set {PASSPHRASE_ENV} (no terminal to ask on)")
    return typer.prompt("Passphrase for the backup", hide_input=True, confirmation_prompt=new, err=True)


def backup(
    path: Annotated[Path | None, typer.Argument(help="Where to write it: a file ending .tar.gz (.tar.gz.enc when "
                                                      "encrypted), or a folder; default DATA/backups/, named "
                                                      "after the time in UTC.", show_default=False)] = None,
    encrypt: Annotated[bool, typer.Option("--encrypt", help="Encrypt it with a passphrase (scrypt, AES-256-GCM): "
                                                            "for every copy that leaves this machine.")] = False,
    passphrase_file: PassphraseFileOpt = None,
    data: DataOpt = None,
    json_: JsonOpt = False,
) -> None:
    """A consistent, signed snapshot of the database, files and keys, taken while serving."""
    from groupbox.backup import ON_POSTGRES
    from groupbox.backup import backup as take

    config = load_config(data)
    if config.postgres:
        fail(ON_POSTGRES)
    passphrase = _passphrase(passphrase_file, new=True) if encrypt or passphrase_file else None
    result = take(config, path, passphrase=passphrase)
    if json_:
        emit_json({"path": str(result.path), "bytes": result.bytes, "files": result.files,
                   "database_bytes": result.database_bytes, "seconds": round(result.seconds, 2),
                   "fingerprint": result.fingerprint, "encrypted": result.encrypted, "skipped": result.skipped})
    else:
        out.print(f"[green]Backed up[/] {result.files} files ({_size(result.bytes)}) in {result.seconds:.1f} s:")
        out.print(f"  [bold]{result.path}[/]")
        out.print(f"Signed by this server's key [bold]{result.fingerprint}[/]. Note the fingerprint somewhere "
                  "else; restore checks it with --expect-fingerprint.")
    if not result.encrypted:
        hint("It is not encrypted and holds the keys (sign-ins, calendar links): keep it as safe as the server, "
             "or make copies that leave it with --encrypt.", json_)
    hint(f"Restore with: groupbox restore FILE --data NEW_FOLDER --expect-fingerprint {result.fingerprint}", json_)


def restore(
    path: Annotated[Path, typer.Argument(help="A backup made by `groupbox backup`.", show_default=False)],
    expect_fingerprint: Annotated[str | None, typer.Option(
        "--expect-fingerprint", help="Refuse the backup unless it is signed by the key with this fingerprint "
                                     "(as `groupbox backup` printed it).", show_default=False)] = None,
    passphrase_file: PassphraseFileOpt = None,
    data: DataOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Restore a backup into an empty data folder, after checking its signature and every file."""
    from groupbox.db import migrate as migrations
    from groupbox.instance import opened
    from groupbox.restore import ON_POSTGRES
    from groupbox.restore import restore as put_back

    if load_config(data).postgres:  # GROUPBOX_DATABASE_URL: the copy's SQLite file would not be the one served
        fail(ON_POSTGRES)
    result = put_back(path, resolve_data_dir(data), expect_fingerprint=expect_fingerprint,
                      passphrase=lambda: _passphrase(passphrase_file, new=False))

    async def forward() -> list[str]:
        async with opened(load_config(result.data_dir)) as db:
            return await migrations.migrate(db)

    result.migrated = run(forward())
    if json_:
        emit_json({"data_dir": str(result.data_dir), "files": result.files, "created_at": result.created_at,
                   "version": result.version, "fingerprint": result.fingerprint, "verified": result.verified,
                   "encrypted": result.encrypted, "migrated": result.migrated})
    else:
        taken = result.created_at[:16].replace("T", " ") + " UTC" if result.created_at else "an unknown time"
        out.print(f"[green]Restored[/] {result.files} files from the backup of {taken} into {result.data_dir}")
        if result.migrated:
            out.print(f"Applied {len(result.migrated)} migration(s) made since: {', '.join(result.migrated)}")
    if result.verified:
        hint(f"Origin verified: signed by key {result.fingerprint}.", json_)
    elif result.fingerprint:
        hint(f"Origin not verified: signed by key {result.fingerprint}; anyone can sign a backup. Compare it with "
             "the fingerprint `groupbox backup` printed, or pass --expect-fingerprint next time.", json_)
    else:
        hint("Origin not verified: this backup was made before groupbox signed its backups.", json_)
    hint(f"Serve it with: groupbox serve --data {result.data_dir}", json_)


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
