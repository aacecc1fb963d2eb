"""The migration kit for admins (SPEC §13, §15.1): the funnel, the old chat's invite link,
reminder copy, and the legacy channel.

Rules:
- Everything here is `group.admin`, except `group_migration_notice` (what every member sees).
- Funnel: invited = the expected size the admin set ("24 families"; none when unset) → opened
  = distinct browsers that viewed a join page of this group's invites (at least everyone who
  joined: a claim through the API opens nothing) → joined = active members who came through an
  invite (the group's creator is not part of the funnel) → verified = among them, a verified
  email, a passkey, or a second active device → notifications on (`member.notifications_on`).
- The old chat's link: invite tokens are stored only as hashes, so the plaintext cannot be
  shown again. The migration page creates one dedicated long-lived invite ("Old chat", unlimited
  uses, `OLD_CHAT_DAYS`) and carries its token in its own URL (`?t=`), so the reminder copy, the
  printable sheet and the QR downloads reuse that one link; an admin may instead paste a link
  they already shared. The API's reminder copy takes an optional `invite_url` the same way and
  otherwise creates such an invite, returning its URL for the next call.
- Reminder copy never names a person (see `copy.py`). The next deadline that lives only in
  groupbox is the next RSVP-required, not cancelled, not deleted event whose deadline (or, without
  one, whose start) is still ahead.
- Legacy channel: a discussion thread an admin marks as the old chat, with the day from which
  the old chat is read-only by agreement (stored by the threads area).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlsplit

from groupbox.access import Actor, can, require
from groupbox.domain.groups import invites
from groupbox.domain.groups.schemas import GroupSettings, InviteOptions
from groupbox.domain.groups.service import group_get, group_update
from groupbox.domain.migration import copy, store
from groupbox.errors import Gone, Invalid, NotFound
from groupbox.i18n import _
from groupbox.timefmt import clean_moment, zone
from groupbox.util import as_utc, now

OLD_CHAT_DAYS = 90
OLD_CHAT_LABEL = "Old chat"


# -- validation ---------------------------------------------------------------------------------
def clean_language(raw: str | None) -> str:
    language = (raw or "en").strip().lower()
    if language not in copy.LANGUAGES:
        raise Invalid(_("Language must be en or de."), field="language")
    return language


def clean_tone(raw: str | None) -> str:
    tone = (raw or "friendly").strip().lower().replace("-", "_").replace(" ", "_")
    if tone not in copy.TONES:
        raise Invalid(_("Tone must be friendly, firm or last_call."), field="tone")
    return tone


def token_from_link(raw: str | None) -> str:
    """An invite link as pasted ('https://…/join/TOKEN', with or without spaces) -> its token."""
    text = "".join((raw or "").split())
    if not text:
        raise Invalid(_("Paste an invite link of this group."), field="link")
    path = urlsplit(text).path if "://" in text else text
    token = path.rstrip("/").rsplit("/", 1)[-1]
    if not token or len(token) > 128:
        raise Invalid(_("That is not an invite link."), field="link")
    return token


# -- the funnel ---------------------------------------------------------------------------------
async def _funnel_members(group: dict) -> list[dict]:
    rows = await store.funnel_members(group["id"], group["created_by_id"])
    passkeys = await store.passkey_profiles([r["profile_id"] for r in rows if r["profile_id"]])
    for row in rows:
        if row["profile_id"] and row["email_verified_at"] is not None:
            row["verified_by"] = "email"
        elif row["profile_id"] in passkeys:
            row["verified_by"] = "passkey"
        elif row["profile_id"] and row["devices"] >= 2:
            row["verified_by"] = "device"
        else:
            row["verified_by"] = None
        row["verified"] = row["verified_by"] is not None
        row["notifications_on"] = bool(row["notifications_on"])
    return rows


async def opened_count(group_id: str) -> int:
    return await store.invites_opened(group_id)


async def funnel(actor: Actor, group_id: str) -> dict:
    """SPEC §15.1's migration funnel: totals, `members` (who joined through which invite and how
    far they got) and `invites` (each with its opened and joined counts)."""
    group = await group_get(actor, group_id)
    require(actor, "group.admin", group)
    members = await _funnel_members(group)
    joined = len(members)
    opened = max(await opened_count(group_id), joined)
    expected = group["expected_size"]
    invite_rows = await invites.invites_list(actor, group_id)
    return {
        "expected": expected,
        "opened": opened,
        "joined": joined,
        "verified": sum(1 for m in members if m["verified"]),
        "notifications_on": sum(1 for m in members if m["notifications_on"]),
        "never_opened": max(expected - opened, 0) if expected else None,
        "not_joined": max(expected - joined, 0) if expected else None,
        "members": members,
        "invites": invite_rows,
    }


async def funnel_brief(group: dict) -> dict:
    """Joined and expected only, for a dashboard line (callers checked the admin already)."""
    return {"joined": await store.funnel_joined(group["id"], group["created_by_id"]),
            "expected": group["expected_size"]}


async def expected_size_set(actor: Actor, group_id: str, size: Any) -> dict:
    """'24 families': how many people the admin expects, so the funnel shows who never opened."""
    return await group_update(actor, group_id, GroupSettings(expected_size=size if size not in (None, "") else 0))


# -- the old chat's invite link -------------------------------------------------------------------
async def link_create(actor: Actor, group_id: str) -> tuple[dict, str]:
    """A dedicated invite for the old chat: unlimited uses, valid `OLD_CHAT_DAYS` days."""
    return await invites.invite_create(actor, group_id, InviteOptions(
        max_uses=None, expires_in_hours=OLD_CHAT_DAYS * 24, role="member", label=OLD_CHAT_LABEL))


async def link_check(actor: Actor, group_id: str, token_or_link: str) -> tuple[dict, str]:
    """(invite, token) for an active invite of this group given as a token or a pasted link."""
    group = await group_get(actor, group_id)
    require(actor, "group.admin", group)
    token = token_from_link(token_or_link)
    try:
        invite, invite_group = await invites.invite_by_token(token)
    except (NotFound, Gone) as exc:
        raise Invalid(exc.message if isinstance(exc, Gone) else _("That is not an invite link of this group."),
                      field="link") from None
    if invite_group["id"] != group_id:
        raise Invalid(_("That is not an invite link of this group."), field="link")
    return invite, token


# -- reminder copy ------------------------------------------------------------------------------
async def next_rsvp_only(group_id: str, reference: datetime) -> dict | None:
    """The next event people can only answer in groupbox: RSVP required, not cancelled, and its
    deadline (or its start) still ahead."""
    return await store.next_rsvp_only(group_id, reference)


def _as_moment(value: Any, tz: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, date):
        return as_utc(datetime.combine(value, time(), zone(tz)))
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return _as_moment(parsed if parsed.tzinfo or "T" in str(value) or " " in str(value) else parsed.date(), tz)


async def legacy_channel(group_id: str, tz: str = "UTC") -> dict | None:
    """The thread marked as the old chat: {"id", "title", "readonly_from"} or None."""
    row = await store.legacy_thread(group_id)
    if row is None:
        return None
    row["readonly_from"] = _as_moment(row["readonly_from"], tz)
    return row


async def reminder_copy(actor: Actor, group_id: str, language: Any = "en", tone: Any = "friendly", *,
                        base_url: str, invite_url: str | None = None, reference: datetime | None = None) -> dict:
    """Ready-to-paste text for the old chat. Without `invite_url` a dedicated invite is created
    (its URL comes back as `invite_url`: pass it next time to keep one link)."""
    group = await group_get(actor, group_id)
    require(actor, "group.admin", group)
    lang = clean_language(language)
    clean = clean_tone(tone)
    if invite_url:
        _invite, token = await link_check(actor, group_id, invite_url)
    else:
        _invite, token = await link_create(actor, group_id)
    link = f"{base_url.rstrip('/')}/join/{token}"
    reference = reference or now()
    brief = await funnel_brief(group)
    event = await next_rsvp_only(group_id, reference)
    legacy = await legacy_channel(group_id, group["timezone"])
    facts = copy.Facts(
        group_name=group["name"], tz=group["timezone"], link=link, joined=brief["joined"],
        expected=brief["expected"], event_title=event["title"] if event else None,
        event_starts_at=event["starts_at"] if event else None, event_deadline=event["rsvp_deadline"] if event else None,
        readonly_from=legacy["readonly_from"] if legacy else None,
    )
    return {"text": copy.reminder_text(lang, clean, facts, reference), "invite_url": link, "language": lang,
            "tone": clean, "event": event, "legacy": legacy}


# -- the legacy channel -------------------------------------------------------------------------
async def legacy_threads(actor: Actor, group_id: str) -> list[dict] | None:
    """The group's threads to choose the legacy channel from, most recently active first."""
    group = await group_get(actor, group_id)
    require(actor, "group.admin", group)
    return await store.legacy_candidates(group_id)


def clean_readonly_from(raw: Any, tz: str) -> datetime | None:
    """'2025-03-01' (a day in the group's zone) -> the UTC instant it starts; empty = no date."""
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        raise Invalid(_("Use a date like 2025-03-01."), field="readonly_from") from None
    return clean_moment(datetime.combine(day, time()), tz, "readonly_from")


async def legacy_set(actor: Actor, group_id: str, thread_id: str | None, readonly_from: Any = None) -> dict | None:
    """Mark `thread_id` as the old chat (read-only from a day), or clear the mark (None). The
    threads area keeps one legacy channel per group: marking another thread moves the mark."""
    group = await group_get(actor, group_id)
    require(actor, "group.admin", group)
    try:
        from groupbox.domain.objects import threads
    except ImportError:
        raise Invalid(_("Discussions are not available on this server yet."), field="thread_id") from None
    if not thread_id:
        current = await legacy_channel(group_id, group["timezone"])
        if current:
            await threads.thread_set_legacy(actor, current["id"], False, None)
        return None
    when = clean_readonly_from(readonly_from, group["timezone"])
    if await store.thread_group(thread_id) != group_id:
        raise Invalid(_("Choose one of this group's discussions."), field="thread_id")
    await threads.thread_set_legacy(actor, thread_id, True, when)
    return await legacy_channel(group_id, group["timezone"])


# -- what members see ---------------------------------------------------------------------------
async def group_migration_notice(actor: Actor, group: dict) -> dict | None:
    """For the group dashboard: admins see how many joined; everyone sees the old chat's
    read-only day and the archive, when there are any. None when there is nothing to say."""
    from groupbox.domain.migration import archive

    is_admin = can(actor, "group.admin", group)
    legacy = await legacy_channel(group["id"], group["timezone"])
    counts = await archive.archive_counts(group["id"])
    brief = await funnel_brief(group) if is_admin else None
    if not is_admin and legacy is None and not counts["imports"]:
        return None
    return {"is_admin": is_admin, "legacy": legacy, "archive": counts, "brief": brief, "group": group,
            "tz": group["timezone"], "now": now()}
