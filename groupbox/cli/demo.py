"""`groupbox demo`: load the demo data (SPEC §17) and print the links into it."""

from __future__ import annotations

from pathlib import Path

from groupbox.cli.common import DataOpt, JsonOpt, emit_json, hint, out, run
from groupbox.config import load_config


def load_demo(data_dir: Path | None, json_mode: bool = False) -> dict:
    from groupbox.domain.demo import service as demo
    from groupbox.instance import opened

    config = load_config(data_dir)

    async def go():
        async with opened(config):
            return await demo.load(config)

    if not json_mode:
        hint("Loading the demo groups (a few seconds)…", json_mode)
    return demo.summary(run(go()))


def demo_links(data) -> dict | None:
    """Fresh links into the demo (None when this instance has no demo data)."""
    from groupbox.domain.demo import service as demo
    from groupbox.instance import opened

    config = load_config(data)

    async def go():
        async with opened(config):
            meta = await demo._meta()
            if not meta:
                return None
            return await demo.doors(config, meta)

    return run(go())


def print_doors(links: dict) -> None:
    """The demo's doors, labelled, the parent's first: what a newcomer should open."""
    out.print(f"1. Anna Müller, a parent in all four groups (start here):\n   [bold]{links['signin_url']}[/]")
    if links.get("mark_signin_url"):
        out.print(f"2. Coach Mark, admin of FC Kreuzberg U12 (migration page, chat archive):\n"
                  f"   [bold]{links['mark_signin_url']}[/]")
    out.print(f"3. A new parent joining FC Kreuzberg U12 (the old chat's invite link):\n   [bold]{links['invite_url']}[/]")
    if links.get("owner_signin_url"):
        out.print(f"4. The server's owner, in none of the demo groups (valid 15 minutes):\n"
                  f"   [bold]{links['owner_signin_url']}[/]")


def demo(data: DataOpt = None, json_: JsonOpt = False) -> None:
    """Load the demo data: four groups, Anna and her neighbours, with dates relative to today."""
    result = load_demo(data, json_mode=json_)
    if json_:
        emit_json(result)
        return
    if not result["created"]:
        out.print("The demo data is already loaded; nothing changed. Fresh links:")
    print_doors(result)


def register(app) -> None:
    app.command("demo")(demo)
