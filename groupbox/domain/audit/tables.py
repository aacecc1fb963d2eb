"""The audit log: who did what to whom, and when (SPEC §6.7). Never holds a token."""

from piccolo.columns import Text, Varchar
from piccolo.table import Table

from groupbox.db.columns import created_column, id_column
from groupbox.db.engine import DB


class AuditEntry(Table, tablename="audit_entry", db=DB):
    id = id_column()
    group_id = Varchar(length=24, null=True, default=None, index=True)
    actor_profile_id = Varchar(length=24, null=True, default=None)
    actor_name = Varchar(length=80, default="")
    action = Varchar(length=48)
    target_type = Varchar(length=24, default="")
    target_id = Varchar(length=24, null=True, default=None)
    target_name = Varchar(length=120, default="")
    detail = Text(default="")
    created_at = created_column()
