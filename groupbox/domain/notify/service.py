"""Notifications (SPEC §12): in-app always, mail for immediate ones, a daily digest for the rest.

Rules:
- Categories have a default mode: immediate (mentions, event changes, urgent official
  announcements, tasks assigned to me), digest (discussions, new files, general chatter,
  non-urgent announcements), mute (reactions, off-topic).
- A person can override a category for all groups or per group (per-group wins).
- `notify()` is called by the services that change things, inside their transaction. It writes
  one in-app notification per recipient (never to the person who caused it); muted categories
  write nothing. Mail goes out after the transaction (see `deliver_pending`).
- Every notification mail carries a one-click unsubscribe link (RFC 8058) that mutes its
  category for that person, in all groups; the digest's link mutes what is in digest mode. The
  link is its own authority: an HMAC of the instance secret over the person and the category,
  good for nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from groupbox import i18n
from groupbox.access import Actor, require_whole_profile
from groupbox.db.engine import DB
from groupbox.domain.groups import store as groups_store
from groupbox.domain.notify import store
from groupbox.errors import Invalid, NotFound
from groupbox.i18n import N_, Lazy, _
from groupbox.util import new_id, now

MODES = ("immediate", "digest", "mute")
CATEGORIES: dict[str, str] = {
    "mention": "immediate",
    "event_change": "immediate",
    "urgent_announcement": "immediate",
    "task_assigned": "immediate",
    "announcement": "digest",
    "event_new": "digest",
    "poll_new": "digest",
    "discussion": "digest",
    "new_file": "digest",
    "chatter": "digest",
    "reaction": "mute",
    "off_topic": "mute",
    "access": "immediate",
}
CATEGORY_LABELS: dict[str, str] = {
    "mention": N_("Someone mentions me"),
    "event_change": N_("An event I'm invited to moves or is cancelled"),
    "urgent_announcement": N_("Urgent official announcements"),
    "task_assigned": N_("A task is assigned to me"),
    "announcement": N_("Other announcements"),
    "event_new": N_("New events"),
    "poll_new": N_("New polls and sign-up sheets"),
    "discussion": N_("New discussions and replies"),
    "new_file": N_("New files"),
    "chatter": N_("General chatter"),
    "reaction": N_("Reactions to my messages"),
    "off_topic": N_("Off-topic threads"),
    "access": N_("An admin signs a new device in to my group"),
}
# The unsubscribe link of the daily digest: it stops every category that is in digest mode.
DIGEST = "digest"


async def modes_for(profile_ids: list[str], group_id: str | None, category: str) -> dict[str, str]:
    """profile id -> effective mode for this category in this group."""
    default = CATEGORIES.get(category, "digest")
    result = {pid: default for pid in profile_ids}
    for row in await store.prefs_for(profile_ids, group_id, category):
        result[row["profile_id"]] = row["mode"]  # '' (all groups) comes first: a per-group choice wins
    return result


async def notify(member_ids: list[str], category: str, *, group_id: str | None, title: str | Lazy,
                 body: str | Lazy = "", url: str = "", object_type: str | None = None, object_id: str | None = None,
                 exclude_member: str | None = None) -> int:
    """Tell these members (of one group) about something; returns how many were written. A title
    or body made with `i18n.lazy` is written in each one's language (their choice on /me, else
    the instance's), not in the language of whoever caused it."""
    ids = [m for m in dict.fromkeys(member_ids) if m and m != exclude_member]
    if not ids:
        return 0
    members = await store.recipients(ids, group_id)
    modes = await modes_for([m["profile_id"] for m in members], group_id, category)
    words: dict[str, tuple[str, str]] = {}
    for member in members:
        language = i18n.supported(member["language"]) or i18n.default()
        if language not in words:
            words[language] = ((i18n.render(title, language) or "")[:200], (i18n.render(body, language) or "")[:2000])
    written = 0
    stamp = now()
    async with DB.write():
        for member in members:
            mode = modes[member["profile_id"]]
            if mode == "mute":
                continue
            text_title, text_body = words[i18n.supported(member["language"]) or i18n.default()]
            await store.notification_add(
                notification_id=new_id(), profile_id=member["profile_id"], member_id=member["id"], group_id=group_id,
                category=category, title=text_title, body=text_body, url=url[:300], object_type=object_type,
                object_id=object_id, mode=mode, created_at=stamp,
            )
            written += 1
    if written:
        wake()
    return written


async def unread_count(actor: Actor) -> int:
    return await store.notification_unread_count(actor.profile_id, actor.bound_member_id)


# Woken after new notifications so immediate mail goes out within seconds (see web/background).
WAKE_HOOKS: list = []


def wake() -> None:
    for hook in WAKE_HOOKS:
        hook()


async def notifications(actor: Actor, *, unread_only: bool = False, limit: int = 100) -> list[dict]:
    """The person's notifications (or, on a device bound to one membership, that one's), newest first."""
    return await store.notification_list(actor.profile_id, actor.bound_member_id, unread_only=unread_only,
                                         limit=limit)


async def mark_read(actor: Actor, notification_id: str | None = None, *, before=None) -> int:
    """Mark one notification (or all, with None; or all created before `before`) read;
    unknown ids are NotFound."""
    if notification_id is None:
        return await store.notification_read_all(actor.profile_id, actor.bound_member_id, now(), before)
    changed = await store.notification_read(notification_id, actor.profile_id, actor.bound_member_id, now())
    if changed == 0:
        raise NotFound("Not found")
    return changed


async def preferences(actor: Actor) -> dict:
    """{"defaults": {category: mode}, "overrides": {group_id: {category: mode}}} with the
    built-in defaults filled in where the person chose nothing."""
    defaults = dict(CATEGORIES)
    overrides: dict[str, dict[str, str]] = {}
    for row in await store.prefs_of(actor.profile_id):
        if row["group_id"] == "":
            defaults[row["category"]] = row["mode"]
        elif row["group_id"] in actor.memberships:
            overrides.setdefault(row["group_id"], {})[row["category"]] = row["mode"]
    return {"defaults": defaults, "overrides": overrides}


async def set_preferences(actor: Actor, changes: dict[str, str], group_id: str | None = None) -> dict:
    """Set modes per category (for all groups, or one group; mode "" clears a group override)."""
    if group_id and group_id not in actor.memberships:
        raise NotFound("Not found")
    if not group_id:
        require_whole_profile(actor)  # the defaults for all groups are the profile's
    for category, mode in changes.items():
        if category not in CATEGORIES:
            raise Invalid(f"Unknown category {category!r}.", field=category)
        if mode not in MODES and not (group_id and mode == ""):
            raise Invalid("Mode must be immediate, digest or mute.", field=category)
    async with DB.write():
        for category, mode in changes.items():
            if mode == "":
                await store.pref_clear(actor.profile_id, group_id, category)
            else:
                await store.pref_set(actor.profile_id, group_id or "", category, mode)
        # "Notifications on" in the migration funnel: the person has chosen how to be told.
        member_ids = [actor.memberships[group_id].member_id] if group_id else actor.member_ids
        await groups_store.member_set_notifications_on(member_ids)
    return await preferences(actor)


# -- one-click unsubscribe (RFC 8058) -----------------------------------------------------------
def _unsubscribe_mac(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), f"unsubscribe:{payload}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def unsubscribe_token(secret: str, profile_id: str, category: str) -> str:
    """`profile.category.mac`: URL-safe, never stored, valid as long as the instance secret."""
    payload = f"{profile_id}.{category}"
    return f"{payload}.{_unsubscribe_mac(secret, payload)}"


def unsubscribe_target(secret: str, token: str) -> tuple[str, str]:
    """(profile id, category) of a genuine link; NotFound for anything else."""
    parts = (token or "").split(".")
    if len(parts) == 3 and (parts[1] in CATEGORIES or parts[1] == DIGEST):
        expected = _unsubscribe_mac(secret, f"{parts[0]}.{parts[1]}")
        if hmac.compare_digest(parts[2].encode(), expected.encode()):
            return parts[0], parts[1]
    raise NotFound(_("This link is not valid."))


async def _unsubscribe_categories(profile_id: str, category: str) -> list[str]:
    """The categories a link stops: its own, or (the digest's) those the person gets as digest."""
    if category != DIGEST:
        return [category]
    rows = await store.prefs_of(profile_id)
    defaults = dict(CATEGORIES)
    defaults.update({r["category"]: r["mode"] for r in rows if r["group_id"] == "" and r["category"] in CATEGORIES})
    chosen = {c for c, mode in defaults.items() if mode == "digest"}
    chosen |= {r["category"] for r in rows if r["group_id"] != "" and r["mode"] == "digest" and r["category"] in CATEGORIES}
    return [c for c in CATEGORIES if c in chosen]


async def unsubscribe_state(secret: str, token: str) -> dict:
    """What a link would stop and whether it already has: {"category", "labels", "muted"}."""
    profile_id, category = unsubscribe_target(secret, token)
    if not await store.profile_exists(profile_id):
        raise NotFound(_("This link is not valid."))
    categories = await _unsubscribe_categories(profile_id, category)
    explicit = {r["category"] for r in await store.prefs_of(profile_id) if r["group_id"] == "" and r["mode"] == "mute"}
    muted = not await store.pref_any_loud(profile_id, categories) and all(
        c in explicit or CATEGORIES[c] == "mute" for c in categories)
    return {"category": category, "labels": [CATEGORY_LABELS[c] for c in categories], "muted": muted}


async def unsubscribe(secret: str, token: str) -> list[str]:
    """Mute what the link names for that person, in every group (per-group choices included,
    or they would win), and mail nothing more that is waiting for it. Repeating it is harmless."""
    profile_id, category = unsubscribe_target(secret, token)
    if not await store.profile_exists(profile_id):
        raise NotFound(_("This link is not valid."))
    categories = await _unsubscribe_categories(profile_id, category)
    stamp = now()
    async with DB.write():
        for name in categories:
            await store.pref_mute_everywhere(profile_id, name)
            await store.notification_stop_mail(profile_id, name, stamp)
    return categories
