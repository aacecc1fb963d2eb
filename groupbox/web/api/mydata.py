"""A person's own data through the API: the export zip and deleting oneself (rules in
groupbox.domain.identity.mydata). Only ever the caller's own: no route names another person."""

from __future__ import annotations

from litestar import Request, Response, delete, get
from litestar.response import File

from groupbox.access import Actor
from groupbox.domain.identity import mydata
from groupbox.web.openapi import errors
from groupbox.web.pages.mydata import export_response
from groupbox.web.support import SIGNED_IN, clear_session_cookie, config_of


@get("/api/me/export", guards=SIGNED_IN, tags=["identity"], media_type="application/zip")
async def me_export(request: Request, actor: Actor) -> File:
    """Everything about me as a zip of JSON files plus the files I uploaded."""
    return export_response(request, await mydata.export_zip(actor, config_of(request)))


@delete("/api/me/groups/{group_id:str}", guards=SIGNED_IN, tags=["identity"], responses=errors(409))
async def me_erase_from_group(request: Request, actor: Actor, group_id: str) -> None:
    """Delete me from one group: leave it and erase what I wrote (409 for its owner)."""
    await mydata.erase_membership(actor, group_id, config_of(request))


@delete("/api/me", guards=SIGNED_IN, tags=["identity"], status_code=204, responses=errors(409))
async def me_erase(request: Request, actor: Actor) -> Response[None]:
    """Delete me entirely from this server (403 for the server's owner, 409 while I own a group)."""
    await mydata.erase_profile(actor, config_of(request))
    return Response(None, status_code=204, cookies=[clear_session_cookie(config_of(request))])


HANDLERS = [me_export, me_erase_from_group, me_erase]
