"""Shared CLI pieces: the --data/--json options, one-line errors, JSON output."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from groupbox.config import DATA_ENV

DataOpt = Annotated[
    Path | None,
    typer.Option("--data", envvar=DATA_ENV, help="Data folder (default ./data).", show_default=False),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout, nothing else.")]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class CLIError(Exception):
    """A clear one-line failure: printed to stderr, exit code `code`."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.message = message
        self.code = code


def fail(message: str, code: int = 1) -> NoReturn:
    raise CLIError(message, code)


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


def emit_json(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def hint(message: str, json_mode: bool) -> None:
    """Progress and hints: stdout for people, stderr when stdout carries JSON."""
    (err if json_mode else out).print(message)
