"""Getting back in by email: "Lost access?" (SPEC §6.5, second half).

Rules:
- Anyone may ask for a recovery link for an address. The answer never says whether the address
  is known: only a *verified* address of a profile gets mail, and the work done before answering
  is the same either way (the mail itself goes out after the answer, see `recovery_deliver`).
- Requests count per IP address (`recovery_rate_limit`) and per address (`ADDRESS_RATE`, known
  or not, so a refusal tells nothing either). The address is counted by its hash: the addresses
  strangers type are never stored.
- A recovery link is random (256 bits), stored only as a hash, valid 30 minutes, single use. Its
  GET only looks; spending it signs *that* browser in to the whole profile (a new device and
  session). Spending one spends every other open recovery link of the profile.
- The link works only while the address is still the profile's verified one.
- A browser signed in as someone else keeps its session: the link is refused (Conflict) and not
  spent, so it still works in a private window.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from groupbox.access import Actor
from groupbox.config import Config
from groupbox.db.engine import DB
from groupbox.domain.audit import service as audit
from groupbox.domain.identity import ratelimit
from groupbox.domain.identity.email import clean_email
from groupbox.domain.identity.service import SignInResult, device_label, get_profile, start_browser
from groupbox.domain.identity.store import emails, profiles
from groupbox.domain.notify import mail
from groupbox.errors import Conflict, Gone, NotFound
from groupbox.i18n import _
from groupbox.util import as_utc, new_id, new_token, now, token_hash

log = logging.getLogger("groupbox.recovery")

PURPOSE = "recover"
TTL = timedelta(minutes=30)
ADDRESS_RATE = "5/hour"
SWEEP_AFTER = timedelta(days=1)


@dataclass
class Requested:
    """What a request leaves to do after answering: the mails (none for an unknown address)."""

    mails: list[mail.Mail] = field(default_factory=list)


async def recovery_request(raw_email: str | None, *, config: Config, ip: str) -> Requested:
    """Ask for a recovery link. Raises Invalid (not an address) or RateLimited; otherwise the
    same answer whether or not the address belongs to anyone."""
    await ratelimit.hit(f"recovery:{ip}", config.recovery_rate_limit)
    email = clean_email(raw_email)
    await ratelimit.hit(f"recovery-address:{token_hash(email.lower())}", ADDRESS_RATE)
    stamp = now()
    requested = Requested()
    async with DB.write():
        await emails.email_tokens_sweep(PURPOSE, stamp - SWEEP_AFTER)
        for profile in await profiles.profiles_with_verified_email(email):
            token = new_token()
            await emails.email_token_add(new_id(), profile_id=profile["id"], email=profile["email"], purpose=PURPOSE,
                                         token_hash=token_hash(token), stamp=stamp, expires_at=stamp + TTL)
            await audit.record("recovery.request", actor_name=profile["display_name"], target_type="profile",
                               target_id=profile["id"], target_name=profile["display_name"])
            requested.mails.append(_mail(config, profile, token))
    return requested


def _mail(config: Config, profile: dict, token: str) -> mail.Mail:
    link = f"{config.base_url}/recover/{token}"
    text = _("Hello {name},\n\nsomeone (hopefully you) asked to get back into {server} on a new device. "
             "Open this link on that device to sign in:\n\n{link}\n\n"
             "The link works once, for 30 minutes. If you did not ask for this, ignore this mail: "
             "nothing changes without the link.",
             name=profile["display_name"], server=config.name, link=link)
    return mail.Mail(profile["email"], _("Your sign-in link for {server}", server=config.name), text)


async def recovery_deliver(config: Config, requested: Requested) -> None:
    """Send what a request left to do. Runs after the answer; a failure is logged, never shown
    (the answer must not differ for a known address)."""
    for item in requested.mails:
        try:
            await mail.send(config, item)
        except OSError as exc:  # smtplib.SMTPException is one
            log.warning("could not send a recovery link: %s", exc)


async def _link_row(token: str) -> dict:
    row = await emails.email_token_with_profile(token_hash(token or ""), PURPOSE)
    if row is None or not token or len(token) > 200:
        raise NotFound(_("This recovery link is not valid. Ask for a new one."))
    if row["used_at"] is not None:
        raise Gone(_("This recovery link was already used. Ask for a new one."))
    if as_utc(row["expires_at"]) <= now():
        raise Gone(_("This recovery link has expired: links work for 30 minutes. Ask for a new one."))
    if row["email_verified_at"] is None or (row["profile_email"] or "").lower() != row["email"].lower():
        raise Gone(_("The email address changed since this link was sent. Ask for a new one."))
    return row


def _refuse_someone_else(row: dict, current: Actor | None) -> None:
    if current is not None and current.profile_id != row["profile_id"]:
        raise Conflict(_("This link is for {name}, but this browser is signed in as someone else. Open it in a "
                         "private window or another browser.", name=row["display_name"]))


async def recovery_link_state(token: str, *, current: Actor | None) -> dict:
    """What the link's page shows: {display_name, expires_at}. Raises NotFound, Gone, or
    Conflict (signed in as someone else). Spends nothing."""
    row = await _link_row(token)
    _refuse_someone_else(row, current)
    return {"display_name": row["display_name"], "expires_at": as_utc(row["expires_at"])}


async def recovery_consume(token: str, *, current: Actor | None, user_agent: str | None,
                           session_days: int = 365) -> SignInResult:
    """Spend a recovery link: this browser gets a new device and session for the whole profile
    (none when it already holds the whole profile)."""
    async with DB.write():  # one transaction: two presses cannot both get a session
        row = await _link_row(token)
        _refuse_someone_else(row, current)
        profile_id = row["profile_id"]
        await emails.email_tokens_spend_of_profile(profile_id, PURPOSE, now())
        if current is not None and current.whole_profile:
            return SignInResult(profile_id, None, "/")
        device_id, session_token = await start_browser(profile_id, user_agent, session_days)
        profile = await get_profile(profile_id)
        await audit.record("recovery.signin", actor_name=profile["display_name"], target_type="device",
                           target_id=device_id, target_name=device_label(user_agent))
    return SignInResult(profile_id, session_token, "/")
