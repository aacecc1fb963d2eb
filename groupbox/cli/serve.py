"""`groupbox serve`: granian in front of the app, optionally Caddy in front of granian. The work
is in groupbox/cli/serving.py, which `groupbox serve` with plain options reaches without typer."""

from __future__ import annotations

from typing import Annotated

import typer

from groupbox.cli.common import DataOpt
from groupbox.cli.serving import start


def serve(
    data: DataOpt = None,
    host: Annotated[str | None, typer.Option(help="Bind address (default from config: 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from config: 8000).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes.")] = None,
    lan: Annotated[bool, typer.Option("--lan", help="Bind all interfaces and print the LAN address with a QR code.")] = False,
    https: Annotated[bool, typer.Option("--https", help="Run Caddy in front for HTTPS.")] = False,
) -> None:
    """Run the web app under granian (Ctrl-C or SIGTERM stops it gracefully)."""
    start(data, host, port, workers, lan, https)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
