"""Groups, their members and the invites that bring people in."""

from piccolo.columns import Boolean, Integer, Text, Varchar
from piccolo.table import Table

from groupbox.db.columns import created_column, id_column, optional_time, ref
from groupbox.db.engine import DB


class Group(Table, tablename="grp", db=DB):
    id = id_column()
    name = Varchar(length=80)
    purpose = Text(default="")
    timezone = Varchar(length=64)
    members_post_official = Boolean(default=False)
    members_upload = Boolean(default=True)
    color_index = Integer(default=0)
    expected_size = Integer(null=True, default=None)
    seq = Integer(default=0)
    created_by_id = ref(null=True)
    created_at = created_column()
    updated_at = created_column()


class Invite(Table, tablename="invite", db=DB):
    id = id_column()
    group_id = ref()
    token_hash = Varchar(length=64, unique=True)
    role = Varchar(length=16, default="member")
    max_uses = Integer(null=True, default=None)
    uses = Integer(default=0)
    needs_approval = Boolean(default=False)
    label = Varchar(length=80, default="")
    created_by = Varchar(length=24, null=True, default=None)
    created_at = created_column()
    expires_at = optional_time()
    revoked_at = optional_time()


class Member(Table, tablename="member", db=DB):
    """A person in one group. `profile` is cleared when an admin resets their access."""

    id = id_column()
    group_id = ref()
    profile_id = ref(null=True)
    display_name = Varchar(length=80)
    role = Varchar(length=16, default="member")
    status = Varchar(length=16, default="active")
    invite_id = ref(null=True)
    notifications_on = Boolean(default=False)
    joined_at = created_column()
    left_at = optional_time()
    last_seen_at = optional_time()


class InviteView(Table, tablename="invite_view", db=DB):
    """A browser viewed a join page ("opened" in the migration funnel). Nothing is spent."""

    id = id_column()
    invite_id = ref()
    browser = Varchar(length=64)
    viewed_at = created_column()
