"""`groupbox import-whatsapp GROUP FILE`: a WhatsApp chat export into the group's archive."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from groupbox.cli.common import DataOpt, GroupArg, JsonOpt, emit_json, err, fail, out, run
from groupbox.config import load_config


def import_whatsapp(
    group: GroupArg,
    file: Annotated[Path, typer.Argument(help="The export: the .txt file or the .zip with media.",
                                         show_default=False)],
    data: DataOpt = None,
    date_order: Annotated[str | None, typer.Option(
        "--date-order", help="dmy (31/12/24), mdy (12/31/24) or ymd (24/12/31) when the file cannot tell.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Import a WhatsApp chat export (.txt or .zip) into the group's read-only archive.

    All or nothing: a file that is not an export, or an unsafe zip, is refused whole; importing the same export again changes nothing."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from groupbox.cli.groups import shell_and_group
    from groupbox.domain.migration import archive_import
    from groupbox.instance import opened

    config = load_config(data)
    if not file.is_file():
        fail(f"{file} is not a file")
    progress = Progress(TextColumn("[bold]Importing[/]"), BarColumn(), MofNCompleteColumn(), TextColumn("lines"),
                        TimeRemainingColumn(), console=err, transient=True, disable=not err.is_terminal)
    task = progress.add_task("import", total=None)

    def advance(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    async def go():
        async with opened(config):
            actor, row = await shell_and_group(group)
            if not actor.membership(row["id"]):
                fail(f"the owner is not a member of {row['name']!r}; import from the web as one of its admins")
            with progress:
                result = await archive_import.import_export(
                    actor, row["id"], file, files_dir=config.files_dir, max_bytes=config.import_max_bytes,
                    date_order=date_order, source_name=file.name, progress=advance,
                )
            return row, result

    row, result = run(go())
    if json_:
        emit_json({**result.counts(), "media_files": result.media_files, "import_id": result.import_id,
                   "group_id": row["id"], "already_imported": result.already_imported})
        return
    if result.already_imported:
        out.print(f"Already imported into [bold]{row['name']}[/]'s archive: nothing changed.")
        return
    out.print(f"Imported into [bold]{row['name']}[/]'s archive: {result.messages:,} messages, "
              f"{result.system_messages:,} system messages, {result.media:,} with media "
              f"({result.media_files:,} files stored), {result.participants:,} participants.")
    out.print(f"Read it at {config.base_url}/groups/{row['id']}/archive")


def register(app: typer.Typer) -> None:
    app.command("import-whatsapp")(import_whatsapp)
