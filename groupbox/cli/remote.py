"""`groupbox connect URL TOKEN`, `groupbox sync`, `groupbox servers`: this server as a home server
reading other groupbox servers (SPEC §14, docs/protocol.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from groupbox.cli.common import DataOpt, JsonOpt, emit_json, err, fail, out, print_columns, run
from groupbox.config import load_config


async def _actor(member: str | None):
    """The instance owner's home profile, or the person behind a member id."""
    from groupbox.domain.groups import store as groups_store
    from groupbox.domain.identity import service as identity

    if member:
        row = await groups_store.active_member(member)
        if row is None or not row["profile_id"]:
            fail(f"no active member with id {member!r}")
        return await identity.load_actor(row["profile_id"])
    owner = await identity.owner_profile()
    if owner is None:
        fail("this instance has no owner yet; run `groupbox init` first")
    return await identity.load_actor(owner["id"])


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in counts.items() if n) or "nothing yet"


def connect(
    url: Annotated[str, typer.Argument(help="The other server's address, e.g. https://groups.example.org.")],
    token: Annotated[str, typer.Argument(help="A connection token made on that server (`groupbox token create` "
                                              "there, or Me → Home servers).")],
    member: Annotated[str | None, typer.Option(help="A member id on this server: connect for that person "
                                                    "(default: the instance owner).")] = None,
    data: DataOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Connect another groupbox server and sync it: its events and to-dos show up here."""
    from groupbox.domain.remote import connections
    from groupbox.instance import opened

    config = load_config(data)

    async def go():
        async with opened(config):
            return await connections.connect(await _actor(member), url, token, config, local_ok=True)

    result = run(go())
    if json_:
        emit_json({"connection_id": result.connection_id, "server_name": result.server_name, "state": result.state,
                   "detail": result.detail, "synced": result.counts})
        if result.state != "ok":
            raise typer.Exit(1)
        return
    out.print(f"Connected [bold]{result.server_name}[/] ({result.connection_id}): {_counts(result.counts)}.",
              highlight=False)
    if result.state != "ok":
        fail(f"the first sync stopped ({result.state}): {result.detail}")


def sync(
    data: DataOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Sync every connected server now (what `serve` does every sync_interval_minutes)."""
    from groupbox.domain.remote import connections
    from groupbox.instance import opened

    config = load_config(data)

    async def go():
        results = []
        async with opened(config):
            rows = await connections.sync_profiles(config)
            if not rows and not json_:
                out.print("No servers connected; add one with `groupbox connect URL TOKEN`.")
            for row in rows:
                label = row["server_name"] or row["url"]
                if json_:
                    result = await connections.sync(config, row["id"])
                else:
                    with out.status(f"Syncing {label}…"):
                        result = await connections.sync(config, row["id"])
                    mark = "[green]ok[/]" if result.state == "ok" else f"[red]{result.state}[/]"
                    out.print(f"{mark}  {result.server_name or label}: {result.received} changed; "
                              f"{_counts(result.counts)}" + (f" — {result.detail}" if result.detail else ""),
                              highlight=False)
                results.append(result)
        return results

    results = run(go())
    failed = [r for r in results if r.state != "ok"]
    if json_:
        emit_json({"items": [{"connection_id": r.connection_id, "server_name": r.server_name, "state": r.state,
                              "detail": r.detail, "received": r.received, "synced": r.counts} for r in results]})
    if failed:
        if not json_:
            err.print(f"error: {len(failed)} of {len(results)} server(s) did not sync", markup=False)
        raise typer.Exit(1)


def servers(
    data: DataOpt = None,
    json_: JsonOpt = False,
) -> None:
    """List the servers this one reads, for every person on it."""
    from groupbox.domain.remote import connections
    from groupbox.instance import opened

    config = load_config(data)

    async def go():
        async with opened(config):
            return await connections.servers_of_everyone()

    rows = run(go())
    if json_:
        emit_json({"items": [{**row, "last_ok_at": row["last_ok_at"] and row["last_ok_at"].isoformat(),
                              "last_sync_at": row["last_sync_at"] and row["last_sync_at"].isoformat()}
                             for row in rows]})
        return
    if not rows:
        out.print("No servers connected; add one with `groupbox connect URL TOKEN`.")
        return
    print_columns(("ID", "SERVER", "URL", "FOR", "STATE", "LAST OK", "CACHED"),
                  [(r["id"], r["server_name"], r["url"] + (" (insecure)" if r["insecure"] else ""), r["person"],
                    r["state"], f"{r['last_ok_at']:%Y-%m-%d %H:%M}" if r["last_ok_at"] else "never",
                    str(sum(r["counts"].values()))) for r in rows])


def register(app: typer.Typer) -> None:
    app.command("connect")(connect)
    app.command("sync")(sync)
    app.command("servers")(servers)
