"""A CLI command's clear one-line failure, without the CLI's packages (typer, rich): `groupbox
serve` raises it before it becomes granian (groupbox/cli/serving.py)."""

from __future__ import annotations

from typing import NoReturn


class CLIError(Exception):
    """A clear one-line failure: printed to stderr, exit code `code`."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.message = message
        self.code = code


def fail(message: str, code: int = 1) -> NoReturn:
    raise CLIError(message, code)
