"""Small shared helpers: ids, tokens, time."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime


def new_id() -> str:
    """URL-safe object id (96 bits)."""
    return secrets.token_urlsafe(12)


def new_token() -> str:
    """URL-safe secret token (256 bits); store only `token_hash(token)`."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Aware UTC; a naive value from storage is UTC by convention."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
