"""`/me/servers`: the other groupbox servers my home server reads, connected here with an address
and a token (SPEC §14). Syncing happens only when asked (a button that posts) or in the
background, never while a page renders; the token never comes back to the browser."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.response import Redirect, Template

from groupbox import timefmt
from groupbox.access import Actor
from groupbox.domain.remote import client, connections
from groupbox.errors import Invalid
from groupbox.i18n import _
from groupbox.web.support import SIGNED_IN, config_of, form_data, redirect, render

STATE_KIND = {"ok": "ok", "syncing": "info", "timeout": "changed", "unreachable": "changed", "error": "changed"}


def _view(row: dict) -> dict:
    row["state_label"] = client.STATES.get(row["state"], row["state"])
    row["state_kind"] = STATE_KIND.get(row["state"], "urgent")
    row["total"] = sum(row["counts"].values())
    row["token_until"] = timefmt.date_text(row["token_expires_at"], "day_year")  # a year or more away: with it
    return row


async def servers_card(request: Request, actor: Actor) -> dict:
    """The /me card: how many servers, and whether one needs attention."""
    rows = await connections.servers(actor)
    return {"servers": {"count": len(rows), "troubled": sum(r["state"] not in ("ok", "syncing") for r in rows)}}


@get("/me/servers", guards=SIGNED_IN, include_in_schema=False)
async def servers_page(request: Request, actor: Actor) -> Template:
    rows = [_view(row) for row in await connections.servers(actor)]
    return await render(request, "me/servers.html", nav="me", servers=rows, page_title=_("Connected servers"))


@get("/me/servers/connect", guards=SIGNED_IN, include_in_schema=False)
async def servers_connect_page(request: Request, actor: Actor) -> Template:
    await connections.servers(actor)  # whole-profile devices only
    return await render(request, "me/servers_connect.html", nav="me", url="", errors={},
                        page_title=_("Connect a server"))


@post("/me/servers/connect", guards=SIGNED_IN, include_in_schema=False)
async def servers_connect(request: Request, actor: Actor) -> Template | Redirect:
    form = await form_data(request)
    try:
        result = await connections.connect(actor, form.get("url", ""), form.get("token", ""), config_of(request))
    except Invalid as exc:  # the token is not sent back: the field is a password field
        return await render(request, "me/servers_connect.html", status_code=422, nav="me",
                            url=form.get("url", "")[:500], errors=exc.errors, page_title=_("Connect a server"))
    if result.state != "ok":
        return redirect(request, "/me/servers", _("Connected to {server}, but the sync stopped: {detail}",
                                                  server=result.server_name, detail=result.detail), kind="error")
    return redirect(request, "/me/servers", _n_items(result))


def _n_items(result: connections.SyncResult) -> str:
    from groupbox.i18n import _n

    total = sum(result.counts.values())
    return _n("Connected to {server}: {n} item is here now.", "Connected to {server}: {n} items are here now.", total,
              server=result.server_name)


@post("/me/servers/{connection_id:str}/sync", guards=SIGNED_IN, include_in_schema=False)
async def servers_sync(request: Request, actor: Actor, connection_id: str) -> Redirect:
    result = await connections.sync_mine(actor, connection_id, config_of(request))
    if result.state != "ok":
        return redirect(request, "/me/servers", result.detail, kind="error")
    return redirect(request, "/me/servers", _("{server} is up to date.", server=result.server_name))


@post("/me/servers/{connection_id:str}/disconnect", guards=SIGNED_IN, include_in_schema=False)
async def servers_disconnect(request: Request, actor: Actor, connection_id: str) -> Redirect:
    row = await connections.server(actor, connection_id)
    await connections.disconnect(actor, connection_id)
    return redirect(request, "/me/servers", _("Disconnected {server}; its items are gone from here.",
                                              server=row["server_name"]))


HANDLERS = [servers_page, servers_connect_page, servers_connect, servers_sync, servers_disconnect]
