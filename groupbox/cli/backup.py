"""`groupbox backup` and `groupbox restore` (the rules are in `groupbox.backup`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from groupbox.cli.common import DataOpt, JsonOpt, emit_json, hint, out, run
from groupbox.config import load_config, resolve_data_dir


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def backup(
    path: Annotated[Path | None, typer.Argument(help="Where to write it: a file ending .tar.gz, or a "
                                                      "folder; default DATA/backups/.", show_default=False)] = None,
    data: DataOpt = None,
    json_: JsonOpt = False,
) -> None:
    """A consistent snapshot of the database, files and keys, taken while serving."""
    from groupbox.backup import backup as take

    result = take(load_config(data), path)
    if json_:
        emit_json({"path": str(result.path), "bytes": result.bytes, "files": result.files,
                   "database_bytes": result.database_bytes, "seconds": round(result.seconds, 2),
                   "skipped": result.skipped})
        return
    out.print(f"[green]Backed up[/] {result.files} files ({_size(result.bytes)}) in {result.seconds:.1f} s:")
    out.print(f"  [bold]{result.path}[/]")
    hint("It holds the keys: keep it as safe as the server. Restore with: groupbox restore FILE --data NEW_FOLDER",
         json_)


def restore(
    path: Annotated[Path, typer.Argument(help="A backup made by `groupbox backup`.", show_default=False)],
    data: DataOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Restore a backup into an empty data folder, after checking every file."""
    from groupbox.backup import restore as put_back
    from groupbox.db import migrate as migrations
    from groupbox.instance import opened

    result = put_back(path, resolve_data_dir(data))

    async def forward() -> list[str]:
        async with opened(load_config(result.data_dir)) as db:
            return await migrations.migrate(db)

    result.migrated = run(forward())
    if json_:
        emit_json({"data_dir": str(result.data_dir), "files": result.files, "created_at": result.created_at,
                   "version": result.version, "migrated": result.migrated})
        return
    taken = result.created_at[:16].replace("T", " ") + " UTC" if result.created_at else "an unknown time"
    out.print(f"[green]Restored[/] {result.files} files from the backup of {taken} into {result.data_dir}")
    if result.migrated:
        out.print(f"Applied {len(result.migrated)} migration(s) made since: {', '.join(result.migrated)}")
    hint(f"Serve it with: groupbox serve --data {result.data_dir}", json_)


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
