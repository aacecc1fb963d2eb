"""A CLI command's clear one-line failure, without the CLI's packages (typer, rich): `groupbox
serve` raises it before it becomes granian (groupbox/cli/serving.py), and both entry points say
every failure with `said`."""

from __future__ import annotations

import sys
from typing import NoReturn


class CLIError(Exception):
    """A clear one-line failure: printed to stderr, exit code `code`."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.message = message
        self.code = code


def fail(message: str, code: int = 1) -> NoReturn:
    raise CLIError(message, code)


def said(exc: Exception) -> tuple[str, int]:
    """The one line (after "error: ") and the exit code for a command's failure: never a traceback."""
    from groupbox.config import ConfigError
    from groupbox.errors import DomainError

    if isinstance(exc, CLIError):
        return exc.message, exc.code
    if isinstance(exc, DomainError):
        return exc.message, 1
    # groupbox.instance pulls in the database engine: not imported just to name its error; an
    # InstanceError can only come from a command that imported it.
    instance = sys.modules.get("groupbox.instance")
    if isinstance(exc, ConfigError) or (instance is not None and isinstance(exc, instance.InstanceError)):
        return str(exc), 1
    return f"{type(exc).__name__}: {exc}", 1
