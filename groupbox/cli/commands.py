"""The `groupbox` command's typer app. One module per command group; each is thin: parse, call,
print. `groupbox.cli.main` is the entry point (it leaves plain `groupbox serve` to
groupbox/cli/serving.py before any of this is imported)."""

from __future__ import annotations

import logging
import sys

import typer

from groupbox.cli import common

app = typer.Typer(
    name="groupbox",
    help="groupbox: structured coordination for groups, on a server you own.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(data: common.RootDataOpt = None) -> None:
    # `groupbox --data DIR doctor` as well as `groupbox doctor --data DIR`: each command's own
    # `--data` takes this value from the root context when it is not given itself (common.DataOpt).
    return


def _register() -> None:
    from groupbox.cli import (
        backup,
        demo,
        doctor,
        groups,
        importer,
        init,
        notify,
        remote,
        serve,
        signin,
        tokens,
    )

    for module in (init, serve, doctor, signin, groups, notify, importer, demo, tokens, remote, backup):
        module.register(app)


def run(argv: list[str] | None = None) -> None:
    """Every failure is one line on stderr and a non-zero exit."""
    from groupbox.cli.failure import said

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _register()
    try:
        code = app(args=argv, standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        common.err.print("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # ours, click usage errors and anything unforeseen: never a traceback
        # Usage errors (typer's click): they know how to say themselves.
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            message, code = exc.format_message(), exc.exit_code
        else:
            message, code = said(exc)
        common.err.print(f"error: {message}", markup=False)
        sys.exit(code)
