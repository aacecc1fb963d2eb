"""Sealing backups: the instance's signature on a backup's manifest, and passphrase encryption.
`groupbox.backup` writes and reads the archives; this module holds the cryptography.

Signing. Every instance has an Ed25519 key, `DATA/keys/backup-signing.key` (made by `init`, or by
the first backup of an instance made before it existed). A backup carries the signature of its
manifest and the public key; the key's fingerprint (the first 32 hex digits of the SHA-256 of the
raw public key) is what `groupbox backup` prints and `groupbox restore --expect-fingerprint`
compares. Anyone can re-sign a changed backup with a key of their own, so only the fingerprint,
kept apart from the server, says where a backup comes from. The signing key never goes into a
backup: whoever holds a copy of one must not be able to sign another. A restored instance signs
with a new key of its own from its next backup on.

Encryption (`groupbox backup --encrypt`). scrypt (n = 2^15, r = 8, p = 1) turns the passphrase
into an AES-256-GCM key and a check value (a wrong passphrase is told apart from a damaged file).
The compressed archive is encrypted in 1 MiB chunks, each with its own nonce: 7 random bytes, the
chunk's number (4 bytes), 1 on the last chunk and 0 before it (the STREAM construction), so a
chunk cannot be moved, dropped or the file cut short unnoticed. The header (magic, scrypt
parameters, salt, nonce prefix, check value) is authenticated with every chunk.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from typing import IO, TYPE_CHECKING

from groupbox.config import Config
from groupbox.instance import SIGNING_KEY, InstanceError, ensure_keys

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# `cryptography` (~7 MiB resident) is imported by the functions that sign, check and seal, not
# with this module: every worker's background loop imports `groupbox.backup` to ask whether
# tonight's backup is due (issue 17: idle RSS).


class BackupError(InstanceError):
    """A backup or restore that cannot go on; the message says why and what to do."""


# -- signing ------------------------------------------------------------------------------------
FINGERPRINT_HEX = 32


def signing_key(config: Config) -> Ed25519PrivateKey:
    """This instance's backup signing key, made first if the instance has none yet."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    ensure_keys(config.keys_dir)
    path = config.keys_dir / SIGNING_KEY
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise BackupError(f"cannot read the backup signing key {path}: {reason}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise BackupError(f"{path} is not an Ed25519 key")
    return key


def _raw(public: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint_of(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw(public)).hexdigest()[:FINGERPRINT_HEX]


def clean_fingerprint(raw: str) -> str:
    """A fingerprint as people paste it: any case, with colons, dashes or spaces, `sha256:` or not."""
    text = re.sub(r"[\s:-]", "", raw.strip().lower().removeprefix("sha256:"))
    if not re.fullmatch(f"[0-9a-f]{{{FINGERPRINT_HEX}}}", text):
        raise BackupError(f"{raw!r} is not a backup key fingerprint ({FINGERPRINT_HEX} hex digits, as "
                          "`groupbox backup` prints it)")
    return text


def sign(key: Ed25519PrivateKey, manifest: bytes) -> bytes:
    """The signature member that goes into the archive beside the manifest."""
    return json.dumps({"algorithm": "ed25519", "public_key": _raw(key.public_key()).hex(),
                       "signature": key.sign(manifest).hex()}).encode()


def signer(manifest: bytes, signature: bytes) -> str:
    """The fingerprint of the key that signed `manifest`; refuses a signature that does not hold."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        doc = json.loads(signature)
        if doc.get("algorithm") != "ed25519":
            raise BackupError(f"the backup is signed with {doc.get('algorithm')!r}, which this groupbox does not "
                              "know; upgrade groupbox first")
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(doc["public_key"]))
        public.verify(bytes.fromhex(doc["signature"]), manifest)
    except InvalidSignature:
        raise BackupError("the backup's manifest does not match its signature: it was changed after it was made; "
                          "refused") from None
    except (ValueError, TypeError, KeyError, AttributeError):
        raise BackupError("the backup's signature is not readable; refused") from None
    return fingerprint_of(public)


# -- encryption ---------------------------------------------------------------------------------
MAGIC = b"groupbox backup, encrypted v1\n"  # readable with `head -1`
CHUNK = 1024 * 1024
TAG = 16
SCRYPT = (15, 8, 1)  # log2 n, r, p: about 32 MiB and a tenth of a second per passphrase
_SCRYPT_MAX = (17, 8, 4)  # what a header may ask for (at most 128 MiB): a crafted one must not eat the memory
_HEADER = len(MAGIC) + 3 + 16 + 7 + 16
PASSPHRASE_MIN = 8


def clean_passphrase(raw: str) -> str:
    if len(raw) < PASSPHRASE_MIN:
        raise BackupError(f"the passphrase must have at least {PASSPHRASE_MIN} characters")
    return raw


def _keys(passphrase: str, salt: bytes, params: tuple[int, int, int]) -> tuple[AESGCM, bytes]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    log_n, r, p = params
    derived = Scrypt(salt=salt, length=64, n=2**log_n, r=r, p=p).derive(passphrase.encode())
    return AESGCM(derived[:32]), hashlib.sha256(derived[32:]).digest()[:16]


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


class Encrypting:
    """A writable file object that encrypts what is written into `out`; call `finish()` once
    everything is written (it seals the last chunk)."""

    def __init__(self, out: IO[bytes], passphrase: str):
        salt, self.prefix = os.urandom(16), os.urandom(7)
        self.aead, check = _keys(clean_passphrase(passphrase), salt, SCRYPT)
        self.header = MAGIC + bytes(SCRYPT) + salt + self.prefix + check
        self.out = out
        self.buffer = bytearray()
        self.counter = 0
        out.write(self.header)

    def write(self, data: bytes) -> int:
        self.buffer += data
        while len(self.buffer) > CHUNK:  # the last chunk waits for finish(), which marks it
            self._seal(bytes(self.buffer[:CHUNK]), last=False)
            del self.buffer[:CHUNK]
        return len(data)

    def flush(self) -> None:
        pass

    def finish(self) -> None:
        self._seal(bytes(self.buffer), last=True)
        self.buffer.clear()

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        self.out.write(self.aead.encrypt(_nonce(self.prefix, self.counter, last), chunk, self.header))
        self.counter += 1


def is_encrypted(head: bytes) -> bool:
    return head.startswith(MAGIC)


class Decrypting:
    """A readable file object over an encrypted backup in `source`; refuses a wrong passphrase
    at once and a damaged or shortened file when it gets there."""

    def __init__(self, source: IO[bytes], passphrase: str):
        header = source.read(_HEADER)
        if len(header) < _HEADER or not is_encrypted(header):
            raise BackupError("the encrypted backup is cut short; refused")
        params = tuple(header[len(MAGIC):len(MAGIC) + 3])
        if not all(1 <= value <= top for value, top in zip(params, _SCRYPT_MAX, strict=True)):
            raise BackupError("the encrypted backup asks for scrypt parameters out of bounds; refused")
        salt = header[len(MAGIC) + 3:len(MAGIC) + 19]
        self.prefix = header[len(MAGIC) + 19:len(MAGIC) + 26]
        self.aead, check = _keys(passphrase, salt, params)  # type: ignore[arg-type]
        if not hmac.compare_digest(check, header[len(MAGIC) + 26:]):
            raise BackupError("wrong passphrase for this backup")
        self.header = header
        self.source = source
        self.counter = 0
        self.pending, self.offset = b"", 0
        self.ahead = source.read(CHUNK + TAG)
        self.done = False

    def _open_next(self) -> bytes:
        from cryptography.exceptions import InvalidTag

        sealed, self.ahead = self.ahead, self.source.read(CHUNK + TAG)
        last = not self.ahead
        try:
            chunk = self.aead.decrypt(_nonce(self.prefix, self.counter, last), sealed, self.header)
        except InvalidTag:
            raise BackupError("the encrypted backup is damaged or cut short; refused") from None
        self.counter += 1
        self.done = last
        return chunk

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            parts = [self.pending[self.offset:]]
            while not self.done:
                parts.append(self._open_next())
            self.pending, self.offset = b"", 0
            return b"".join(parts)
        while self.offset >= len(self.pending) and not self.done:
            self.pending, self.offset = self._open_next(), 0
        data = self.pending[self.offset:self.offset + size]  # a short read is fine: callers loop
        self.offset += len(data)
        return data
