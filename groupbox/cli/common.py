"""Shared CLI pieces: the --data/--json options, one-line errors, JSON output."""

from __future__ import annotations

import json
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from groupbox.cli.failure import CLIError, fail  # noqa: F401 - the commands' one-line errors
from groupbox.config import DATA_ENV


def _data_before_command(ctx: typer.Context, value: Path | None) -> Path | None:
    """`--data` after the command wins; else one before it (`groupbox --data DIR doctor`, taken by
    the root app's callback); else GROUPBOX_DATA (both read it), else ./data later."""
    source = ctx.get_parameter_source("data")
    if source is not None and source.name == "COMMANDLINE":  # typer carries its own copy of click's enum
        return value
    before = ctx.find_root().params.get("data")
    return before if before is not None else value


_DATA = {"envvar": DATA_ENV, "help": "Data folder (default ./data).", "show_default": False}
DataOpt = Annotated[Path | None, typer.Option("--data", callback=_data_before_command, **_DATA)]
RootDataOpt = Annotated[Path | None, typer.Option("--data", **_DATA)]  # `groupbox --data DIR COMMAND`
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout, nothing else.")]
GroupArg = Annotated[str, typer.Argument(help="Group id or exact name.")]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    import asyncio  # not at import: `groupbox serve` never needs it

    return asyncio.run(coro)


def emit_json(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def hint(message: str, json_mode: bool) -> None:
    """Progress and hints: stdout for people, stderr when stdout carries JSON."""
    (err if json_mode else out).print(message)


def print_columns(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """A plain table for people: left-aligned columns, nothing cut (ids are copied from it)."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    for row in (header, *rows):
        out.print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(),
                  markup=False)
