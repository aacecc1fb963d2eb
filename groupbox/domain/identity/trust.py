"""Trust levels (SPEC §6.1): how durable a person's access is, and the one next gentle step.

Identity grows on the person's terms. Nobody is ever asked to "create an account"; /me shows
where they stand and offers exactly one next step:

| level             | reached when                                      | next step offered                  |
|-------------------|---------------------------------------------------|------------------------------------|
| invite member     | joined through an invite; this browser only       | Save access on this device         |
| claimed browser   | this browser is saved (named) as theirs           | Link another device                |
| (two devices)     | a second device is linked                         | Add a recovery email               |
| verified contact  | a recovery email is confirmed                     | Protect access with a passkey      |
| passkey           | a passkey is registered                           | —                                  |
| home profile      | a passkey, a confirmed email and two devices      | —                                  |
"""

from __future__ import annotations

from dataclasses import dataclass

from groupbox.access import Actor, require_whole_profile
from groupbox.domain.identity.store import profiles, sessions
from groupbox.i18n import N_, _
from groupbox.util import now

LEVELS = (N_("invite member"), N_("claimed browser"), N_("verified contact"), N_("passkey"), N_("home profile"))


@dataclass(frozen=True)
class NextStep:
    key: str
    title: str
    text: str
    href: str


@dataclass(frozen=True)
class Trust:
    level: str
    devices: int
    email_verified: bool
    passkeys: int
    device_saved: bool
    next_step: NextStep | None

    @property
    def rank(self) -> int:
        return LEVELS.index(self.level)


async def trust(actor: Actor) -> Trust:
    """Where this person stands (for a whole-profile device; a one-group device is "invite
    member" with no step: its steps belong to the person's own device)."""
    row = await profiles.profile_trust_counts(actor.profile_id)
    saved_at = await sessions.device_saved_at(actor.device_id) if actor.device_id else None
    devices, passkeys, verified = int(row["devices"]), int(row["passkeys"]), bool(row["verified"])
    device_saved = saved_at is not None or devices > 1
    if passkeys and verified and devices > 1:
        level = "home profile"
    elif passkeys:
        level = "passkey"
    elif verified:
        level = "verified contact"
    elif device_saved:
        level = "claimed browser"
    else:
        level = "invite member"
    step = None if not actor.whole_profile else _next_step(device_saved, devices, verified, passkeys)
    return Trust(level, devices, verified, passkeys, device_saved, step)


def _next_step(saved: bool, devices: int, verified: bool, passkeys: int) -> NextStep | None:
    if not saved:
        return NextStep("save", _("Save access on this device"),
                        _("Keep this browser as yours: give it a name you will recognise in your device list."),
                        "/me#save-device")
    if devices < 2:
        return NextStep("link", _("Link another device"),
                        _("Open your groups on a second phone or computer too, so one lost phone locks nothing."),
                        "/link/approve")
    if not verified:
        return NextStep("email", _("Add a recovery email"),
                        _("If every device is lost, a link to this address gets you back in."), "/me#email")
    if not passkeys:
        return NextStep("passkey", _("Protect access with a passkey"),
                        _("Sign in with your phone's fingerprint or face, on any device."), "/me#passkeys")
    return None


async def save_device(actor: Actor, label: str | None = None) -> None:
    """"Save access on this device": the person keeps this browser as theirs (and may name it)."""
    from groupbox.domain.identity import service as identity

    require_whole_profile(actor)
    if label:
        await identity.device_rename(actor, actor.device_id, label)
    await sessions.device_mark_saved(actor.device_id, actor.profile_id, now())
