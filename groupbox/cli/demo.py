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
            signin, invite = await demo.links(config, meta)
            return {"signin_url": signin, "invite_url": invite}

    return run(go())


def demo(data: DataOpt = None, json_: JsonOpt = False) -> None:
    """Load the demo data: four groups, Anna and her neighbours, with dates relative to today."""
    result = load_demo(data, json_mode=json_)
    if json_:
        emit_json({"signin_url": result["signin_url"], "invite_url": result["invite_url"],
                   "created": result["created"]})
        return
    if not result["created"]:
        out.print("The demo data is already loaded; nothing changed. Fresh links:")
    out.print(f"Sign in as Anna (valid 24 h):  [bold]{result['signin_url']}[/]")
    out.print(f"Join as a new parent:          [bold]{result['invite_url']}[/]")


def register(app) -> None:
    app.command("demo")(demo)
