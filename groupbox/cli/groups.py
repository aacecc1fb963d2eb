"""`groupbox group create`, `groupbox invite`, `groupbox groups` and `groupbox members`: the
instance owner, acting from the server's shell."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer

from groupbox.cli.common import (
    DataOpt,
    GroupArg,
    JsonOpt,
    emit_json,
    fail,
    hint,
    out,
    print_columns,
    run,
)
from groupbox.config import load_config

group_app = typer.Typer(help="Manage groups.", no_args_is_help=True)


async def shell_actor():
    """The instance owner as the server's shell. Whoever runs the CLI has a shell on the server and
    could read the database anyway, so it may list every group and invite into any of them, member
    or not (`access.SHELL_ACTIONS`; the services decide). Web requests never act like this: the
    owner's pages show only the groups they are in."""
    from groupbox.domain.identity import service as identity

    owner = await identity.owner_profile()
    if owner is None:
        fail("this instance has no owner yet; run `groupbox init`")
    return dataclasses.replace(await identity.load_actor(owner["id"]), shell=True)


async def shell_and_group(ref: str):
    """(the shell's actor, the group row) for a GROUP argument: an id or an exact name."""
    from groupbox.domain.groups import service as groups

    return await shell_actor(), await groups.resolve_group_ref(ref)


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
    from groupbox.domain.groups.schemas import GroupCreate
    from groupbox.instance import opened

    config = load_config(data)
    if template:
        hint(f"templates are not available yet; creating a plain group (ignored --template {template})", json_)

    async def go() -> dict:
        async with opened(config):
            actor = await shell_actor()
            return await groups.group_create(actor, GroupCreate(name=name, purpose=purpose, timezone=timezone),
                                             default_timezone=config.timezone)

    group = run(go())
    if json_:
        emit_json({"id": group["id"], "name": group["name"], "timezone": group["timezone"]})
    else:
        out.print(f"Created [bold]{group['name']}[/] ({group['id']}). Invite people: groupbox invite {group['id']}")


def invite(
    group: GroupArg,
    data: DataOpt = None,
    role: Annotated[str, typer.Option(help="Role people join with: member, guest, moderator, admin.")] = "member",
    uses: Annotated[int | None, typer.Option(help="How many people may use it (default: unlimited).")] = None,
    expires: Annotated[str, typer.Option(help="Valid for, e.g. 12h, 7d, 2w.")] = "7d",
    approval: Annotated[bool, typer.Option("--approval", help="An admin approves each person.")] = False,
    label: Annotated[str, typer.Option(help="A label for you, e.g. 'old chat'.")] = "",
    json_: JsonOpt = False,
) -> None:
    """Print an invite link and a QR code in the terminal (any group on this server)."""
    from groupbox import qr
    from groupbox.domain.groups import invites
    from groupbox.domain.groups.schemas import InviteOptions
    from groupbox.instance import opened

    config = load_config(data)
    hours = invites.parse_duration_hours(expires)

    async def go():
        async with opened(config):
            actor, row = await shell_and_group(group)
            options = InviteOptions(max_uses=uses, expires_in_hours=hours, role=role, needs_approval=approval,
                                    label=label)
            created, token = await invites.invite_create(actor, row["id"], options)
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


def groups_list(data: DataOpt = None, json_: JsonOpt = False) -> None:
    """List every group on this server: id, name, members, timezone."""
    from groupbox.domain.groups import service as groups
    from groupbox.instance import opened

    config = load_config(data)

    async def go() -> list[dict]:
        async with opened(config):
            return await groups.groups_visible(await shell_actor())

    items = [{"id": g["id"], "name": g["name"], "members": g["member_count"], "timezone": g["timezone"]}
             for g in run(go())]
    if json_:
        emit_json({"items": items})
    elif not items:
        out.print('No groups yet. Create one: groupbox group create "NAME"')
    else:
        print_columns(("ID", "NAME", "MEMBERS", "TIMEZONE"),
                      [(g["id"], g["name"], str(g["members"]), g["timezone"]) for g in items])


def _trust(member: dict) -> str:
    """SPEC §6.1, as far as the member list knows it."""
    if not member["has_access"]:
        return "access reset"
    return "email verified" if member["verified"] else "invite member"


def members_list(group: GroupArg, data: DataOpt = None, json_: JsonOpt = False) -> None:
    """List a group's members (ids for `signin-link --member` and `token create --member`)."""
    from groupbox.domain.groups import service as groups
    from groupbox.instance import opened

    config = load_config(data)

    async def go() -> list[dict]:
        async with opened(config):
            actor, row = await shell_and_group(group)
            return await groups.members_list(actor, row["id"])

    items = [{"id": m["id"], "display_name": m["display_name"], "role": m["role"], "status": m["status"],
              "trust": _trust(m), "joined_at": m["joined_at"].isoformat()} for m in run(go())]
    if json_:
        emit_json({"items": items})
        return
    print_columns(("ID", "NAME", "ROLE", "TRUST", "JOINED"),
                  [(m["id"], m["display_name"], m["role"] + (" (waiting)" if m["status"] == "pending" else ""),
                    m["trust"], m["joined_at"][:10]) for m in items])


def register(app: typer.Typer) -> None:
    app.add_typer(group_app, name="group")
    app.command("invite")(invite)
    app.command("groups")(groups_list)
    app.command("members")(members_list)
