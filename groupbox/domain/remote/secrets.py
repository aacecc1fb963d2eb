"""Connection tokens of other servers, encrypted at rest (SPEC §14: "stored server-side only,
encrypted at rest").

The key is `DATA/keys/remote-tokens.key` (32 random bytes, hex), made 0600 on first use; backups
carry it with the rest of `keys/`, so a restored instance still reads its connections. The cipher
is AES-256-GCM with the connection's id as associated data: a cipher text copied onto another
connection's row does not open. Stored as `v1.<urlsafe base64 of nonce + cipher text>`.
The plain token exists only in memory while a sync runs; it is never logged, never rendered.
"""

from __future__ import annotations

import base64
import os
import secrets as _random
from pathlib import Path

from groupbox.config import Config

KEY_FILE = "remote-tokens.key"
PREFIX = "v1."


class SecretError(RuntimeError):
    """The stored token cannot be read back (key missing or changed, row damaged)."""


def _write_key(path: Path) -> None:
    from groupbox.util import create_private

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{_random.token_hex(4)}")
    try:
        with create_private(partial) as handle:
            handle.write(_random.token_hex(32).encode())
            handle.flush()
            os.fsync(handle.fileno())
        os.link(partial, path)  # of two made at once, the first stays
    except FileExistsError:
        pass
    finally:
        partial.unlink(missing_ok=True)


def _key(config: Config) -> bytes:
    path = config.keys_dir / KEY_FILE
    if not path.exists():
        _write_key(path)
    try:
        key = bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError) as exc:
        raise SecretError(f"cannot read {path}: {getattr(exc, 'strerror', None) or 'not a key'}") from None
    if len(key) != 32:
        raise SecretError(f"{path} is not a 256-bit key")
    return key


def seal(config: Config, connection_id: str, token: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    sealed = AESGCM(_key(config)).encrypt(nonce, token.encode(), connection_id.encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def open_sealed(config: Config, connection_id: str, cipher: str) -> str:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not cipher.startswith(PREFIX):
        raise SecretError("unknown token cipher format")
    try:
        raw = base64.urlsafe_b64decode(cipher[len(PREFIX):].encode())
        return AESGCM(_key(config)).decrypt(raw[:12], raw[12:], connection_id.encode()).decode()
    except (InvalidTag, ValueError):
        raise SecretError("the stored token does not open with this server's key") from None


def hint(token: str) -> str:
    """What a person sees of a token: its last four characters."""
    return token[-4:]
