"""The `groupbox` command's entry point.

`groupbox serve` with plain options starts without the CLI's packages (typer, rich, click: ~70 ms
of every start, issue 17): groupbox/cli/serving.py checks the data folder and becomes granian.
Everything else is the typer app of groupbox/cli/commands.py.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    """Entry point: every failure is one line on stderr and a non-zero exit."""
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["serve"]:
        from groupbox.cli.failure import said
        from groupbox.cli.serving import quick

        try:
            if quick(args[1:]):
                return  # pragma: no cover - quick() execs granian
        except KeyboardInterrupt:
            sys.exit(130)
        except Exception as exc:  # said as commands.run says it: one line, never a traceback
            message, code = said(exc)
            print(f"error: {message}", file=sys.stderr)
            sys.exit(code)
    from groupbox.cli.commands import run

    run(argv)


if __name__ == "__main__":  # pragma: no cover
    main()
