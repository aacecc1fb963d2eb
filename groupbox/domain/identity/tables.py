"""People, their browsers and their sessions.

Every browser that joins a group gets a Device, and every Device belongs to a Profile. A profile
starts implicit (no email, no passkey, one device): that is what "linked to the same device"
means in SPEC §6.1. Adding a verified email, a passkey or a second device makes it durable.
"""

from piccolo.columns import Boolean, Integer, Text, Varchar
from piccolo.table import Table

from groupbox.db.columns import created_column, id_column, optional_time, ref
from groupbox.db.engine import DB


class Profile(Table, tablename="profile", db=DB):
    id = id_column()
    display_name = Varchar(length=80)
    is_owner = Boolean(default=False)
    email = Varchar(length=254, null=True, default=None)
    email_verified_at = optional_time()
    ics_secret = Varchar(length=64, null=True, default=None)
    last_visit_at = optional_time()
    language = Varchar(length=8, default="")  # chosen on /me; "" = none
    created_at = created_column()


class Device(Table, tablename="device", db=DB):
    id = id_column()
    profile_id = ref()
    label = Varchar(length=80)
    user_agent = Text(default="")
    created_at = created_column()
    last_seen_at = created_column()
    revoked_at = optional_time()


class Session(Table, tablename="session", db=DB):
    id = id_column()
    token_hash = Varchar(length=64, unique=True)
    device_id = ref()
    created_at = created_column()
    last_seen_at = created_column()
    expires_at = created_column()
    revoked_at = optional_time()


class SignInToken(Table, tablename="signin_token", db=DB):
    """One-time links that sign a browser in: the owner's, or an admin's "resend access"."""

    id = id_column()
    token_hash = Varchar(length=64, unique=True)
    profile_id = ref(null=True)
    member_id = Varchar(length=24, null=True, default=None)
    created_by = Varchar(length=24, null=True, default=None)
    created_at = created_column()
    expires_at = created_column()
    used_at = optional_time()
    attempts = Integer(default=0)
