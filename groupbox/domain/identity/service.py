"""Profiles, devices, sessions and one-time sign-in links (SPEC §6.1, §6.3).

Rules:
- Tokens (session cookies, sign-in links) are random, 256 bits, and stored only as SHA-256 hashes.
- A sign-in link is single use and valid for 15 minutes. Its GET never spends it; only
  `consume_signin` does, inside one write transaction so two clicks cannot both win.
- Every session belongs to a device; a revoked device's sessions stop working at once.
- Sessions expire after `session_days` without use; "last seen" is refreshed at most every
  five minutes so reads stay reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from groupbox.access import Actor, Membership
from groupbox.db.engine import DB
from groupbox.db.full import best_effort
from groupbox.domain.audit import service as audit
from groupbox.domain.groups import store as groups_store
from groupbox.domain.identity.store import profiles, sessions
from groupbox.errors import Conflict, Gone, Invalid, NotFound
from groupbox.i18n import _
from groupbox.util import as_utc, new_id, new_token, now, token_hash

SIGNIN_TTL = timedelta(minutes=15)
LAST_SEEN_EVERY = timedelta(minutes=5)
NAME_MAX = 60


@dataclass(frozen=True)
class SignInResult:
    profile_id: str
    session_token: str | None  # a new session to set as cookie; None when the browser keeps its own
    redirect: str


def clean_display_name(raw: str | None, field: str = "display_name") -> str:
    """The one validator for names people give themselves: 1–60 visible characters, no markup."""
    name = " ".join((raw or "").split())
    if not name:
        raise Invalid(_("Please enter your name."), field=field)
    if len(name) > NAME_MAX:
        raise Invalid(_("Please use at most {n} characters.", n=NAME_MAX), field=field)
    if re.search(r"[<>]", name) or any(ord(ch) < 32 for ch in name):
        raise Invalid(_("Please use letters, numbers and punctuation only (no < or >)."), field=field)
    return name


def device_label(user_agent: str | None) -> str:
    """A readable label from the user agent: 'Chrome on Android', 'Safari on iPhone'."""
    ua = user_agent or ""
    system = next(
        (label for needle, label in (
            ("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Windows", "Windows"),
            ("Macintosh", "Mac"), ("CrOS", "ChromeOS"), ("Linux", "Linux"),
        ) if needle in ua),
        "",
    )
    browser = next(
        (label for needle, label in (
            ("Firefox/", "Firefox"), ("Edg/", "Edge"), ("OPR/", "Opera"), ("SamsungBrowser", "Samsung Internet"),
            ("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Safari/", "Safari"), ("curl/", "curl"),
            ("python", "Script"),
        ) if needle in ua),
        "Browser",
    )
    return f"{browser} on {system}" if system else browser


# -- profiles -----------------------------------------------------------------------------------
async def owner_profile() -> dict | None:
    return await profiles.profile_owner()


async def get_profile(profile_id: str) -> dict | None:
    return await profiles.profile_get(profile_id)


async def create_profile(display_name: str, *, is_owner: bool = False, email: str | None = None) -> str:
    profile_id = new_id()
    await profiles.profile_add(profile_id, display_name, is_owner=is_owner, email=email, created_at=now())
    return profile_id


async def create_owner(display_name: str, email: str | None = None) -> str:
    name = clean_display_name(display_name, field="admin")
    async with DB.write():
        existing = await owner_profile()
        if existing:
            return existing["id"]
        profile_id = await create_profile(name, is_owner=True, email=email or None)
        await audit.record("instance.init", actor_name=name, target_type="profile", target_id=profile_id,
                           target_name=name)
    return profile_id


# -- devices and sessions -----------------------------------------------------------------------
async def create_device(profile_id: str, user_agent: str | None, member_id: str | None = None) -> str:
    """A device of `profile_id`; with `member_id`, one that holds that membership only."""
    device_id = new_id()
    await sessions.device_add(device_id, profile_id=profile_id, member_id=member_id, label=device_label(user_agent),
                              user_agent=(user_agent or "")[:400], stamp=now())
    return device_id


async def create_session(device_id: str, session_days: int = 365) -> str:
    token = new_token()
    stamp = now()
    await sessions.session_add(new_id(), token_hash=token_hash(token), device_id=device_id, stamp=stamp,
                               expires_at=stamp + timedelta(days=session_days))
    return token


async def start_browser(profile_id: str, user_agent: str | None, session_days: int = 365,
                        member_id: str | None = None) -> tuple[str, str]:
    """A new device for `profile_id` (bound to `member_id` if given) and its first session:
    (device_id, session_token)."""
    async with DB.write():
        device_id = await create_device(profile_id, user_agent, member_id)
        token = await create_session(device_id, session_days)
    return device_id, token


async def memberships(profile_id: str) -> dict[str, Membership]:
    rows = await groups_store.memberships_active(profile_id)
    return {r["group_id"]: Membership(r["id"], r["group_id"], r["role"], r["display_name"], r["joined_at"])
            for r in rows}


async def load_actor(profile_id: str, device_id: str | None = None, session_id: str | None = None,
                     bound_member_id: str | None = None, profile: dict | None = None) -> Actor:
    """The person behind a profile (its row's display_name, is_owner and language: `profile` when
    the caller has read them already). A device bound to one member sees that membership only and
    is never the instance owner."""
    if profile is None:
        profile = await get_profile(profile_id)
    if profile is None:
        raise NotFound("Not found")
    held = await memberships(profile_id)
    if bound_member_id is not None:
        held = {g: m for g, m in held.items() if m.member_id == bound_member_id}
    return Actor(
        profile_id=profile_id,
        display_name=profile["display_name"],
        device_id=device_id,
        session_id=session_id,
        is_owner=bool(profile["is_owner"]) and bound_member_id is None,
        memberships=held,
        bound_member_id=bound_member_id,
        language=profile.get("language") or "",
    )


async def actor_for_session(token: str | None, session_days: int = 365) -> Actor | None:
    """The person behind a session cookie, or None (unknown, expired, revoked, device revoked)."""
    if not token or len(token) > 200:
        return None
    row = await sessions.session_by_token(token_hash(token))
    if row is None:
        return None
    stamp = now()
    if as_utc(row["expires_at"]) <= stamp:
        return None
    if stamp - as_utc(row["last_seen_at"]) > LAST_SEEN_EVERY:
        async with best_effort("a session seen"), DB.write():
            await sessions.session_seen(row["session_id"], row["device_id"], stamp,
                                        stamp + timedelta(days=session_days))
    if row["profile_found"] is None:
        raise NotFound("Not found")
    return await load_actor(row["profile_id"], row["device_id"], row["session_id"], row["member_id"], profile=row)


async def devices(actor: Actor) -> list[dict]:
    """The devices this request may see: the profile's, or only itself for a device bound to one
    membership."""
    rows = await sessions.devices_live(actor.profile_id, actor.device_id, whole_profile=actor.whole_profile)
    for row in rows:
        row["current"] = row["id"] == actor.device_id
    return rows


async def _own_device(actor: Actor, device_id: str) -> dict:
    row = await sessions.device_live(device_id, profile_id=actor.profile_id, own_device_id=actor.device_id,
                                     whole_profile=actor.whole_profile)
    if row is None:
        raise NotFound(_("That device is not in your list."))
    return row


async def device_rename(actor: Actor, device_id: str, label: str) -> None:
    await _own_device(actor, device_id)
    clean = " ".join((label or "").split())
    if not clean or len(clean) > 60 or re.search(r"[<>]", clean):
        raise Invalid(_("Give the device a name of 1 to 60 characters."), field="label")
    await sessions.device_set_label(device_id, clean)


async def revoke_devices(device_ids: list[str]) -> None:
    """Revoke devices and every session they hold (inside the caller's transaction, if any)."""
    if not device_ids:
        return
    async with DB.write():
        await sessions.devices_revoke(device_ids, now())


async def device_revoke(actor: Actor, device_id: str) -> None:
    device = await _own_device(actor, device_id)
    async with DB.write():
        await revoke_devices([device_id])
        await audit.record("device.revoke", actor=actor, target_type="device", target_id=device_id,
                           target_name=device["label"])


async def signout(actor: Actor, everywhere: bool = False) -> None:
    if everywhere:
        rows = await sessions.devices_live(actor.profile_id, actor.device_id, whole_profile=actor.whole_profile)
        async with DB.write():
            await revoke_devices([r["id"] for r in rows])
            await audit.record("session.signout_everywhere", actor=actor, target_type="profile",
                               target_id=actor.profile_id, target_name=actor.display_name)
    elif actor.session_id:
        await sessions.session_revoke(actor.session_id, now())


# -- one-time sign-in links ---------------------------------------------------------------------
async def issue_signin_link(*, profile_id: str | None = None, member_id: str | None = None,
                            created_by: str | None = None, ttl: timedelta = SIGNIN_TTL, bound: bool = False) -> str:
    """A fresh one-time token for a profile, or for a member: `bound` (an admin's "resend access")
    signs the new device into that one membership only; unbound (`groupbox signin-link --member`,
    someone with a shell on the server) into the member's whole profile."""
    if not profile_id and not member_id:
        raise ValueError("a sign-in link needs a profile or a member")
    if bound and not member_id:
        raise ValueError("only a member's link can be bound to the member")
    token = new_token()
    stamp = now()
    await sessions.signin_add(new_id(), token_hash=token_hash(token), profile_id=profile_id, member_id=member_id,
                              created_by=created_by, stamp=stamp, expires_at=stamp + ttl, bound=bound)
    return token


async def _signin_row(token: str) -> dict:
    row = await sessions.signin_by_token(token_hash(token or ""))
    if row is None:
        raise NotFound(_("This sign-in link is not valid. Ask for a new one."))
    if row["used_at"] is not None:
        raise Gone(_("This sign-in link was already used. Ask for a new one."))
    if as_utc(row["expires_at"]) <= now():
        raise Gone(_("This sign-in link has expired. Ask for a new one."))
    return row


async def signin_link_state(token: str) -> dict:
    """What the GET page shows: whose link it is. Raises NotFound/Gone; never spends it."""
    row = await _signin_row(token)
    if row["member_id"]:
        member = await groups_store.member_with_group(row["member_id"])
        if member is None:
            raise Gone(_("This sign-in link is no longer valid. Ask for a new one."))
        return {"display_name": member["display_name"], "group_name": member["group_name"],
                "one_group": bool(row["bound"])}
    profile = await get_profile(row["profile_id"])
    return {"display_name": profile["display_name"] if profile else "", "group_name": None, "one_group": False}


async def _member_signin(row: dict, member: dict, current: Actor | None, user_agent: str | None,
                         session_days: int) -> tuple[str, str | None]:
    """Sign a browser in through a member's link: (profile id, new session token or None).

    A member whose access was reset (no profile) is taken in by the browser's own profile, or by a
    new one. A member who still has a profile gets a new device: bound to that one membership
    for an admin's link, the whole profile for the shell's. A browser signed in as someone else
    keeps its session and is told so — a link never moves a membership between people."""
    if member["profile_id"] is None:
        profile_id = current.profile_id if current is not None else await create_profile(member["display_name"])
        await groups_store.member_set_profile(member["id"], profile_id)
        if current is not None:
            return profile_id, None
        return profile_id, (await start_browser(profile_id, user_agent, session_days))[1]
    profile_id = member["profile_id"]
    if current is not None:
        if current.profile_id == profile_id and (current.whole_profile or current.bound_member_id == member["id"]):
            return profile_id, None
        raise Conflict(_("This link is for {name}, but this browser is signed in as someone else. Open it in a "
                         "private window or another browser.", name=member["display_name"]))
    bound_to = member["id"] if row["bound"] else None
    return profile_id, (await start_browser(profile_id, user_agent, session_days, member_id=bound_to))[1]


async def consume_signin(token: str, *, current: Actor | None, user_agent: str | None,
                         session_days: int = 365) -> SignInResult:
    """Spend a sign-in link: sign this browser in as the link's person."""
    async with DB.write():
        row = await _signin_row(token)
        await sessions.signin_spend(row["id"], now())
        if row["member_id"]:
            member = await groups_store.member_get(row["member_id"])
            if member is None or member["status"] not in ("active", "pending"):
                raise Gone(_("This sign-in link is no longer valid. Ask for a new one."))
            profile_id, session_token = await _member_signin(row, member, current, user_agent, session_days)
            await audit.record("access.restore", actor_name=member["display_name"], group_id=member["group_id"],
                               target_type="member", target_id=member["id"], target_name=member["display_name"])
            return SignInResult(profile_id, session_token, f"/groups/{member['group_id']}")
        profile_id = row["profile_id"]
        device_id, session_token = await start_browser(profile_id, user_agent, session_days)
        profile = await get_profile(profile_id)
        await audit.record("device.signin", actor_name=profile["display_name"] if profile else "",
                           target_type="device", target_id=device_id, target_name=device_label(user_agent))
        return SignInResult(profile_id, session_token, "/")
