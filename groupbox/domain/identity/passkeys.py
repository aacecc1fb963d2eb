"""Passkeys (SPEC §6.6): real WebAuthn through the `webauthn` package.

Rules:
- The relying party is the configured public URL: its host is the RP id, scheme://host[:port]
  the origin. Browsers accept neither an IP address as RP id nor plain http except at
  `localhost`, so on such a URL passkeys are unavailable and say why (everything else works).
- Only a device that holds the whole profile registers a passkey (not a one-group device, not a
  token). Passkeys are discoverable (resident key required) so a fresh device signs in without
  typing anything; user verification is preferred, not required.
- Challenges are stored only as SHA-256 hashes, are single use (taken before verifying, so a
  failed answer spends them too) and live five minutes. A registration challenge belongs to the
  profile that asked for it.
- A sign-in with a passkey is a new device and session for the passkey's profile. A counter that
  does not move forward (when the authenticator keeps one) refuses the sign-in and is audited:
  the passkey may have been copied.
- Every attempt counts against `passkey_rate_limit` per IP address. Register, remove and sign-in
  are audited.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from groupbox.access import Actor, require_whole_profile
from groupbox.config import Config
from groupbox.db.engine import DB
from groupbox.domain.audit import service as audit
from groupbox.domain.identity import ratelimit
from groupbox.domain.identity import service as identity
from groupbox.domain.identity.store import passkeys as keys
from groupbox.errors import Conflict, DomainError, Invalid, NotFound
from groupbox.i18n import _
from groupbox.util import as_utc, new_id, now

if TYPE_CHECKING:
    from webauthn.helpers.structs import AuthenticatorTransport

# `webauthn` (its attestation formats, cryptography's x509) is imported by the functions that use
# it, not at start: most workers never see a passkey (issue 17: idle RSS and start time).

CHALLENGE_TTL = timedelta(minutes=5)
NAME_MAX = 60
TIMEOUT_MS = 120_000
_DEFAULT_PORTS = {"http": 80, "https": 443}


class PasskeyRefused(DomainError):
    """A WebAuthn answer that does not verify: forged, malformed, stale or for another server."""

    status_code = 400


@dataclass(frozen=True)
class RelyingParty:
    id: str
    origin: str
    name: str


@dataclass(frozen=True)
class PasskeySignIn:
    profile_id: str
    device_id: str | None
    session_token: str | None  # None when this browser was already signed in as that person
    redirect: str


def relying_party(config: Config) -> RelyingParty | None:
    """The RP id and origin from the public URL, or None where browsers refuse passkeys."""
    parts = urlsplit(config.base_url)
    host = (parts.hostname or "").lower()
    try:
        ipaddress.ip_address(host)
        return None  # WebAuthn never takes an IP address as RP id
    except ValueError:
        pass
    local = host == "localhost" or host.endswith(".localhost")
    if not host or (parts.scheme != "https" and not local):
        return None  # browsers offer WebAuthn on https only (and at localhost)
    port = parts.port if parts.port and parts.port != _DEFAULT_PORTS.get(parts.scheme) else None
    origin = f"{parts.scheme}://{host}" + (f":{port}" if port else "")
    return RelyingParty(host, origin, config.name)


def unavailable_reason(config: Config) -> str | None:
    if relying_party(config) is not None:
        return None
    return _("Passkeys need this server to be opened by its name over https (or at localhost while "
             "developing), not by an IP address or plain http. Ask the admin; everything else works without them.")


def _rp(config: Config) -> RelyingParty:
    rp = relying_party(config)
    if rp is None:
        raise Conflict(unavailable_reason(config))
    return rp


def clean_passkey_name(raw: str | None) -> str:
    """The one validator for a passkey's name: 1–60 visible characters, no markup."""
    name = " ".join((raw or "").split())
    if not name or len(name) > NAME_MAX or re.search(r"[<>]", name) or any(ord(ch) < 32 for ch in name):
        raise Invalid(_("Give the passkey a name of 1 to {n} characters (no < or >).", n=NAME_MAX), field="name")
    return name


# -- challenges ---------------------------------------------------------------------------------
def _hash(challenge: bytes) -> str:
    return hashlib.sha256(challenge).hexdigest()


async def _store_challenge(challenge: bytes, purpose: str, profile_id: str | None) -> None:
    stamp = now()
    async with DB.write():
        await keys.challenge_add(_hash(challenge), purpose=purpose, profile_id=profile_id, stamp=stamp,
                                 expires_at=stamp + CHALLENGE_TTL)


def _b64(value: Any) -> bytes:
    import webauthn

    if not isinstance(value, str) or len(value) > 20_000:
        raise ValueError("not base64url")
    return webauthn.base64url_to_bytes(value)


def _client_challenge(credential: dict) -> bytes:
    """The challenge the browser says it answered, read from clientDataJSON."""
    try:
        client_data = json.loads(_b64(credential["response"]["clientDataJSON"]))
        return _b64(client_data["challenge"])
    except (KeyError, TypeError, ValueError, UnicodeDecodeError):
        raise PasskeyRefused(_("That is not a passkey answer this server can read.")) from None


async def _take_challenge(credential: dict, purpose: str, profile_id: str | None) -> bytes:
    """Spend the challenge the answer is for (single use), or refuse."""
    challenge = _client_challenge(credential)
    async with DB.write():
        row = await keys.challenge_take(_hash(challenge), purpose)
    if row is None or as_utc(row["expires_at"]) <= now() or row["profile_id"] != profile_id:
        raise PasskeyRefused(_("This passkey request has expired or was already used. Please try again."))
    return challenge


# -- registering --------------------------------------------------------------------------------
def _transports(text: str) -> list[AuthenticatorTransport]:
    from webauthn.helpers.structs import AuthenticatorTransport

    known = {t.value: t for t in AuthenticatorTransport}
    return [known[t] for t in text.split(",") if t in known]


async def register_options(actor: Actor, config: Config, *, ip: str) -> dict:
    """Options for `navigator.credentials.create()` (as JSON) for this person's next passkey."""
    import webauthn
    from webauthn.helpers.structs import (
        AuthenticatorSelectionCriteria,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    require_whole_profile(actor)
    rp = _rp(config)
    await ratelimit.hit(f"passkey:{ip}", config.passkey_rate_limit)
    existing = await keys.passkeys_of(actor.profile_id)
    options = webauthn.generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=actor.profile_id.encode(),  # random, never personal data; comes back as userHandle
        user_name=actor.display_name,
        user_display_name=actor.display_name,
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=webauthn.base64url_to_bytes(r["credential_id"]),
                                          transports=_transports(r["transports"]) or None)
            for r in existing
        ],
    )
    await _store_challenge(options.challenge, "register", actor.profile_id)
    return json.loads(webauthn.options_to_json(options))


async def register_verify(actor: Actor, config: Config, credential: dict, *, name: str | None,
                          user_agent: str | None, ip: str) -> dict:
    """Check the browser's answer and keep the new passkey; returns it."""
    import webauthn
    from webauthn.helpers import bytes_to_base64url

    require_whole_profile(actor)
    rp = _rp(config)
    await ratelimit.hit(f"passkey:{ip}", config.passkey_rate_limit)
    label = clean_passkey_name(name) if name else None
    challenge = await _take_challenge(credential, "register", actor.profile_id)
    try:
        verified = webauthn.verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp.id,
            expected_origin=rp.origin, require_user_verification=False,
        )
    except Exception as exc:  # the library raises many kinds on input it cannot parse
        raise PasskeyRefused(_("The passkey could not be checked ({reason}). Nothing was saved.",
                               reason=_reason(exc))) from None
    label = label or default_name(str(verified.aaguid), user_agent)
    credential_id = bytes_to_base64url(verified.credential_id)
    transports = credential.get("response", {}).get("transports")
    transports = ",".join(t for t in transports if isinstance(t, str))[:200] if isinstance(transports, list) else ""
    passkey_id = new_id()
    async with DB.write():
        if await keys.passkey_by_credential(credential_id):
            raise Conflict(_("This passkey is already registered."))
        await keys.passkey_add(passkey_id, profile_id=actor.profile_id, credential_id=credential_id,
                               public_key=bytes_to_base64url(verified.credential_public_key),
                               sign_count=verified.sign_count, name=label, aaguid=str(verified.aaguid)[:36],
                               transports=transports, backed_up=bool(verified.credential_backed_up),
                               created_at=now())
        await audit.record("passkey.register", actor=actor, target_type="passkey", target_id=passkey_id,
                           target_name=label)
    return await _own(actor, passkey_id)


# Where common passkeys live, by the AAGUID their authenticator reports (so the list says
# "iCloud Keychain" rather than a browser's name); anything else is named after this device.
PROVIDERS = {
    "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4": "Google Password Manager",
    "fbfc3007-154e-4ecc-8c0b-6e020557d7bd": "iCloud Keychain",
    "adce0002-35bc-c60a-648b-0b25f1f05503": "Chrome on Mac",
    "08987058-cadc-4b81-b6e1-30de50dcbe96": "Windows Hello",
    "9ddd1817-af5a-4672-a2b9-3e3dd95000a9": "Windows Hello",
    "6028b017-b1d4-4c02-b4b3-afcdafc96bb2": "Windows Hello",
    "bada5566-a7aa-401f-bd96-45619a55120d": "1Password",
    "d548826e-79b4-db40-a3d8-11116f7e8349": "Bitwarden",
}


def default_name(aaguid: str, user_agent: str | None) -> str:
    return PROVIDERS.get(aaguid.lower()) or _("Passkey · {device}", device=identity.device_label(user_agent))


def _reason(exc: Exception) -> str:
    """A short, safe reason from the library's message (never a traceback)."""
    text = str(exc).split(". See __cause__")[0].strip() or type(exc).__name__
    return text[:160]


# -- signing in ---------------------------------------------------------------------------------
async def login_options(config: Config, *, ip: str) -> dict:
    """Options for `navigator.credentials.get()`: any passkey of this server (discoverable)."""
    import webauthn
    from webauthn.helpers.structs import UserVerificationRequirement

    rp = _rp(config)
    await ratelimit.hit(f"passkey:{ip}", config.passkey_rate_limit)
    options = webauthn.generate_authentication_options(
        rp_id=rp.id, timeout=TIMEOUT_MS, user_verification=UserVerificationRequirement.PREFERRED,
    )
    await _store_challenge(options.challenge, "login", None)
    return json.loads(webauthn.options_to_json(options))


def _credential_key(credential: dict) -> str:
    from webauthn.helpers import bytes_to_base64url

    try:
        return bytes_to_base64url(_b64(credential["rawId"]))
    except (KeyError, TypeError, ValueError):
        raise PasskeyRefused(_("That is not a passkey answer this server can read.")) from None


def _handle_matches(handle: Any, profile_id: str) -> bool:
    """The user handle, when the authenticator sends one, is the profile id given at registration."""
    if handle is None or handle == "":
        return True
    try:
        return _b64(handle) == profile_id.encode()
    except ValueError:
        return False


async def login_verify(config: Config, credential: dict, *, current: Actor | None, user_agent: str | None,
                       ip: str, session_days: int = 365) -> PasskeySignIn:
    """Sign this browser in with a passkey: a new device and session for its profile."""
    import webauthn

    rp = _rp(config)
    await ratelimit.hit(f"passkey:{ip}", config.passkey_rate_limit)
    challenge = await _take_challenge(credential, "login", None)
    passkey = await keys.passkey_by_credential(_credential_key(credential))
    if passkey is None:
        raise PasskeyRefused(_("This passkey is not registered here (it may have been removed). Sign in another "
                               "way, then add it again on your Me page."))
    if not _handle_matches((credential.get("response") or {}).get("userHandle"), passkey["profile_id"]):
        raise PasskeyRefused(_("This passkey answer names another person than its passkey."))
    try:
        # Counter 0 here: the signature is checked first, the counter below (so an entry about a
        # copied passkey is only ever written for a genuine signature).
        verified = webauthn.verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp.id, expected_origin=rp.origin,
            credential_public_key=webauthn.base64url_to_bytes(passkey["public_key"]),
            credential_current_sign_count=0, require_user_verification=False,
        )
    except Exception as exc:  # the library raises many kinds on input it cannot parse
        raise PasskeyRefused(_("The passkey could not be checked ({reason}).", reason=_reason(exc))) from None
    profile = await identity.get_profile(passkey["profile_id"])
    if (verified.new_sign_count or passkey["sign_count"]) and verified.new_sign_count <= passkey["sign_count"]:
        await audit.record("passkey.clone_suspected", actor_name=profile["display_name"], target_type="passkey",
                           target_id=passkey["id"], target_name=passkey["name"],
                           detail=f"counter {verified.new_sign_count} after {passkey['sign_count']}")
        raise PasskeyRefused(_("This passkey's counter went backwards, so it may have been copied. Sign in another "
                               "way and remove it on your Me page."))
    if current is not None and current.profile_id != passkey["profile_id"]:
        raise Conflict(_("This browser is signed in as someone else. Sign out first, then use your passkey."))
    stamp = now()
    async with DB.write():
        await keys.passkey_used(passkey["id"], sign_count=verified.new_sign_count,
                                backed_up=bool(verified.credential_backed_up), stamp=stamp)
        if current is not None and current.whole_profile:
            return PasskeySignIn(current.profile_id, current.device_id, None, "/")
        device_id = await identity.create_device(passkey["profile_id"], user_agent)
        token = await identity.create_session(device_id, session_days)
        await audit.record("passkey.signin", actor_name=profile["display_name"], target_type="device",
                           target_id=device_id, target_name=identity.device_label(user_agent),
                           detail=f"passkey {passkey['name']}"[:200])
    return PasskeySignIn(passkey["profile_id"], device_id, token, "/")


# -- the person's list --------------------------------------------------------------------------
async def passkeys(actor: Actor) -> list[dict]:
    """This person's passkeys, newest first (none for a one-group device)."""
    if not actor.whole_profile:
        return []
    return [_public(r) for r in await keys.passkeys_of(actor.profile_id)]


def _public(row: dict) -> dict:
    return {"id": row["id"], "name": row["name"], "created_at": row["created_at"],
            "last_used_at": row["last_used_at"], "synced": bool(row["backed_up"])}


async def _own(actor: Actor, passkey_id: str) -> dict:
    require_whole_profile(actor)
    row = await keys.passkey_of(passkey_id, actor.profile_id)
    if row is None:
        raise NotFound(_("That passkey is not in your list."))
    return _public(row)


async def passkey_rename(actor: Actor, passkey_id: str, name: str) -> dict:
    await _own(actor, passkey_id)
    clean = clean_passkey_name(name)
    await keys.passkey_set_name(passkey_id, actor.profile_id, clean)
    return await _own(actor, passkey_id)


async def passkey_remove(actor: Actor, passkey_id: str) -> None:
    """Forget a passkey: its credential signs nobody in any more (the copy on the phone or in the
    password manager stays there until the person deletes it)."""
    row = await _own(actor, passkey_id)
    async with DB.write():
        await keys.passkey_delete(passkey_id, actor.profile_id)
        await audit.record("passkey.remove", actor=actor, target_type="passkey", target_id=passkey_id,
                           target_name=row["name"])


async def has_passkey(profile_id: str) -> bool:
    """For trust levels and "resend access": does this profile have a passkey?"""
    return await keys.passkey_exists(profile_id)
