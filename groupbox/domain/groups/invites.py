"""Invite links and joining without an account (SPEC §6.2).

Rules:
- Admins create invites: one-time or N uses (or unlimited), an expiry (default 7 days), a preset
  role (never owner) and optionally "needs admin approval". The token has 256 bits and only its
  hash is stored; the plaintext is returned once.
- Viewing a join page spends nothing; it records that a browser *opened* the invite (funnel).
- Claiming is one write transaction: the use is counted with a guarded UPDATE, so concurrent
  claims never exceed `max_uses`. A browser that already has a device joins under that same
  device; a browser already in the group spends nothing and goes straight in.
- Exhausted, expired and revoked invites are Gone (410); unknown ones NotFound (404).
- Claims are rate limited per IP address (`claim_rate_limit`).
- Someone an admin removed cannot rejoin from the same profile until an admin lets them back in;
  a device that an admin signed in to one group (resend access) joins nothing else.
- Join and answer: when the group's next event asks for RSVPs, the join page offers Yes / Maybe /
  No beside the name; one POST claims, then answers as the new member (`invite_claim_and_answer`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from groupbox.access import Actor, require
from groupbox.db.engine import DB
from groupbox.domain import areas
from groupbox.domain.audit import service as audit
from groupbox.domain.groups import service as groups_service
from groupbox.domain.groups import store
from groupbox.domain.groups.schemas import InviteOptions
from groupbox.domain.groups.service import ASSIGNABLE_ROLES, group_get, group_row, member_count
from groupbox.domain.identity import ratelimit
from groupbox.domain.identity import service as identity
from groupbox.errors import Forbidden, Gone, Invalid, NotFound
from groupbox.i18n import N_, _
from groupbox.util import as_utc, new_id, new_token, now, token_hash

DEFAULT_EXPIRY_HOURS = 7 * 24
MAX_EXPIRY_HOURS = 366 * 24
MAX_USES = 10000

async def join_refusal(actor: Actor | None, group_id: str) -> str | None:
    """Why this browser may not join the group through an invite, or None: an admin removed this
    person, or the device is one an admin signed in to one other group."""
    if actor is None:
        return None
    if not actor.whole_profile:
        return _("This device is signed in to one group only. Open the invite on your own device, or in a private "
                 "window to join as someone new.")
    if await groups_service.barred_from(actor.profile_id, group_id):
        return _("An admin removed you from this group. If you think that was a mistake, ask them to let you "
                 "back in.")
    return None




@dataclass(frozen=True)
class ClaimResult:
    member_id: str
    group_id: str
    status: str  # active | pending
    session_token: str | None  # set when this browser had no session yet
    already_member: bool = False

    @property
    def redirect(self) -> str:
        if self.status == "pending":
            return f"/groups/{self.group_id}/waiting"
        return f"/groups/{self.group_id}"


def clean_invite_options(options: InviteOptions) -> dict:
    """One validator for invite options, shared by the admin form, the API and the CLI."""
    max_uses, expires_in_hours, role = options.max_uses, options.expires_in_hours, options.role
    if max_uses in ("", None):
        uses = None
    else:
        try:
            uses = int(max_uses)
        except (TypeError, ValueError):
            raise Invalid(_("Uses must be a whole number."), field="max_uses") from None
        if not 1 <= uses <= MAX_USES:
            raise Invalid(_("Uses must be between 1 and {n}.", n=MAX_USES), field="max_uses")
    if expires_in_hours in ("", None):
        hours = DEFAULT_EXPIRY_HOURS
    else:
        try:
            hours = int(expires_in_hours)
        except (TypeError, ValueError):
            raise Invalid(_("Expiry must be a whole number of hours."), field="expires_in_hours") from None
        if not 1 <= hours <= MAX_EXPIRY_HOURS:
            raise Invalid(_("Expiry must be between 1 hour and a year."), field="expires_in_hours")
    clean_role = (role or "member").strip().lower()
    if clean_role not in ASSIGNABLE_ROLES:
        raise Invalid(_("An invite can preset: {roles}.", roles=", ".join(ASSIGNABLE_ROLES)), field="role")
    return {"max_uses": uses, "hours": hours, "role": clean_role, "needs_approval": bool(options.needs_approval)}


def parse_duration_hours(text: str) -> int:
    """'7d', '12h', '2w' -> hours (CLI --expires)."""
    raw = (text or "").strip().lower()
    units = {"h": 1, "d": 24, "w": 168}
    try:
        if raw and raw[-1] in units:
            return int(raw[:-1]) * units[raw[-1]]
        return int(raw)
    except ValueError:
        raise Invalid(_("Use a duration like 12h, 7d or 2w."), field="expires_in_hours") from None


async def invite_create(actor: Actor, group_id: str, data: InviteOptions) -> tuple[dict, str]:
    """Admins create invites with `data` (the form's, the API's or the CLI's options); so does the
    instance owner from the server's shell (the CLI), in any group, member or not
    (`access.SHELL_ACTIONS`): audited under the owner's name, "from shell"."""
    group = await group_get(actor, group_id)
    me = require(actor, "invite.create", group)
    options = clean_invite_options(data)
    label = data.label
    token = new_token()
    invite_id = new_id()
    stamp = now()
    async with DB.write():
        await store.invite_add(
            invite_id=invite_id, group_id=group_id, token_hash=token_hash(token), role=options["role"],
            max_uses=options["max_uses"], needs_approval=options["needs_approval"],
            label=" ".join((label or "").split())[:80], created_by=me.member_id if me else None, created_at=stamp,
            expires_at=stamp + timedelta(hours=options["hours"]),
        )
        await audit.record("invite.create", actor=actor, group_id=group_id, target_type="invite",
                           actor_name=None if me else f"{actor.display_name} (server owner)",
                           target_id=invite_id, target_name=label or options["role"],
                           detail=f"uses={options['max_uses'] or 'unlimited'} hours={options['hours']}"
                                  f" role={options['role']} approval={options['needs_approval']}"
                                  + (" from shell" if actor.shell else ""))
    return await store.invite_get(invite_id), token


def invite_state(invite: dict) -> str:
    if invite["revoked_at"] is not None:
        return N_("revoked")
    if invite["expires_at"] is not None and as_utc(invite["expires_at"]) <= now():
        return N_("expired")
    if invite["max_uses"] is not None and invite["uses"] >= invite["max_uses"]:
        return N_("used up")
    return N_("active")


async def invites_list(actor: Actor, group_id: str) -> list[dict]:
    """Every invite with its creator, state and who joined through it (the invite graph)."""
    group = await group_get(actor, group_id)
    require(actor, "group.admin", group)
    invites = await store.invites_of_group(group_id)
    joined = await store.members_joined_by_invite(group_id)
    by_invite: dict[str, list[dict]] = {}
    for member in joined:
        by_invite.setdefault(member["invite_id"], []).append(member)
    for invite in invites:
        invite["state"] = invite_state(invite)
        invite["joined"] = by_invite.get(invite["id"], [])
    return invites


async def invite_revoke(actor: Actor, invite_id: str) -> str:
    """Switch an invite off (admins); returns its group's id."""
    invite = await store.invite_get(invite_id)
    if invite is None:
        raise NotFound(_("Not found"))
    group = await group_get(actor, invite["group_id"])
    require(actor, "group.admin", group)
    if invite["revoked_at"] is not None:
        return group["id"]
    async with DB.write():
        await store.invite_revoke(invite_id, now())
        await audit.record("invite.revoke", actor=actor, group_id=group["id"], target_type="invite",
                           target_id=invite_id, target_name=invite["label"] or invite["role"])
    return group["id"]


def _gone_message(state: str) -> str:
    return {
        "revoked": _("This invite link was switched off by the group's admin."),
        "expired": _("This invite link has expired."),
        "used up": _("This invite link has been used as often as it allows."),
    }[state] + " " + _("Please ask the admin who sent it for a new one.")


async def invite_by_token(token: str) -> tuple[dict, dict]:
    """(invite, group) for a usable token; NotFound for unknown, Gone for spent ones."""
    invite = await store.invite_by_token_hash(token_hash(token or ""))
    if invite is None:
        raise NotFound(_("We don't know this invite link. Check that it was copied completely, or ask the admin "
                         "who sent it for a new one."))
    state = invite_state(invite)
    if state != "active":
        raise Gone(_gone_message(state))
    return invite, await group_row(invite["group_id"])


async def record_view(invite_id: str, browser: str) -> None:
    """A browser opened the join page (SPEC §15.1 "opened"): recorded once, nothing spent."""
    await store.invite_view_add(new_id(), invite_id, token_hash(browser)[:32], now())


async def invite_preview(token: str, browser: str | None = None) -> dict:
    """What a stranger may see before joining: name, purpose, member count and a few upcoming
    item titles — no names of people."""
    invite, group = await invite_by_token(token)
    if browser:
        await record_view(invite["id"], browser)
    preview = {
        "group": {"id": group["id"], "name": group["name"], "purpose": group["purpose"],
                  "color_index": group["color_index"], "timezone": group["timezone"]},
        "member_count": await member_count(group["id"]),
        "needs_approval": bool(invite["needs_approval"]),
        "upcoming": [],
        # Join and answer: offered only where the answer can count at once.
        "answer_event": None if invite["needs_approval"] else await answerable_event(group),
    }
    for hook in areas.join_previews():
        preview["upcoming"].extend(await hook(group))
    return preview


async def invite_claim(token: str, display_name: str, *, actor: Actor | None, user_agent: str | None,
                       ip: str, rate: str, session_days: int = 365) -> ClaimResult:
    """Join the invite's group as `display_name`. Validation and rate limit come first so a bad
    attempt writes nothing but its rate-limit count."""
    await ratelimit.hit(f"claim:{ip}", rate)
    name = identity.clean_display_name(display_name)
    async with DB.write():
        invite, group = await invite_by_token(token)
        if actor is not None:
            refusal = await join_refusal(actor, group["id"])
            if refusal:
                raise Forbidden(refusal)
            existing = await store.member_open_of_profile(group["id"], actor.profile_id)
            if existing:
                return ClaimResult(existing["id"], group["id"], existing["status"], None, already_member=True)
        if not await store.invite_spend(invite["id"]):
            raise Gone(_gone_message("used up"))
        session_token = None
        if actor is None:
            profile_id = await identity.create_profile(name)
            _device_id, session_token = await identity.start_browser(profile_id, user_agent, session_days)
        else:
            profile_id = actor.profile_id
        member_id = new_id()
        status = "pending" if invite["needs_approval"] else "active"
        await groups_service.bump(group["id"])
        await store.member_add(member_id=member_id, group_id=group["id"], profile_id=profile_id, display_name=name,
                               role=invite["role"], status=status, invite_id=invite["id"], joined_at=now())
        await audit.record("member.join" if status == "active" else "member.request", actor_name=name,
                           group_id=group["id"], target_type="member", target_id=member_id, target_name=name,
                           detail=f"invite {invite['id']}")
    return ClaimResult(member_id, group["id"], status, session_token)


async def answerable_event(group: dict) -> dict | None:
    """Join and answer (the join page): the group's next event that asks for RSVPs and can still be
    answered — not cancelled, not started, its deadline ahead. Title and times only."""
    return await store.next_answerable_event(group["id"], now())


@dataclass(frozen=True)
class Answer:
    """What became of "Join and answer": the answer given, or why it could not be (the person is
    in either way)."""

    status: str | None
    event: dict | None
    problem: str | None = None


async def invite_claim_and_answer(token: str, display_name: str, event_id: str, status: str, *,
                                  actor: Actor | None, user_agent: str | None, ip: str, rate: str,
                                  session_days: int = 365) -> tuple[ClaimResult, Answer]:
    """Join the invite's group and answer one of its events in one step (one field, one tap).

    The claim is `invite_claim` with all its rules and its rate limit; a malformed answer is
    refused before anything is written. The answer then goes through `rsvps.rsvp` as the new
    member, so its rules hold too: a pending member (approval needed) answers nothing, and an
    event that is not this group's, is cancelled or past its deadline leaves the person joined and
    told why."""
    from groupbox.domain.objects import rsvps
    from groupbox.errors import DomainError

    answer = rsvps.clean_status(status)
    result = await invite_claim(token, display_name, actor=actor, user_agent=user_agent, ip=ip, rate=rate,
                                session_days=session_days)
    if result.status != "active":
        return result, Answer(None, None, _("An admin lets you in first; then you can answer."))
    if await store.event_group_id(event_id or "") != result.group_id:
        return result, Answer(None, None, _("That event is not in this group any more."))
    member = await store.member_get(result.member_id)
    joined = await identity.load_actor(member["profile_id"])
    try:
        done = await rsvps.rsvp(joined, event_id, answer)
    except DomainError as exc:
        return result, Answer(None, None, exc.message)
    return result, Answer(done["rsvp"]["status"], done["event"])


async def pending_membership(actor: Actor, group_id: str) -> dict | None:
    return await store.member_pending_of_profile(group_id, actor.profile_id)
