"""The home page's forms for remote items (no JavaScript needed): RSVP, vote, acknowledge on a
connected server, forwarded like `/api/remote/...`; back to where the form was, with a line
saying what happened (or why the group server said no)."""

from __future__ import annotations

from litestar import Request, post
from litestar.response import Redirect

from groupbox.access import Actor
from groupbox.domain.remote import act
from groupbox.errors import DomainError
from groupbox.i18n import _
from groupbox.web.support import SIGNED_IN, config_of, local_path, redirect


async def _act(request: Request, actor: Actor, connection_id: str, path: str, object_id: str, verb: str) -> Redirect:
    form = await request.form()
    back = local_path(form.get("next") if isinstance(form.get("next"), str) else None, "/#needs")
    body: dict = {}
    if verb == "rsvp":
        body = {"status": form.get("status")}
    elif verb == "vote":
        body = {"option_ids": [v for v in form.getall("option_ids", []) if isinstance(v, str)]}
    try:
        result = await act.act(actor, config_of(request), connection_id, path, object_id, verb, body)
    except DomainError as exc:
        if exc.status_code == 404 and exc.message == _("Not found"):
            raise  # someone else's connection: the 404 page, as for any invisible object
        return redirect(request, back, exc.message, kind="error")
    server = result["remote"]["server_name"]
    messages = {"rsvp": _("Sent to {server}: your answer is in.", server=server),
                "vote": _("Sent to {server}: your vote is in.", server=server),
                "ack": _("Sent to {server}: you confirmed you've read it.", server=server)}
    return redirect(request, back, messages[verb])


@post("/remote/servers/{connection_id:str}/events/{event_id:str}/rsvp", guards=SIGNED_IN, include_in_schema=False)
async def remote_event_rsvp_form(request: Request, actor: Actor, connection_id: str, event_id: str) -> Redirect:
    return await _act(request, actor, connection_id, "events", event_id, "rsvp")


@post("/remote/servers/{connection_id:str}/polls/{poll_id:str}/vote", guards=SIGNED_IN, include_in_schema=False)
async def remote_poll_vote_form(request: Request, actor: Actor, connection_id: str, poll_id: str) -> Redirect:
    return await _act(request, actor, connection_id, "polls", poll_id, "vote")


@post("/remote/servers/{connection_id:str}/announcements/{announcement_id:str}/ack", guards=SIGNED_IN,
      include_in_schema=False)
async def remote_announcement_ack_form(request: Request, actor: Actor, connection_id: str,
                                       announcement_id: str) -> Redirect:
    return await _act(request, actor, connection_id, "announcements", announcement_id, "ack")


@post("/remote/servers/{connection_id:str}/files/{file_id:str}/ack", guards=SIGNED_IN, include_in_schema=False)
async def remote_file_ack_form(request: Request, actor: Actor, connection_id: str, file_id: str) -> Redirect:
    return await _act(request, actor, connection_id, "files", file_id, "ack")


HANDLERS = [remote_event_rsvp_form, remote_poll_vote_form, remote_announcement_ack_form, remote_file_ack_form]
