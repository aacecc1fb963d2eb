"""Restoring a backup made by `groupbox.backup` (SPEC §5, §18).

`restore` goes into an empty (or new) data folder and reads the manifest before anything else:
it checks the signature (and with `expect` the signer's fingerprint), the manifest's shape, the
format and schema, and the free space, before it unpacks a byte. Then it streams each member into
a temporary folder beside the target: a member must be listed, a plain file under a known name,
exactly its listed size, and match its checksum; the database must pass its integrity check. Only
then does the folder move into place. A refused archive leaves nothing behind. A backup from an
older groupbox is migrated forward; one from a newer groupbox is refused. Backups of format 1
(before signing, manifest last) still restore, unverified: their manifest is found by one pass
that writes nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from groupbox.backup import CHUNK, FORMAT, MANIFEST, SIGNATURE
from groupbox.backup_seal import BackupError, Decrypting, clean_fingerprint, is_encrypted, signer
from groupbox.config import CONFIG_FILE, DB_FILE
from groupbox.db.engine import integrity_check
from groupbox.db.ledger import available
from groupbox.instance import SIGNING_KEY
from groupbox.util import create_private

MANIFEST_MAX = 16 * 1024 * 1024  # about 100,000 files
SIGNATURE_MAX = 4096

Passphrase = Callable[[], str]  # asked only when the backup turns out to be encrypted
ON_POSTGRES = "groupbox restore puts back a SQLite backup; on PostgreSQL use pg_restore (see README)"


@dataclass
class RestoreResult:
    data_dir: Path
    files: int
    created_at: str
    version: str
    fingerprint: str | None  # the key that signed it; None for a backup made before signing
    verified: bool  # signed by the key the caller expected
    encrypted: bool
    migrated: list[str] = field(default_factory=list)


# -- the manifest -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Manifest:
    files: dict[str, tuple[int, str]]  # name -> (size, sha256)
    migrations: list[str]
    created_at: str
    version: str


def _check_name(name: str) -> str:
    """`name` if it is a safe path under the names a backup holds."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name or not path.parts:
        raise BackupError(f"the archive holds an unsafe path ({name!r}); refused")
    clean = path.as_posix()
    if clean == f"keys/{SIGNING_KEY}":
        raise BackupError("the archive holds a backup signing key, which no groupbox backup does; refused")
    if clean not in (DB_FILE, CONFIG_FILE, MANIFEST, SIGNATURE) and not (
            len(path.parts) > 1 and path.parts[0] in ("keys", "files")):
        raise BackupError(f"the archive holds {clean!r}, which is not part of a groupbox backup; refused")
    return clean


def _safe_name(member: tarfile.TarInfo) -> str:
    """The member's name if it is a plain file or folder under the names a backup holds."""
    name = _check_name(member.name)
    if not (member.isfile() or member.isdir()):
        raise BackupError(f"the archive holds a link or device ({member.name!r}); refused")
    return name


def _load_manifest(raw: bytes, formats: tuple[int, ...]) -> dict:
    """The manifest as JSON, of a format this groupbox reads (checked before the signature, so a
    backup from a newer groupbox says so)."""
    try:
        doc = json.loads(raw)
    except ValueError:
        raise BackupError("the backup's manifest is not readable; refused") from None
    if not isinstance(doc, dict):
        raise BackupError("the backup's manifest is malformed (not an object); refused")
    number = doc.get("format")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise BackupError(f"the backup's manifest has format {number!r}, not one groupbox wrote; refused")
    if number > FORMAT:
        raise BackupError(f"this backup has format {number}; this groupbox reads format {FORMAT} — "
                          "upgrade groupbox first")
    if number not in formats:  # a signed format whose manifest is not the first member
        raise BackupError(f"the backup's manifest (format {number}) is not where that format keeps it; refused")
    return doc


def _validate(doc: dict) -> _Manifest:
    """Every field restore relies on, checked before anything is unpacked."""

    def malformed(why: str) -> BackupError:
        return BackupError(f"the backup's manifest is malformed ({why}); refused")

    items, files = doc.get("files"), {}
    if not isinstance(items, list):
        raise malformed("no list of files")
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise malformed("a file without a name")
        name, size, digest = item["name"], item.get("size"), item.get("sha256")
        if _check_name(name) != name or name in (MANIFEST, SIGNATURE):
            raise malformed(f"{name!r} is not a name a backup holds")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise malformed(f"{name} has no size")
        if not isinstance(digest, str) or len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise malformed(f"{name} has no SHA-256")
        if name in files:
            raise malformed(f"{name} is listed twice")
        files[name] = (size, digest)
    migrations = doc.get("migrations", [])
    if not isinstance(migrations, list) or not all(isinstance(m, str) for m in migrations):
        raise malformed("the migrations are not a list of names")
    if DB_FILE not in files or CONFIG_FILE not in files:
        raise BackupError("the backup has no database or no config; refused")
    newer = sorted(set(migrations) - set(available()))
    if newer:
        raise BackupError(f"this backup comes from a newer groupbox (migration {newer[0]}); upgrade groupbox first")
    return _Manifest(files, migrations, str(doc.get("created_at", "")), str(doc.get("groupbox", "")))


# -- reading the archive ------------------------------------------------------------------------
@contextmanager
def _members(archive: Path, passphrase: Passphrase | None) -> Iterator[tuple[tarfile.TarFile, bool]]:
    """The archive as a tar stream (members in order, nothing seeks), and whether it is encrypted."""
    with archive.open("rb") as raw:
        head = raw.read(64)
        raw.seek(0)
        encrypted = is_encrypted(head)
        if encrypted:
            if passphrase is None:
                raise BackupError(f"{archive.name} is encrypted; give its passphrase")
            source: IO[bytes] | Decrypting = Decrypting(raw, passphrase())
        elif head.startswith(b"\x1f\x8b"):
            source = raw
        else:
            raise BackupError(f"{archive.name} is not a complete groupbox backup (not a tar archive); refused")
        with gzip.GzipFile(fileobj=source, mode="rb") as unpacked, \
                tarfile.open(fileobj=unpacked, mode="r|") as tar:  # type: ignore[arg-type]
            yield tar, encrypted


def _small(tar: tarfile.TarFile, member: tarfile.TarInfo, limit: int) -> bytes:
    if not member.isfile() or member.size > limit:
        raise BackupError(f"the archive's {member.name} is not a file of at most {limit // 1024} KB; refused")
    source = tar.extractfile(member)
    assert source is not None
    return source.read(limit)


def _legacy_manifest(archive: Path) -> bytes:
    """A format 1 backup's manifest, found by one pass over the archive that writes nothing."""
    found = None
    with _members(archive, None) as (tar, _encrypted):
        for member in tar:
            if _safe_name(member) == MANIFEST:
                found = _small(tar, member, MANIFEST_MAX)
    if found is None:
        raise BackupError(f"{archive.name} has no manifest; it is not a groupbox backup")
    return found


def _check_space(manifest: _Manifest, into: Path) -> None:
    needed = sum(size for size, _digest in manifest.files.values())
    free = shutil.disk_usage(into).free
    if needed > free:
        raise BackupError(f"the backup unpacks to {needed // 2**20} MB, but only {free // 2**20} MB are free "
                          f"in {into.parent}; refused")


def _unpack(tar: tarfile.TarFile, members: Iterator[tarfile.TarInfo], manifest: _Manifest, into: Path,
            *, legacy: bool = False) -> None:
    """Stream each member into `into`: listed, once, exactly its listed size, its checksum."""
    seen: set[str] = set()
    for member in members:
        name = _safe_name(member)
        if member.isdir() or (legacy and name == MANIFEST):
            continue
        if name not in manifest.files:
            raise BackupError(f"{name} is not in the backup's manifest; refused")
        if name in seen:
            raise BackupError(f"the archive holds {name!r} twice; refused")
        seen.add(name)
        size, digest = manifest.files[name]
        source = tar.extractfile(member)
        assert source is not None
        target = into / name
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        hashing, left = hashlib.sha256(), size
        if member.size == size:
            with create_private(target) as out:
                while left and (chunk := source.read(min(CHUNK, left))):
                    hashing.update(chunk)
                    out.write(chunk)
                    left -= len(chunk)
        if member.size != size or left or hashing.hexdigest() != digest:
            raise BackupError(f"{name} does not match its checksum; the backup is damaged; refused")
    missing = sorted(set(manifest.files) - seen)
    if missing:
        raise BackupError(f"{missing[0]} is missing from the backup; refused")


def _read(archive: Path, into: Path, expect: str | None,
          passphrase: Passphrase | None) -> tuple[_Manifest, str | None, bool]:
    """Check the manifest and where it comes from, then unpack what it lists into `into`.
    Returns the manifest, the signer's fingerprint (None: format 1) and whether it was encrypted."""
    with _members(archive, passphrase) as (tar, encrypted):
        members = iter(tar)
        first = next(members, None)
        if first is not None and first.name == MANIFEST:
            raw = _small(tar, first, MANIFEST_MAX)
            doc = _load_manifest(raw, (FORMAT,))
            second = next(members, None)
            if second is None or second.name != SIGNATURE:
                raise BackupError(f"{archive.name} carries no signature; refused")
            origin = signer(raw, _small(tar, second, SIGNATURE_MAX))
            if expect is not None and origin != expect:
                raise BackupError(f"this backup is signed by key {origin}, not by {expect}; refused")
            manifest = _validate(doc)
            _check_space(manifest, into)
            _unpack(tar, members, manifest, into)
            return manifest, origin, encrypted
    if encrypted:
        raise BackupError(f"{archive.name} has no manifest; it is not a groupbox backup")
    manifest = _validate(_load_manifest(_legacy_manifest(archive), (1,)))
    if expect is not None:
        raise BackupError("this backup was made before groupbox signed its backups; its origin cannot be "
                          "checked; restore it without --expect-fingerprint")
    _check_space(manifest, into)
    with _members(archive, None) as (tar, _encrypted):
        _unpack(tar, iter(tar), manifest, into, legacy=True)
    return manifest, None, False


def _check_database(database: Path) -> None:
    try:
        result = integrity_check(database)
    except sqlite3.Error as exc:
        raise BackupError(f"the backup's database does not open ({exc}); refused") from None
    if result != "ok":
        raise BackupError(f"the backup's database fails its integrity check ({result}); refused")


def restore(archive: Path, data_dir: Path, *, expect_fingerprint: str | None = None,
            passphrase: Passphrase | None = None) -> RestoreResult:
    """Restore `archive` into `data_dir`, which must be empty or not exist yet. With
    `expect_fingerprint`, only a backup signed by that key; `passphrase` is asked for only when
    the backup is encrypted."""
    expect = clean_fingerprint(expect_fingerprint) if expect_fingerprint is not None else None
    archive = Path(archive).expanduser().resolve()
    if not archive.is_file():
        raise BackupError(f"{archive} is not a file")
    data_dir = Path(data_dir).expanduser().resolve()
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise BackupError(f"restore goes into an empty data folder; {data_dir} is not empty")
    try:
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{data_dir.name}.restoring-", dir=data_dir.parent))
    except OSError as exc:
        raise BackupError(f"cannot write beside {data_dir}: {exc.strerror}") from None
    try:
        try:
            manifest, origin, encrypted = _read(archive, staging, expect, passphrase)
        except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib.error, UnicodeDecodeError) as exc:
            detail = str(exc).splitlines()[0].rstrip(":") if str(exc) else type(exc).__name__
            raise BackupError(f"{archive.name} is not a complete groupbox backup ({detail}); refused") from None
        except OSError as exc:
            raise BackupError(f"cannot restore: {exc.strerror or exc}") from None
        _check_database(staging / DB_FILE)
        for sub in ("files", "outbox", "backups", "keys"):
            (staging / sub).mkdir(mode=0o700, exist_ok=True)
            (staging / sub).chmod(0o700)
        staging.chmod(0o755)
        if data_dir.exists():
            data_dir.rmdir()
        os.replace(staging, data_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return RestoreResult(data_dir, len(manifest.files), manifest.created_at, manifest.version, origin,
                         expect is not None, encrypted)
