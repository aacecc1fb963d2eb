"""Column helpers shared by every context's tables.

References are plain `*_id` VARCHAR columns; the foreign keys themselves (with their ON DELETE
rules) are declared in the hand-written migrations, so raw SQL and Piccolo agree on names.
"""

from __future__ import annotations

from piccolo.columns import Timestamptz, Varchar

from groupbox.util import new_id


def id_column() -> Varchar:
    return Varchar(length=24, primary_key=True, default=new_id)


def ref(null: bool = False) -> Varchar:
    return Varchar(length=24, null=null, default=None if null else "")


def created_column() -> Timestamptz:
    return Timestamptz()


def optional_time() -> Timestamptz:
    return Timestamptz(null=True, default=None)
