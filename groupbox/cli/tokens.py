"""`groupbox token create --member M`: a connection token for a member's home server."""

from __future__ import annotations

from typing import Annotated

import typer

from groupbox.cli.common import DataOpt, JsonOpt, emit_json, fail, out, run
from groupbox.config import load_config

token_app = typer.Typer(help="Connection tokens for home servers.", no_args_is_help=True)


@token_app.command("create")
def token_create(
    member: Annotated[str, typer.Option(help="The member id (a person in one group) the token acts as.")],
    data: DataOpt = None,
    scope: Annotated[list[str] | None, typer.Option("--scope", help="A scope; repeat for several (default: read:*).")] = None,
    expires: Annotated[str, typer.Option(help="Valid for, e.g. 90d, 12w.")] = "90d",
    label: Annotated[str, typer.Option(help="A name for it, e.g. 'Anna's home server'.")] = "",
    json_: JsonOpt = False,
) -> None:
    """Print a scoped connection token (shown once) for a member's home server."""
    from groupbox.domain.groups import store as groups_store
    from groupbox.domain.groups.invites import parse_duration_hours
    from groupbox.domain.identity import service as identity
    from groupbox.domain.remote import tokens
    from groupbox.instance import opened

    config = load_config(data)
    days = max(1, parse_duration_hours(expires) // 24)

    async def go():
        async with opened(config):
            row = await groups_store.active_member(member)
            if row is None or not row["profile_id"]:
                fail(f"no active member with id {member!r}")
            actor = await identity.load_actor(row["profile_id"])
            return await tokens.token_create(actor, scope, days, group_ids=[row["group_id"]], label=label)

    created, token = run(go())
    if json_:
        emit_json({"token": token, "scopes": created["scopes"].split(), "expires_at": created["expires_at"].isoformat()})
    else:
        out.print(f"Connection token (shown once; scopes {created['scopes']}; expires {created['expires_at']:%Y-%m-%d}):")
        out.print(f"  [bold]{token}[/]")


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")
