"""Small shared helpers: ids, tokens, time."""

from __future__ import annotations

import hashlib
import ipaddress
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

# The demo writes weeks of history through the same services as real use; it sets the clock
# for each step instead of editing timestamps afterwards. Nothing else sets it.
_clock: ContextVar[datetime | None] = ContextVar("groupbox_clock", default=None)


def _urlsafe(nbytes: int) -> str:
    """URL-safe random text that never starts with "-" or "_", so it can be typed as a command-line
    argument (`groupbox invite -WVY…` would read as an option)."""
    while True:
        text = secrets.token_urlsafe(nbytes)
        if text[0].isalnum():
            return text


def new_id() -> str:
    """URL-safe object id (96 bits)."""
    return _urlsafe(12)


def new_token() -> str:
    """URL-safe secret token (256 bits); store only `token_hash(token)`."""
    return _urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def now() -> datetime:
    override = _clock.get()
    return override if override is not None else datetime.now(UTC)


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Run a block as if it were `moment` (aware). Used by the demo loader only."""
    token = _clock.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _clock.reset(token)


def as_utc(value: datetime) -> datetime:
    """Aware UTC; a naive value from storage is UTC by convention."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def create_private(path: Path) -> BinaryIO:
    """A new file (never an existing one) that only the server's user can read: keys, backups,
    mail with live links, stored files."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def is_local_host(host: str) -> bool:
    """A loopback, private or link-local address, or a name only a local network resolves."""
    host = (host or "").strip("[]").lower()
    if host in ("localhost", "") or host.endswith((".local", ".lan", ".home.arpa", ".localhost")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local
