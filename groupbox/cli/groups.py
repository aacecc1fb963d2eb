"""`groupbox group create` and `groupbox invite`: act as the instance owner."""

from __future__ import annotations

from typing import Annotated

import typer

from groupbox.cli.common import DataOpt, JsonOpt, emit_json, fail, hint, out, run
from groupbox.config import load_config

group_app = typer.Typer(help="Manage groups.", no_args_is_help=True)


async def owner_actor():
    from groupbox.domain.identity import service as identity

    owner = await identity.owner_profile()
    if owner is None:
        fail("this instance has no owner yet; run `groupbox init`")
    return await identity.load_actor(owner["id"])


@group_app.command("create")
def group_create(
    name: Annotated[str, typer.Argument(help="The group's name.")],
    data: DataOpt = None,
    purpose: Annotated[str, typer.Option(help="What the group is for.")] = "",
    timezone: Annotated[str | None, typer.Option(help="Timezone (default from config).")] = None,
    template: Annotated[str | None, typer.Option(help="A group template (later releases).")] = None,
    json_: JsonOpt = False,
) -> None:
    """Create a group owned by the instance owner."""
    from groupbox.domain.groups import service as groups
    from groupbox.instance import opened

    config = load_config(data)
    if template:
        hint(f"templates are not available yet; creating a plain group (ignored --template {template})", json_)

    async def go() -> dict:
        async with opened(config):
            actor = await owner_actor()
            return await groups.group_create(actor, name, purpose, timezone, default_timezone=config.timezone)

    group = run(go())
    if json_:
        emit_json({"id": group["id"], "name": group["name"], "timezone": group["timezone"]})
    else:
        out.print(f"Created [bold]{group['name']}[/] ({group['id']}). Invite people: groupbox invite {group['id']}")


def invite(
    group: Annotated[str, typer.Argument(help="Group id or exact name.")],
    data: DataOpt = None,
    role: Annotated[str, typer.Option(help="Role people join with: member, guest, moderator, admin.")] = "member",
    uses: Annotated[int | None, typer.Option(help="How many people may use it (default: unlimited).")] = None,
    expires: Annotated[str, typer.Option(help="Valid for, e.g. 12h, 7d, 2w.")] = "7d",
    approval: Annotated[bool, typer.Option("--approval", help="An admin approves each person.")] = False,
    label: Annotated[str, typer.Option(help="A label for you, e.g. 'old chat'.")] = "",
    json_: JsonOpt = False,
) -> None:
    """Print an invite link and a QR code in the terminal."""
    from groupbox import qr
    from groupbox.domain.groups import invites
    from groupbox.domain.groups import service as groups
    from groupbox.instance import opened

    config = load_config(data)
    hours = invites.parse_duration_hours(expires)

    async def go():
        async with opened(config):
            actor = await owner_actor()
            row = await groups.resolve_group_ref(group)
            if not actor.membership(row["id"]):
                fail(f"the owner is not a member of {row['name']!r}; invite from the web as one of its admins")
            created, token = await invites.invite_create(actor, row["id"], max_uses=uses, expires_in_hours=hours,
                                                         role=role, needs_approval=approval, label=label)
            return row, created, token

    row, created, token = run(go())
    url = f"{config.base_url}/join/{token}"
    if json_:
        emit_json({"id": created["id"], "url": url, "expires_at": created["expires_at"].isoformat(),
                   "max_uses": created["max_uses"], "role": created["role"], "group_id": row["id"]})
        return
    out.print(f"Invite to [bold]{row['name']}[/] ({'unlimited uses' if not uses else f'{uses} uses'}, valid {expires}):")
    out.print(f"  [bold]{url}[/]")
    print(qr.terminal(url, color=out.is_terminal or True), flush=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group_app, name="group")
    app.command("invite")(invite)
