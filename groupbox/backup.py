"""Backups of a data folder (SPEC §5, §18); `groupbox.restore` reads them back.

`backup` takes a consistent snapshot while the server keeps serving: the database through
SQLite's online backup API (one read transaction on the WAL database: writers never wait), then the
config, the keys and the stored files (they are written once under generated names and never
changed, so a file either is there or is not). They are pinned first (hard links in a folder of
DATA/tmp, so a file deleted meanwhile stays readable) and hashed; the manifest that lists each
with its size and SHA-256 is signed with the instance's key (`groupbox.backup_seal`) and goes
into the `.tar.gz` FIRST, its signature second, then the files, each checked against its hash
again as it is written. The archive is written under a temporary name, readable by its owner only,
and renamed when complete. Names carry the time in UTC (`groupbox-20261126-020500Z.tar.gz`).

What a backup holds is secret: `keys/secret.key` (sign-ins, calendar feed links) and
`keys/data.key` (remote tokens) must come back with a restore, or every session and calendar
subscription dies. So a backup is as sensitive as the server: mode 0600, and `--encrypt` (a
passphrase) for every copy that leaves the machine. Only the backup signing key stays out.

While serving, a nightly backup lands in `DATA/backups/groupbox-nightly-<UTC time>.tar.gz` in the
hour from `backup_hour` (server timezone), once a day, claimed in the database so one worker takes
it, keeping the newest `backup_keep`. Starting the server outside that hour takes none: a night
the server was down is skipped (`doctor` warns when the newest backup gets old).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import secrets
import sqlite3
import tarfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from groupbox import __version__, scratch
from groupbox.backup_seal import BackupError, Encrypting, fingerprint_of, sign, signing_key
from groupbox.config import CONFIG_FILE, DB_FILE, Config
from groupbox.db import ledger
from groupbox.db.engine import snapshot
from groupbox.instance import SIGNING_KEY, is_initialised
from groupbox.util import create_private

__all__ = ["BackupError", "backup", "nightly", "prune"]

# Backups hold the SQLite database; a PostgreSQL server's database is the database admin's to
# back up (CONTRIBUTING.md, "PostgreSQL status").
ON_POSTGRES = "groupbox backup covers the SQLite database; on PostgreSQL use pg_dump (see README)"

FORMAT = 2
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
SKIPPED_FILE_DIRS = {".incoming"}  # uploads still arriving
SUFFIXES = (".tar.gz", ".tgz", ".tar.gz.enc")
CHUNK = 1024 * 1024


@dataclass
class BackupResult:
    path: Path
    bytes: int
    files: int
    database_bytes: int
    seconds: float
    fingerprint: str
    encrypted: bool
    skipped: list[str] = field(default_factory=list)


# -- backup -------------------------------------------------------------------------------------
def stamp(at: datetime | None = None) -> str:
    """The UTC time in a backup's name: 20261126-020500Z."""
    return (at or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%d-%H%M%SZ")


def default_path(config: Config, at: datetime | None = None, *, encrypted: bool = False) -> Path:
    return config.backups_dir / f"groupbox-{stamp(at)}{'.tar.gz.enc' if encrypted else '.tar.gz'}"


def _snapshot_database(db_path: Path, target: Path) -> list[str]:
    """Copy the live database (`engine.snapshot`: one read transaction, writers never wait);
    returns its applied migrations."""
    try:
        snapshot(db_path, target)
        return ledger.applied(target)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot copy the database: {exc}") from None


def _data_files(config: Config) -> list[tuple[str, Path]]:
    """(name in the archive, path) of the config, the keys and the stored files."""
    found = [(CONFIG_FILE, config.config_path)]
    for folder in ("keys", "files"):
        root = config.data_dir / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(config.data_dir)
            if relative.parts[1] in SKIPPED_FILE_DIRS or not path.is_file() or path.is_symlink():
                continue
            if folder == "keys" and (path.name == SIGNING_KEY or path.name.startswith(".")):
                continue  # the signing key never leaves; dot files are keys being written
            found.append((relative.as_posix(), path))
    return found


def _pin(entries: list[tuple[str, Path]], pinned: Path) -> tuple[list[tuple[str, Path]], list[str]]:
    """Hard-link each file into `pinned`, so that it can be read twice (to hash, to write) even if
    it is deleted meanwhile. Where a link is impossible (another file system) the file is read in
    place, and a change between the two reads fails the backup rather than the restore."""
    kept, skipped = [], []
    for name, path in entries:
        target = pinned / name
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            os.link(path, target)
        except FileNotFoundError:  # deleted since the snapshot: its row is gone too
            skipped.append(name)
            continue
        except OSError:
            target = path
        kept.append((name, target))
    return kept, skipped


def _hash(path: Path) -> dict:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


class _Hashing:
    """A file object that hashes what is read through it (tarfile reads each member once)."""

    def __init__(self, handle: IO[bytes]):
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.digest.update(chunk)
        return chunk


def _add(tar: tarfile.TarFile, name: str, source: IO[bytes] | _Hashing, size: int, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o600
    tar.addfile(info, source)


def _write_archive(partial: Path, head: list[tuple[str, bytes]], entries: list[tuple[str, Path]],
                   listed: list[dict], passphrase: str | None) -> None:
    """The archive: the `head` members (manifest, signature) first, then the files, each checked
    against its hash in the manifest while it is written."""
    with create_private(partial) as raw:
        sink = Encrypting(raw, passphrase) if passphrase is not None else raw
        with gzip.GzipFile(filename="", mode="wb", fileobj=sink, compresslevel=6, mtime=0) as packed, \
                tarfile.open(fileobj=packed, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            for name, data in head:
                _add(tar, name, io.BytesIO(data), len(data), time.time())
            for (name, path), item in zip(entries, listed, strict=True):
                with path.open("rb") as handle:
                    hashing = _Hashing(handle)
                    try:
                        _add(tar, name, hashing, item["size"], os.fstat(handle.fileno()).st_mtime)
                        intact = hashing.digest.hexdigest() == item["sha256"]
                    except OSError as exc:
                        if exc.errno is not None:  # the disk, not tarfile's "unexpected end of data"
                            raise
                        intact = False  # shorter than when it was hashed a moment ago
                if not intact:
                    raise BackupError(f"{name} changed while it was backed up; run the backup again")
        if isinstance(sink, Encrypting):
            sink.finish()
        raw.flush()
        os.fsync(raw.fileno())


def backup(config: Config, dest: Path | None = None, *, passphrase: str | None = None) -> BackupResult:
    """Write a signed snapshot of the data folder to `dest` (a file ending .tar.gz, .tgz or
    .tar.gz.enc, or a folder to put it in; default DATA/backups/groupbox-<UTC time>.tar.gz),
    encrypted when a passphrase is given. Never overwrites an existing file."""
    if config.postgres:
        raise BackupError(ON_POSTGRES)
    if not is_initialised(config):
        raise BackupError(f"{config.data_dir} is not initialised; nothing to back up")
    started = time.monotonic()
    encrypted = passphrase is not None
    dest = Path(dest).expanduser().resolve() if dest else default_path(config, encrypted=encrypted)
    if dest.is_dir() or not dest.name.endswith(SUFFIXES):  # a folder to put it in
        dest = dest / default_path(config, encrypted=encrypted).name
    if dest.exists():
        raise BackupError(f"{dest} already exists; pick another name")
    if dest.is_relative_to(config.files_dir) or dest.is_relative_to(config.keys_dir):
        raise BackupError("put the backup outside the data folder's files/ and keys/")
    key = signing_key(config)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot write to {dest.parent}: {exc.strerror}") from None
    partial = dest.with_name(f".{dest.name}.{secrets.token_hex(4)}.partial")
    try:
        with scratch.folder(config.data_dir, "backup-") as pinned:
            migrations = _snapshot_database(config.db_path, pinned / DB_FILE)
            entries, skipped = _pin(_data_files(config), pinned)
            entries.insert(0, (DB_FILE, pinned / DB_FILE))
            listed = [{"name": name, **_hash(path)} for name, path in entries]
            manifest = json.dumps({
                "format": FORMAT, "groupbox": __version__, "created_at": datetime.now(UTC).isoformat(),
                "instance": config.name, "url": config.base_url, "migrations": migrations, "files": listed,
            }, indent=1).encode()
            head = [(MANIFEST, manifest), (SIGNATURE, sign(key, manifest))]
            _write_archive(partial, head, entries, listed, passphrase)
        os.replace(partial, dest)
    except OSError as exc:
        raise BackupError(f"cannot write the backup to {dest}: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(dest, dest.stat().st_size, len(listed), listed[0]["size"], time.monotonic() - started,
                        fingerprint_of(key.public_key()), encrypted, skipped)


# -- nightly, while serving ---------------------------------------------------------------------
NIGHTLY_PREFIX = "groupbox-nightly-"


async def nightly(config: Config, reference: datetime | None = None) -> BackupResult | None:
    """Take tonight's backup in the hour from `backup_hour`, once a day (see the module's rules)."""
    import asyncio

    from groupbox.db import claims

    if not config.nightly_backups:  # off, or on PostgreSQL: pg_dump's job (see `backup`)
        return None
    moment = await claims.claim_day("last_backup_date", config.backup_hour, config.timezone, reference, hours=1)
    if moment is None:
        return None
    name = f"{NIGHTLY_PREFIX}{stamp(moment)}.tar.gz"
    try:
        result = await asyncio.to_thread(backup, config, config.backups_dir / name)
    except BackupError:
        await claims.release("last_backup_date")  # try again on the next round
        raise
    prune(config)
    return result


def prune(config: Config) -> list[Path]:
    """Delete the nightly backups beyond the newest `backup_keep` (never one made by hand)."""
    nightly_files = sorted(config.backups_dir.glob(f"{NIGHTLY_PREFIX}*.tar.gz"))
    old = nightly_files[: max(0, len(nightly_files) - config.backup_keep)]
    for path in old:
        path.unlink(missing_ok=True)
    return old
