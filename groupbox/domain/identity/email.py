"""A person's email address: added on /me, verified by a link (SPEC §6.5, first half).

Rules: one address per profile; changing it un-verifies it until the new link is used;
verification links are single use, hashed, valid 24 hours; only verified addresses get mail.
"""

from __future__ import annotations

import re
from datetime import timedelta

from groupbox.access import Actor, require_whole_profile
from groupbox.config import Config
from groupbox.db.engine import DB
from groupbox.domain.groups import store as groups_store
from groupbox.domain.identity.store import emails, profiles
from groupbox.domain.notify import mail
from groupbox.errors import Gone, Invalid, NotFound
from groupbox.i18n import _
from groupbox.util import as_utc, new_id, new_token, now, token_hash

PURPOSE = "verify"
VERIFY_TTL = timedelta(hours=24)
_EMAIL_RE = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")


def clean_email(raw: str | None) -> str:
    email = (raw or "").strip()
    if not email:
        raise Invalid(_("Please enter your email address."), field="email")
    if len(email) > 254 or not _EMAIL_RE.match(email):
        raise Invalid(_("That doesn't look like an email address (like anna@example.org)."), field="email")
    local, _at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


async def email_start(actor: Actor, raw_email: str, config: Config) -> str:
    """Store the address (unverified) and mail a verification link; returns the address. The
    address recovers the whole profile, so only a device that holds the whole profile sets it."""
    require_whole_profile(actor)
    email = clean_email(raw_email)
    token = new_token()
    stamp = now()
    async with DB.write():
        await profiles.profile_set_email(actor.profile_id, email)
        await emails.email_token_add(new_id(), profile_id=actor.profile_id, email=email, purpose=PURPOSE,
                                     token_hash=token_hash(token), stamp=stamp, expires_at=stamp + VERIFY_TTL)
    link = f"{config.base_url}/email/verify/{token}"
    text = _("Hello {name},\n\nplease confirm that this is your address for groupbox:\n\n{link}\n\n"
             "The link works once, for 24 hours. If you did not ask for this, ignore this mail.",
             name=actor.display_name, link=link)
    await mail.send(config, mail.Mail(email, _("Confirm your email address"), text))
    return email


async def _token_row(token: str) -> dict:
    row = await emails.email_token_get(token_hash(token or ""), PURPOSE)
    if row is None:
        raise NotFound(_("This confirmation link is not valid."))
    if row["used_at"] is not None:
        raise Gone(_("This confirmation link was already used."))
    if as_utc(row["expires_at"]) <= now():
        raise Gone(_("This confirmation link has expired. Add your address again on your Me page."))
    return row


async def verify_state(token: str) -> dict:
    row = await _token_row(token)
    return {"email": row["email"]}


async def verify(token: str) -> str:
    """Spend a verification link: the address becomes verified (if it is still the profile's)."""
    async with DB.write():
        row = await _token_row(token)
        stamp = now()
        await emails.email_token_spend(row["id"], stamp)
        if not await profiles.profile_verify_email(row["profile_id"], row["email"], stamp):
            raise Gone(_("Your address changed since this link was sent. Use the newest link."))
        await groups_store.member_set_notifications_on_for_profile(row["profile_id"])
    return row["email"]


async def email_remove(actor: Actor) -> None:
    require_whole_profile(actor)
    await profiles.profile_clear_email(actor.profile_id)
