"""Linking another device by a short code or a QR (SPEC §6.4).

Rules:
- The new device starts a pairing and holds its secret (256 bits: the API's `pairing_id`, an
  HttpOnly cookie on the web). Its code (8 characters of an alphabet without 0/O/1/I/L, shown
  as "K7QM-2XPA") is derived from that secret, so nothing but hashes is stored. Ten minutes.
- A device that holds the whole profile approves the code (not a one-group device, not a
  connection token). The new device joins *the approver's* profile, whoever that is.
- Only the browser holding the secret completes: it gets its own whole-profile device and
  session. Single use; a used, stopped or expired pairing is Gone (410), an unapproved one a
  Conflict (409).
- A code is two halves: the first finds the pairing it was meant for, the second proves it. The
  fifth wrong code for a pairing stops *that* pairing; a fresh one works at once, and the
  approving device is never locked out by it. Wrong codes also count per IP address
  (`pairing_rate_limit`), checked before any code is looked at.
- Looking at a code (the QR's GET, the confirmation page) never changes the pairing.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from groupbox.access import Actor
from groupbox.db.engine import DB
from groupbox.domain.audit import service as audit
from groupbox.domain.identity import ratelimit
from groupbox.domain.identity.service import device_label, load_actor, start_browser
from groupbox.domain.identity.store import pairings, sessions
from groupbox.errors import Conflict, Forbidden, Gone, Invalid, NotFound, RateLimited
from groupbox.i18n import _
from groupbox.util import as_utc, new_id, new_token, now, token_hash

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
CODE_LENGTH = 8
HALF = CODE_LENGTH // 2
TTL = timedelta(minutes=10)
MAX_WRONG = 5
SWEEP_AFTER = timedelta(days=1)

WAITING, APPROVED, USED, STOPPED, EXPIRED = "waiting", "approved", "used", "stopped", "expired"


@dataclass(frozen=True)
class Started:
    pairing_id: str  # the secret; only the new device has it
    code: str  # "K7QM-2XPA"
    expires_at: datetime


@dataclass(frozen=True)
class Completed:
    profile_id: str
    display_name: str
    device_id: str
    session_token: str


# -- codes ----------------------------------------------------------------------------------------
def _mac(key: str, purpose: str, text: str) -> str:
    return hmac.new(key.encode(), f"pairing-{purpose}:{text}".encode(), hashlib.sha256).hexdigest()


def code_for(key: str, secret: str) -> str:
    """The pairing's code, derived from its secret: the new device can show it again after a
    reload without the code ever being stored."""
    number = int(_mac(key, "code-of", secret), 16)
    chars = []
    for _i in range(CODE_LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def format_code(code: str) -> str:
    return f"{code[:HALF]}-{code[HALF:]}"


def clean_code(raw: str | None) -> str:
    """The one validator for a typed or scanned code: case, spaces and dashes do not matter."""
    code = "".join((raw or "").split()).replace("-", "").upper()
    if not code:
        raise Invalid(_("Please type the code the new device shows."), field="code")
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        raise Invalid(_("A code has 8 letters and digits, like K7QM-2XPA. Check it on the new device."),
                      field="code")
    return code


def _hashes(key: str, code: str) -> tuple[str, str]:
    return _mac(key, "lookup", code[:HALF]), _mac(key, "code", code)


def _state(row: dict, stamp: datetime) -> str:
    if row["completed_at"] is not None:
        return USED
    if row["stopped_at"] is not None:
        return STOPPED
    if as_utc(row["expires_at"]) <= stamp:
        return EXPIRED
    return APPROVED if row["approved_at"] is not None else WAITING


# What each side is told about a pairing that cannot go on.
def _gone_for_approver(state: str) -> Gone:
    return Gone({
        USED: _("This code was already used. If you want to link another device, open the link page there "
                "for a new code."),
        STOPPED: _("Too many wrong codes: this code no longer works. Show a new code on the new device and "
                   "type that one."),
        EXPIRED: _("This code has expired (codes work for 10 minutes). Show a new code on the new device."),
    }[state], field="code")


def gone_for_new_device(state: str) -> Gone:
    return Gone({
        USED: _("This code was already used. Show a new code to link this device."),
        STOPPED: _("This code was stopped after 5 wrong tries on the other device. Show a new code and try "
                   "again."),
        EXPIRED: _("This code has expired: codes work for 10 minutes. Show a new code and approve it on "
                   "your other device."),
    }[state])


# -- the new device -------------------------------------------------------------------------------
async def start(user_agent: str | None, *, key: str, ip: str, rate: str, replaces: str | None = None) -> Started:
    """Start pairing this (not signed-in) browser. `replaces` is the secret of its previous
    pairing, which stops: one browser shows one live code."""
    await ratelimit.hit(f"pairing-start:{ip}", rate)
    stamp = now()
    label = device_label(user_agent)
    async with DB.write():
        await pairings.pairings_sweep(stamp - SWEEP_AFTER)
        if replaces:
            await pairings.pairing_stop_by_secret(token_hash(replaces), stamp)
        while True:
            # A first half is unique among unexpired pairings, so a wrong code finds at most one.
            secret = new_token()
            code = code_for(key, secret)
            lookup_hash, code_hash = _hashes(key, code)
            if not await pairings.pairing_code_taken(code_hash, lookup_hash, stamp):
                break
        pairing_id = new_id()
        await pairings.pairing_add(pairing_id, secret_hash=token_hash(secret), lookup_hash=lookup_hash,
                                   code_hash=code_hash, label=label, user_agent=(user_agent or "")[:400], stamp=stamp,
                                   expires_at=stamp + TTL)
        await audit.record("device.link.start", actor_name=label, target_type="pairing", target_id=pairing_id,
                           target_name=label)
    return Started(secret, format_code(code), stamp + TTL)


async def status(secret: str | None, *, key: str) -> dict | None:
    """What the new device shows: {state, code, expires_at, label}, or None for no pairing."""
    if not secret or len(secret) > 200:
        return None
    row = await pairings.pairing_by_secret(token_hash(secret))
    if row is None:
        return None
    return {"state": _state(row, now()), "code": format_code(code_for(key, secret)),
            "expires_at": as_utc(row["expires_at"]), "label": row["label"]}


async def complete(secret: str | None, *, session_days: int = 365) -> Completed:
    """The new device, once approved, becomes a device of the approver's profile."""
    async with DB.write():  # one transaction: two presses of Continue cannot both get a session
        row = await pairings.pairing_by_secret(token_hash(secret or ""))
        if row is None or not secret or len(secret) > 200:
            raise NotFound(_("This pairing is not known here. Open the link page again to show a new code."))
        state = _state(row, now())
        if state == WAITING:
            raise Conflict(_("Not approved yet. On your other device, type the code (or scan the QR code) and "
                             "confirm; then continue here."))
        if state != APPROVED:
            raise gone_for_new_device(state)
        if not await sessions.device_is_live(row["approved_device_id"]):
            raise Gone(_("The device that approved this code was signed out meanwhile. Show a new code."))
        profile_id = row["approved_profile_id"]
        device_id, session_token = await start_browser(profile_id, row["user_agent"], session_days)
        await pairings.pairing_complete(row["id"], device_id, now())
        actor = await load_actor(profile_id, device_id)
        await audit.record("device.link.complete", actor=actor, target_type="device", target_id=device_id,
                           target_name=row["label"])
    return Completed(profile_id, actor.display_name, device_id, session_token)


# -- the approving device -------------------------------------------------------------------------
def may_approve(actor: Actor) -> None:
    if actor.scopes is not None:
        raise Forbidden(_("A connection token cannot link devices."))
    if not actor.whole_profile:
        raise Forbidden(_("This device is signed in to one group only, so it cannot link other devices. Approve "
                          "the code on a device that holds all your groups."))


async def _refuse_if_limited(ip: str, rate: str) -> None:
    """Past the limit of wrong codes, no code is even looked at: a right guess must not be told
    apart from a wrong one."""
    hits, limit = await ratelimit.hits(f"pairing:{ip}", rate)
    if hits >= limit:
        raise RateLimited(_("Too many wrong codes from here. Please wait a minute and try again."))


async def _wrong_code(row: dict | None, *, ip: str, rate: str, count: bool) -> NoReturn:
    """Count a wrong code (against its pairing when `count`, always against the IP) and raise."""
    stamp = now()
    stopped = row is not None and _state(row, stamp) == STOPPED
    if row is not None and count and _state(row, stamp) == WAITING:
        async with DB.write():
            stopped = await pairings.pairing_count_wrong(row["id"], MAX_WRONG, stamp)
    await ratelimit.hit(f"pairing:{ip}", rate)
    if stopped:
        raise _gone_for_approver(STOPPED)
    raise Invalid(_("That code is not right. Check it on the new device and type it again."), field="code")


async def _locate(actor: Actor, raw_code: str | None, *, key: str, ip: str, rate: str, count: bool) -> dict:
    may_approve(actor)
    await _refuse_if_limited(ip, rate)
    code = clean_code(raw_code)
    stamp = now()
    lookup_hash, code_hash = _hashes(key, code)
    row = await pairings.pairing_by_code(code_hash)
    if row is None:
        meant = await pairings.pairing_meant(lookup_hash, stamp)
        await _wrong_code(meant, ip=ip, rate=rate, count=count)
    state = _state(row, stamp)
    if state in (USED, STOPPED, EXPIRED):
        raise _gone_for_approver(state)
    if state == APPROVED and row["approved_profile_id"] != actor.profile_id:
        raise _gone_for_approver(USED)
    return {**row, "state": state, "code": format_code(code)}


def _shown(row: dict) -> dict:
    return {"label": row["label"], "code": row["code"], "created_at": as_utc(row["created_at"]),
            "expires_at": as_utc(row["expires_at"]), "approved": row["state"] == APPROVED}


async def look(actor: Actor, raw_code: str | None, *, key: str, ip: str, rate: str, count: bool = False) -> dict:
    """What the confirmation asks about: {label, code, created_at, expires_at, approved}. Changes
    nothing but the count of wrong codes: per IP always, against the pairing only with `count`
    (a typed code posted; not the QR's GET)."""
    return _shown(await _locate(actor, raw_code, key=key, ip=ip, rate=rate, count=count))


async def approve(actor: Actor, raw_code: str | None, *, key: str, ip: str, rate: str) -> dict:
    """Approve a code: the device that shows it may complete into this actor's profile.
    Approving the same code again from the same profile is a no-op."""
    row = await _locate(actor, raw_code, key=key, ip=ip, rate=rate, count=True)
    if row["state"] == APPROVED:
        return _shown(row)
    async with DB.write():
        stamp = now()
        changed = await pairings.pairing_approve(row["id"], profile_id=actor.profile_id, device_id=actor.device_id,
                                                 stamp=stamp)
        if not changed:  # stopped, expired or approved by someone else since it was read
            latest = _state(await pairings.pairing_get(row["id"]), stamp)
            raise _gone_for_approver(latest if latest in (STOPPED, EXPIRED) else USED)
        await audit.record("device.link.approve", actor=actor, target_type="pairing", target_id=row["id"],
                           target_name=row["label"])
    return _shown({**row, "state": APPROVED})
