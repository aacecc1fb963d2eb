"""`groupbox signin-link`: a fresh one-time sign-in link for the owner or a member."""

from __future__ import annotations

from typing import Annotated

import typer

from groupbox.cli.common import DataOpt, JsonOpt, emit_json, fail, out, run
from groupbox.config import load_config


def signin_link(
    data: DataOpt = None,
    member: Annotated[str | None, typer.Option(
        help="A member id (see `groupbox members GROUP`): the link signs in to that member's whole profile, "
             "all their groups and settings, because whoever has a shell on the server is trusted. "
             "(A group admin's \"resend access\" on the web signs in to that one group only.)",
        show_default=False)] = None,  # no env var: a stray one would pick whose account the link opens
    json_: JsonOpt = False,
) -> None:
    """Print a fresh one-time sign-in link (valid 15 minutes) for the owner, or for a member."""
    from groupbox.domain.groups import service as groups
    from groupbox.domain.identity import service as identity
    from groupbox.instance import opened

    config = load_config(data)

    async def go() -> str:
        async with opened(config):
            if member:
                row = await groups.member_row(member)
                if row is None or row["status"] not in ("active", "pending"):
                    fail(f"no member with id {member!r}")
                return await identity.issue_signin_link(member_id=member)
            owner = await identity.owner_profile()
            if owner is None:
                fail("this instance has no owner yet; run `groupbox init`")
            return await identity.issue_signin_link(profile_id=owner["id"])

    url = f"{config.base_url}/signin/{run(go())}"
    if json_:
        emit_json({"signin_url": url})
    else:
        out.print("One-time sign-in link (valid 15 minutes):")
        out.print(f"  [bold]{url}[/]")


def register(app: typer.Typer) -> None:
    app.command("signin-link")(signin_link)
    app.command("welcome", hidden=True)(welcome)


def welcome(data: DataOpt = None) -> None:
    """Print the links to start with (used by `make run`): the demo's, labelled, Anna's first;
    without demo data, the owner's."""
    from groupbox.cli.demo import demo_links, print_doors

    links = demo_links(data)
    if links:
        out.rule("[bold]groupbox demo[/] · open a link in your browser")
        print_doors(links)
        out.rule()
        return
    signin_link(data=data, member=None, json_=False)
