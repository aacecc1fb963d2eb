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
        from groupbox.cli.failure import CLIError
        from groupbox.cli.serving import quick
        from groupbox.config import ConfigError

        try:
            if quick(args[1:]):
                return  # pragma: no cover - quick() execs granian
        except CLIError as exc:
            _fail(exc.message, exc.code)
        except KeyboardInterrupt:
            sys.exit(130)
        except Exception as exc:  # never a traceback, as in commands.run
            instance = sys.modules.get("groupbox.instance")
            known = (ConfigError, instance.InstanceError) if instance is not None else (ConfigError,)
            _fail(str(exc) if isinstance(exc, known) else f"{type(exc).__name__}: {exc}", 1)
    from groupbox.cli.commands import run

    run(argv)


def _fail(message: str, code: int) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
