"""`groupbox init` and `groupbox migrate`."""

from __future__ import annotations

from typing import Annotated

import typer

from groupbox.cli.common import DataOpt, JsonOpt, emit_json, hint, out, run
from groupbox.config import load_config


def init(
    data: DataOpt = None,
    url: Annotated[str | None, typer.Option(help="Public URL, e.g. https://groups.example.org")] = None,
    name: Annotated[str | None, typer.Option(help="Server name shown to people.")] = None,
    admin: Annotated[str, typer.Option(help="The owner's display name.")] = "Owner",
    email: Annotated[str | None, typer.Option(help="The owner's email (for recovery later).")] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Also load the demo data.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Create the data folder, config, secrets, database and the owner; print a sign-in link."""
    from groupbox.instance import init_instance

    result = run(init_instance(data, url=url, name=name, admin=admin, email=email))
    payload = {
        "data_dir": str(result.data_dir),
        "url": result.url,
        "owner_id": result.owner_id,
        "signin_url": result.signin_url,
        "created": result.created,
    }
    if demo:
        from groupbox.cli.demo import load_demo

        payload["demo"] = load_demo(result.data_dir, json_mode=json_)
    if json_:
        emit_json(payload)
        return
    if result.created and demo:
        # The demo's doors, a parent's first: the owner is in none of the demo's groups.
        from groupbox.cli.demo import print_doors

        out.print(f"[green]Initialised[/] {result.data_dir} with the demo data.")
        print_doors(payload["demo"])
    elif result.created:
        out.print(f"[green]Initialised[/] {result.data_dir}")
        out.print("Sign in as the owner (one-time link, valid 15 minutes):")
        out.print(f"  [bold]{result.signin_url}[/]", soft_wrap=True)
    else:
        out.print(f"{result.data_dir} is already initialised; nothing changed.")
        hint("A fresh owner sign-in link: groupbox signin-link", json_)


def migrate(data: DataOpt = None, json_: JsonOpt = False) -> None:
    """Apply pending database migrations (safe to run any time)."""
    from groupbox.db import migrate as migrations
    from groupbox.instance import opened

    config = load_config(data)

    async def go() -> list[str]:
        async with opened(config) as db:
            return await migrations.migrate(db)

    applied = run(go())
    if json_:
        emit_json({"applied": applied})
    elif applied:
        out.print(f"Applied {len(applied)} migration(s): {', '.join(applied)}")
    else:
        out.print("Database is up to date.")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("migrate")(migrate)
