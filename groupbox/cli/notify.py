"""`groupbox digest` (and `groupbox deliver`): send mail now instead of waiting for `serve`."""

from __future__ import annotations

from groupbox.cli.common import DataOpt, JsonOpt, emit_json, out, run
from groupbox.config import load_config


def digest(data: DataOpt = None, json_: JsonOpt = False) -> None:
    """Send the daily digest now: one mail per person with everything set to "daily digest"."""
    from groupbox.domain.notify import mail
    from groupbox.instance import opened

    config = load_config(data)

    async def go() -> dict:
        async with opened(config):
            return {"immediate": await mail.deliver_immediate(config), "digests": await mail.deliver_digest(config)}

    result = run(go())
    if json_:
        emit_json(result)
    else:
        out.print(f"Sent {result['digests']} digest mail(s) and {result['immediate']} pending notification mail(s).")


def register(app) -> None:
    app.command("digest")(digest)
