"""Errors the storage layer raises the same way on both engines.

`except IntegrityError:` catches a constraint that refused a write (unique, foreign key, check,
not null) on SQLite and on PostgreSQL alike; the PostgreSQL engine raises `ConstraintViolation`
for asyncpg's integrity errors, so no module outside `groupbox/db` names either driver.
"""

from __future__ import annotations

import sqlite3


class ConstraintViolation(Exception):
    """A constraint refused a write on PostgreSQL (asyncpg's IntegrityConstraintViolationError)."""


IntegrityError: tuple[type[Exception], ...] = (sqlite3.IntegrityError, ConstraintViolation)


def is_database_error(exc: BaseException) -> bool:
    """Did the database fail or refuse (on either engine), rather than our own code?"""
    return isinstance(exc, sqlite3.Error | ConstraintViolation) or type(exc).__module__.startswith("asyncpg")
