"""Group pages: list, create, dashboard, members, admin (settings, invites, approvals, audit)."""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template

from groupbox import qr
from groupbox.access import RANK, Actor, can
from groupbox.domain.audit import service as audit
from groupbox.domain.groups import invites as invite_service
from groupbox.domain.groups import service as groups
from groupbox.domain.groups.schemas import GroupCreate, GroupSettings, InviteOptions
from groupbox.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from groupbox.i18n import _
from groupbox.web import areas
from groupbox.web.areas import DashboardSection as DashboardSection
from groupbox.web.pagecache import cached_page, state_key
from groupbox.web.support import (
    SIGNED_IN,
    checked,
    config_of,
    form_data,
    form_error_page,
    redirect,
    render,
)

# What the sections above have shown, so a section further down does not repeat it (the urgent
# announcement in "Important now" is not listed again under "Official announcements").
_SHOWN: ContextVar[set[str] | None] = ContextVar("dashboard_shown", default=None)


def mark_shown(ids: Iterable[str]) -> None:
    shown = _SHOWN.get()
    if shown is not None:
        shown.update(ids)


def shown_above() -> set[str]:
    return _SHOWN.get() or set()


def group_tabs(group: dict, actor: Actor) -> list[tuple[str, str, str]]:
    """Overview and the areas' tabs, those a phone shows first leading (`areas.PHONE_TABS`);
    `ui.tabs` folds the rest under "More" on a phone."""
    base = f"/groups/{group['id']}"
    items = [("overview", _("Overview"), base)]
    items += [(key, _(label), f"{base}/{key}") for _order, key, label in areas.GROUP_TABS]
    items.append(("members", _("Members"), f"{base}/members"))
    if can(actor, "group.admin", group):
        items.append(("admin", _("Admin"), f"{base}/admin"))
    lead = [item for key in areas.PHONE_TABS for item in items if item[0] == key]
    return lead + [item for item in items if item not in lead]


async def group_page(request: Request, actor: Actor, template: str, group: dict, tab: str, **context) -> Template:
    return await render(request, template, nav="groups", group=group, tabs=group_tabs(group, actor), tab=tab,
                        is_admin=can(actor, "group.admin", group), **context)


@get("/groups", guards=SIGNED_IN, include_in_schema=False)
async def groups_index(request: Request, actor: Actor) -> Template:
    return await render(request, "groups/list.html", nav="groups", groups=await groups.groups_for(actor),
                        can_create=can(actor, "group.create", None), page_title=_("Groups"))


@get("/groups/new", guards=SIGNED_IN, include_in_schema=False)
async def group_new(request: Request, actor: Actor) -> Template:
    return await render(request, "groups/new.html", nav="groups", values={"timezone": config_of(request).timezone},
                        errors={}, page_title=_("New group"))


@post("/groups/new", guards=SIGNED_IN, include_in_schema=False)
async def group_create(request: Request, actor: Actor) -> Redirect | Template:
    form = await form_data(request)
    try:
        data = GroupCreate(name=form.get("name", ""), purpose=form.get("purpose", ""), timezone=form.get("timezone"))
        group = await groups.group_create(actor, data, default_timezone=config_of(request).timezone)
    except Invalid as exc:
        return await render(request, "groups/new.html", nav="groups", values=form, status_code=422,
                            page_title=_("New group"), **form_error_page(exc))
    return redirect(request, f"/groups/{group['id']}", _("Group created. Next: create its invite link."))


@get("/groups/{group_id:str}", guards=SIGNED_IN, include_in_schema=False)
async def group_dashboard(request: Request, actor: Actor, group_id: str) -> Response:
    group = await groups.group_get(actor, group_id)

    async def build() -> dict:
        sections = []
        token = _SHOWN.set(set())
        try:
            with groups.rows_known(group):
                for section in areas.dashboard_sections():
                    context = await section.load(actor, group)
                    if context is not None:
                        sections.append({"key": section.key, "template": section.template, "context": context})
                member_count = await groups.member_count(group_id)
            # What "Important now" carries with its action: the sections below show such an item
            # without a second button, with a note pointing up (one place per item per page).
            important = set(shown_above())
        finally:
            _SHOWN.reset(token)
        is_admin = can(actor, "group.admin", group)
        return {"group": group, "tabs": group_tabs(group, actor), "tab": "overview", "is_admin": is_admin,
                "member_count": member_count, "sections": sections, "me": actor.membership(group_id),
                "important_ids": important, "bring_people": is_admin and member_count < 2}

    key = state_key(actor, [group_id], "group", group_id)
    return await cached_page(request, actor, "groups/dashboard.html", key, build, nav="groups")


@get("/groups/{group_id:str}/waiting", guards=SIGNED_IN, include_in_schema=False)
async def group_waiting(request: Request, actor: Actor, group_id: str) -> Template | Redirect:
    if actor.membership(group_id):
        return redirect(request, f"/groups/{group_id}", _("You're in. Welcome!"))
    pending = await invite_service.pending_membership(actor, group_id)
    if pending is None:
        raise NotFound(_("Not found"))
    return await render(request, "groups/waiting.html", pending=pending, page_title=pending["group_name"])


@get("/groups/{group_id:str}/members", guards=SIGNED_IN, include_in_schema=False)
async def group_members(request: Request, actor: Actor, group_id: str) -> Template:
    group = await groups.group_get(actor, group_id)
    is_admin = can(actor, "group.admin", group)
    return await group_page(request, actor, "groups/members.html", group, "members",
                            members=await groups.members_list(actor, group_id), me=actor.membership(group_id),
                            can_transfer=can(actor, "owner.transfer", group), ranks=RANK,
                            removed=await groups.members_barred(actor, group_id) if is_admin else [])


async def _member_action(request: Request, actor: Actor, group_id: str, member_id: str, action: str) -> Redirect:
    form = await form_data(request)
    back = f"/groups/{group_id}/members"
    try:
        if action == "role":
            member = await groups.member_set_role(actor, group_id, member_id, form.get("role", ""))
            return redirect(request, back, _("{name} is now {role}.", name=member["display_name"], role=member["role"]))
        if action == "remove":
            await groups.member_remove(actor, group_id, member_id)
            return redirect(request, back, _("Removed from the group."))
        if action == "reset":
            await groups.member_reset_access(actor, group_id, member_id)
            return redirect(request, back, _("Access reset: their devices are signed out of this group."))
        if action == "let-back-in":
            await groups.member_let_back_in(actor, group_id, member_id)
            return redirect(request, back, _("They can join again with an invite link."))
        if action in ("approve", "decline"):
            await groups.member_approve(actor, group_id, member_id, approve=action == "approve")
            return redirect(request, back, _("Approved.") if action == "approve" else _("Declined."))
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        return redirect(request, back, exc.message, kind="error")
    raise NotFound(_("Not found"))


@post("/groups/{group_id:str}/members/{member_id:str}/{action:str}", guards=SIGNED_IN, include_in_schema=False)
async def group_member_action(request: Request, actor: Actor, group_id: str, member_id: str,
                              action: str) -> Redirect | Template:
    if action == "resend":
        group = await groups.group_get(actor, group_id)
        try:
            token = await groups.member_resend_access(actor, group_id, member_id)
        except (Forbidden, Conflict) as exc:
            return redirect(request, f"/groups/{group_id}/members", exc.message, kind="error")
        member = await groups.member_row(member_id)
        url = f"{config_of(request).base_url}/signin/{token}"
        return await group_page(request, actor, "groups/resend.html", group, "members", member=member, url=url,
                                qr_svg=qr.svg(url, scale=5))
    return await _member_action(request, actor, group_id, member_id, action)


@get("/groups/{group_id:str}/admin", guards=SIGNED_IN, include_in_schema=False)
async def group_admin(request: Request, actor: Actor, group_id: str) -> Template:
    group = await groups.group_get(actor, group_id)
    if not can(actor, "group.admin", group):
        raise Forbidden(_("Only admins can open the admin tools."))
    return await group_page(request, actor, "groups/admin.html", group, "admin",
                            invites=await invite_service.invites_list(actor, group_id),
                            pending=[m for m in await groups.members_list(actor, group_id) if m["status"] == "pending"],
                            errors={}, values={})


@post("/groups/{group_id:str}/admin/settings", guards=SIGNED_IN, include_in_schema=False)
async def group_settings_save(request: Request, actor: Actor, group_id: str) -> Redirect | Template:
    form = await form_data(request)
    try:
        await groups.group_update(actor, group_id, GroupSettings(
            name=form.get("name"), purpose=form.get("purpose"), timezone=form.get("timezone"),
            members_post_official=checked(form, "members_post_official"),
            members_upload=checked(form, "members_upload"), expected_size=form.get("expected_size", ""),
        ))
    except Invalid as exc:
        return await _admin_with_errors(request, actor, group_id, exc, form)
    return redirect(request, f"/groups/{group_id}/admin", _("Settings saved."))


async def _admin_with_errors(request, actor, group_id, exc, form) -> Template:
    group = await groups.group_get(actor, group_id)
    return await group_page(request, actor, "groups/admin.html", group, "admin",
                            invites=await invite_service.invites_list(actor, group_id),
                            pending=[m for m in await groups.members_list(actor, group_id) if m["status"] == "pending"],
                            values=form, status_code=422, **form_error_page(exc))


@post("/groups/{group_id:str}/invites", guards=SIGNED_IN, include_in_schema=False)
async def group_invite_create(request: Request, actor: Actor, group_id: str) -> Template:
    form = await form_data(request)
    try:
        invite, token = await invite_service.invite_create(actor, group_id, InviteOptions(
            max_uses=form.get("max_uses"), expires_in_hours=form.get("expires_in_hours"), role=form.get("role"),
            needs_approval=checked(form, "needs_approval"), label=form.get("label", ""),
        ))
    except Invalid as exc:
        return await _admin_with_errors(request, actor, group_id, exc, form)
    group = await groups.group_get(actor, group_id)
    url = f"{config_of(request).base_url}/join/{token}"
    # The link is shown once, on this response: only its hash is stored.
    return await group_page(request, actor, "groups/invite_created.html", group, "admin", invite=invite, url=url,
                            qr_svg=qr.svg(url, scale=5))


@post("/invites/{invite_id:str}/revoke", guards=SIGNED_IN, include_in_schema=False)
async def invite_revoke(request: Request, actor: Actor, invite_id: str) -> Redirect:
    group_id = await invite_service.invite_revoke(actor, invite_id)
    return redirect(request, f"/groups/{group_id}/admin", _("Invite switched off."))


@get("/groups/{group_id:str}/audit", guards=SIGNED_IN, include_in_schema=False)
async def group_audit(request: Request, actor: Actor, group_id: str) -> Template:
    group = await groups.group_get(actor, group_id)
    return await group_page(request, actor, "groups/audit.html", group, "admin",
                            entries=await audit.group_log(actor, group))


@get("/groups/{group_id:str}/leave", guards=SIGNED_IN, include_in_schema=False)
async def group_leave_confirm(request: Request, actor: Actor, group_id: str) -> Template:
    group = await groups.group_get(actor, group_id)
    return await group_page(request, actor, "groups/leave.html", group, "overview", me=actor.membership(group_id))


@post("/groups/{group_id:str}/leave", guards=SIGNED_IN, include_in_schema=False)
async def group_leave(request: Request, actor: Actor, group_id: str) -> Redirect:
    try:
        await groups.group_leave(actor, group_id)
    except Conflict as exc:
        return redirect(request, f"/groups/{group_id}/members", exc.message, kind="error")
    return redirect(request, "/groups", _("You left the group."))


HANDLERS = [
    groups_index, group_new, group_create, group_dashboard, group_waiting, group_members, group_member_action,
    group_admin, group_settings_save, group_invite_create, invite_revoke, group_audit, group_leave_confirm,
    group_leave,
]
