"""`/me/export` and `/me/delete`: a person downloads their data, or deletes themselves from a
group or entirely (the rules: groupbox.domain.identity.mydata)."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.response import File, Redirect, Template

from groupbox.access import Actor
from groupbox.domain.groups import service as groups
from groupbox.domain.identity import mydata
from groupbox.errors import Conflict, Forbidden
from groupbox.i18n import _
from groupbox.util import now
from groupbox.web.support import (
    SIGNED_IN,
    checked,
    clear_session_cookie,
    config_of,
    form_data,
    redirect,
    render,
)


def export_response(request: Request, path) -> File:
    """The zip as a download; the file leaves the disk once it is sent."""
    return File(path=path, filename=f"groupbox-my-data-{now().date().isoformat()}.zip", media_type="application/zip",
                headers={"cache-control": "private, no-store"}, background=BackgroundTask(path.unlink, missing_ok=True))


@get("/me/export", guards=SIGNED_IN, include_in_schema=False)
async def my_data_download(request: Request, actor: Actor) -> File:
    return export_response(request, await mydata.export_zip(actor, config_of(request)))


@get("/me/delete", guards=SIGNED_IN, include_in_schema=False)
async def my_data_delete_page(request: Request, actor: Actor, group: str | None = None) -> Template:
    target = await groups.group_get(actor, group) if group else None
    return await render(request, "me/delete.html", nav="me", target=target, groups=await groups.groups_for(actor),
                        preview=await mydata.erase_preview(actor, group or None), error=None,
                        page_title=_("Delete me"))


@post("/me/delete", guards=SIGNED_IN, include_in_schema=False)
async def my_data_delete(request: Request, actor: Actor) -> Redirect | Template:
    form = await form_data(request)
    group_id = form.get("group") or None
    config = config_of(request)
    if not checked(form, "confirm"):
        target = await groups.group_get(actor, group_id) if group_id else None
        return await render(request, "me/delete.html", status_code=422, nav="me", target=target,
                            groups=await groups.groups_for(actor), preview=await mydata.erase_preview(actor, group_id),
                            error=_("Tick the box to confirm."), page_title=_("Delete me"))
    try:
        if group_id:
            await mydata.erase_membership(actor, group_id, config)
            return redirect(request, "/me", _("You are deleted from that group."))
        await mydata.erase_profile(actor, config)
    except (Conflict, Forbidden) as exc:
        return redirect(request, "/me/delete" + (f"?group={group_id}" if group_id else ""), exc.message, kind="error")
    response = redirect(request, "/", _("Your data is deleted from this server. Goodbye!"))
    response.cookies.append(clear_session_cookie(config))
    return response


HANDLERS = [my_data_download, my_data_delete_page, my_data_delete]
