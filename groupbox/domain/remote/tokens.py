"""Connection tokens for a member's home server (SPEC §14, §6.7 "create connection tokens for
own membership").

Rules:
- Anyone who may act in a group (member and up; never a guest) creates tokens for their own
  memberships there — all of them, or the groups they pick.
- A token carries scopes (`read:*`, and optionally `act:rsvp`, `act:vote`, `act:acknowledge`),
  expires (default 90 days, at most 2 years), can be revoked, and is shown once: only its
  hash is stored. Creation and revocation go to the audit log.
- A request with the token acts as exactly those memberships, within those scopes
  (`access.can` checks `actor.scopes`).
"""

from __future__ import annotations

from datetime import timedelta

from groupbox.access import Actor, Membership, can, require, require_whole_profile
from groupbox.db.engine import DB
from groupbox.domain.audit import service as audit
from groupbox.domain.groups import store as groups_store
from groupbox.domain.remote.store import tokens as store
from groupbox.errors import Forbidden, Invalid, NotFound
from groupbox.i18n import _
from groupbox.util import as_utc, new_id, new_token, now, token_hash

SCOPES = ("read:events", "read:announcements", "read:tasks", "read:polls", "read:files", "read:threads",
          "act:rsvp", "act:vote", "act:acknowledge")
READ_SCOPES = tuple(s for s in SCOPES if s.startswith("read:"))
DEFAULT_DAYS = 90
MAX_DAYS = 730


def clean_scopes(raw: list[str] | None) -> list[str]:
    scopes = list(dict.fromkeys(s.strip() for s in (raw or READ_SCOPES) if s and s.strip()))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise Invalid(_("Unknown scope {scope}. Known scopes: {known}.", scope=unknown[0], known=" ".join(SCOPES)),
                      field="scopes")
    return scopes


def clean_days(raw: int | str | None) -> int:
    if raw in (None, ""):
        return DEFAULT_DAYS
    try:
        days = int(raw)
    except (TypeError, ValueError):
        raise Invalid(_("Expiry must be a whole number of days."), field="expires_in_days") from None
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(_("Expiry must be between 1 and {n} days.", n=MAX_DAYS), field="expires_in_days")
    return days


async def token_create(actor: Actor, scopes: list[str] | None = None, expires_in_days: int | str | None = None, *,
                       group_ids: list[str] | None = None, label: str = "") -> tuple[dict, str]:
    """A token for the actor's memberships (in `group_ids`, or every group they may act in)."""
    require_whole_profile(actor)
    clean = clean_scopes(scopes)
    days = clean_days(expires_in_days)
    if group_ids:
        memberships: list[Membership] = []
        for gid in dict.fromkeys(group_ids):
            group = await groups_store.group_get(gid)
            if group is None:
                raise NotFound(_("Not found"))
            memberships.append(require(actor, "token.create", group))
    else:
        memberships = [m for m in actor.memberships.values() if can(actor, "token.create", {"id": m.group_id})]
        if not memberships:
            raise Forbidden(_("Guests cannot connect a home server; ask an admin to make you a member."))
    token = new_token()
    token_id = new_id()
    stamp = now()
    async with DB.write():
        await store.token_insert(token_id, actor.profile_id, token_hash(token), " ".join((label or "").split())[:80],
                                 " ".join(clean), stamp, stamp + timedelta(days=days))
        for membership in memberships:
            await store.token_member_add(token_id, membership.member_id)
            await audit.record("token.create", actor=actor, group_id=membership.group_id, target_type="token",
                               target_id=token_id, target_name=label or "home server", detail=" ".join(clean))
    return await store.token_get(token_id), token


async def tokens_list(actor: Actor) -> list[dict]:
    require_whole_profile(actor)
    rows = await store.tokens_of_profile(actor.profile_id)
    stamp = now()
    for row in rows:
        row["active"] = row["revoked_at"] is None and as_utc(row["expires_at"]) > stamp
    return rows


async def token_revoke(actor: Actor, token_id: str) -> None:
    require_whole_profile(actor)
    row = await store.token_get(token_id, actor.profile_id)
    if row is None:
        raise NotFound(_("Not found"))
    if row["revoked_at"] is None:
        async with DB.write():
            await store.token_revoke(token_id, now())
            for group_id in await store.token_group_ids(token_id):
                await audit.record("token.revoke", actor=actor, group_id=group_id, target_type="token",
                                   target_id=token_id, target_name=row["label"] or "home server")


async def actor_for_token(token: str) -> Actor | None:
    """The person behind a Bearer token, limited to its memberships and scopes (None if unknown,
    expired or revoked)."""
    row = await store.token_unrevoked_with_person(token_hash(token or ""))
    if row is None or as_utc(row["expires_at"]) <= now():
        return None
    members = await store.token_active_members(row["id"], row["profile_id"])
    return Actor(
        profile_id=row["profile_id"], display_name=row["display_name"],
        memberships={m["group_id"]: Membership(m["id"], m["group_id"], m["role"], m["display_name"]) for m in members},
        scopes=frozenset(row["scopes"].split()),
    )
