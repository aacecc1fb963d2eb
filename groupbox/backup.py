"""Backups of a data folder, and restoring one (SPEC §5, §18).

`backup` takes a consistent snapshot while the server keeps serving: the database through
SQLite's online backup API (one read transaction on the WAL database: writers never wait), then the
config, the keys and the stored files (they are written once under generated names and never
changed, so a file either is there or is not). Everything goes into one `.tar.gz` with a
`manifest.json` that lists each file with its size and SHA-256; the archive is written under a
temporary name, readable by its owner only (it holds the keys), and renamed when complete.

While serving, a nightly backup lands in `DATA/backups/groupbox-nightly-<time>.tar.gz` at
`backup_hour` (claimed in the database, so one worker takes it), keeping the newest `backup_keep`.

`restore` goes into an empty (or new) data folder and verifies before it writes: it unpacks
into a temporary folder beside the target, refusing anything that is not a plain file under the
known names, checks every size and checksum against the manifest and the database's integrity,
and only then moves the folder into place. A refused archive leaves nothing behind. A backup
from an older groupbox is migrated forward; one from a newer groupbox is refused.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO

from groupbox import __version__
from groupbox.config import CONFIG_FILE, DB_FILE, Config
from groupbox.db.ledger import available
from groupbox.instance import InstanceError, is_initialised

FORMAT = 1
MANIFEST = "manifest.json"
SKIPPED_FILE_DIRS = {".incoming"}  # uploads still arriving
CHUNK = 1024 * 1024


class BackupError(InstanceError):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class BackupResult:
    path: Path
    bytes: int
    files: int
    database_bytes: int
    seconds: float
    skipped: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    data_dir: Path
    files: int
    created_at: str
    version: str
    migrated: list[str] = field(default_factory=list)


# -- backup -------------------------------------------------------------------------------------
def default_path(config: Config, at: datetime | None = None) -> Path:
    stamp = (at or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return config.backups_dir / f"groupbox-{stamp}.tar.gz"


def _snapshot_database(db_path: Path, target: Path) -> list[str]:
    """Copy the live database with the online backup API; returns its applied migrations.

    In one step: in WAL mode that is one read transaction, a consistent snapshot that never
    blocks the server's writers (they append to the WAL meanwhile). Copying in several steps
    would restart from the first page after every write from the server, and a busy server
    would keep a large backup from ever finishing."""
    source = sqlite3.connect(db_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        rows = copy.execute("SELECT id FROM schema_migration ORDER BY id").fetchall()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot copy the database: {exc}") from None
    finally:
        copy.close()
        source.close()
    return [row[0] for row in rows]


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
            found.append((relative.as_posix(), path))
    return found


class _Hashing:
    """A file object that hashes what is read through it (tarfile reads each member once)."""

    def __init__(self, handle: IO[bytes]):
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.digest.update(chunk)
        return chunk


def backup(config: Config, dest: Path | None = None) -> BackupResult:
    """Write a snapshot of the data folder to `dest` (a file ending .tar.gz, or a folder to put
    it in; default DATA/backups/groupbox-<time>.tar.gz). Never overwrites an existing file."""
    if not is_initialised(config.data_dir):
        raise BackupError(f"{config.data_dir} is not initialised; nothing to back up")
    started = time.monotonic()
    dest = Path(dest).expanduser().resolve() if dest else default_path(config)
    if dest.is_dir() or not dest.name.endswith((".tar.gz", ".tgz")):  # a folder to put it in
        dest = dest / default_path(config).name
    if dest.exists():
        raise BackupError(f"{dest} already exists; pick another name")
    if dest.is_relative_to(config.files_dir) or dest.is_relative_to(config.keys_dir):
        raise BackupError("put the backup outside the data folder's files/ and keys/")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix=".backup-", dir=dest.parent))
    except OSError as exc:
        raise BackupError(f"cannot write to {dest.parent}: {exc.strerror}") from None
    partial = workdir / "archive.partial"
    try:
        database = workdir / DB_FILE
        migrations = _snapshot_database(config.db_path, database)
        entries = [(DB_FILE, database), *_data_files(config)]
        listed, skipped = [], []
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
            for name, path in entries:
                try:
                    handle = path.open("rb")
                except FileNotFoundError:  # deleted since the snapshot: its row is gone too
                    skipped.append(name)
                    continue
                with handle:
                    info = tar.gettarinfo(fileobj=handle, arcname=name)
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    hashing = _Hashing(handle)
                    tar.addfile(info, hashing)
                listed.append({"name": name, "size": info.size, "sha256": hashing.digest.hexdigest()})
            manifest = json.dumps({
                "format": FORMAT, "groupbox": __version__, "created_at": datetime.now(UTC).isoformat(),
                "instance": config.name, "url": config.base_url, "migrations": migrations, "files": listed,
            }, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(manifest), int(time.time()), 0o600
            tar.addfile(info, io.BytesIO(manifest))
        os.replace(partial, dest)
    except OSError as exc:
        raise BackupError(f"cannot write the backup to {dest}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    database_bytes = next(item["size"] for item in listed if item["name"] == DB_FILE)
    return BackupResult(dest, dest.stat().st_size, len(listed), database_bytes, time.monotonic() - started, skipped)


# -- nightly, while serving ---------------------------------------------------------------------
NIGHTLY_PREFIX = "groupbox-nightly-"


async def nightly(config: Config, reference: datetime | None = None) -> BackupResult | None:
    """Take tonight's backup if `backup_hour` has come and no worker has taken it today."""
    import asyncio

    from groupbox.db import claims

    if config.backup_hour < 0:
        return None
    moment = await claims.claim_day("last_backup_date", config.backup_hour, config.timezone, reference)
    if moment is None:
        return None
    name = f"{NIGHTLY_PREFIX}{moment.strftime('%Y%m%d-%H%M%S')}.tar.gz"
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


# -- restore ------------------------------------------------------------------------------------
def _safe_name(member: tarfile.TarInfo) -> str:
    """The member's name if it is a plain file or folder under the names a backup holds."""
    path = PurePosixPath(member.name)
    if path.is_absolute() or ".." in path.parts or "\\" in member.name or not path.parts:
        raise BackupError(f"the archive holds an unsafe path ({member.name!r}); refused")
    if not (member.isfile() or member.isdir()):
        raise BackupError(f"the archive holds a link or device ({member.name!r}); refused")
    name = path.as_posix()
    if name not in (DB_FILE, CONFIG_FILE, MANIFEST) and path.parts[0] not in ("keys", "files"):
        raise BackupError(f"the archive holds {name!r}, which is not part of a groupbox backup; refused")
    return name


def _unpack(archive: Path, into: Path) -> tuple[dict, dict[str, tuple[int, str]]]:
    """Unpack the plain files into `into`, hashing them; returns the manifest and what was found."""
    found: dict[str, tuple[int, str]] = {}
    manifest: dict | None = None
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            for member in tar:
                name = _safe_name(member)
                if member.isdir():
                    continue
                source = tar.extractfile(member)
                assert source is not None
                if name == MANIFEST:
                    try:
                        manifest = json.loads(source.read(4 * 1024 * 1024))
                    except ValueError:
                        raise BackupError("the backup's manifest is not readable; refused") from None
                    continue
                if name in found:
                    raise BackupError(f"the archive holds {name!r} twice; refused")
                target = into / name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest, size = hashlib.sha256(), 0
                with open(target, "xb") as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                found[name] = (size, digest.hexdigest())
    except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib.error, UnicodeDecodeError) as exc:
        detail = str(exc).splitlines()[0].rstrip(":") if str(exc) else type(exc).__name__
        if isinstance(exc, tarfile.ReadError) and "could not be opened" in detail:
            detail = "not a tar archive"
        raise BackupError(f"{archive.name} is not a complete groupbox backup ({detail}); refused") from None
    except OSError as exc:
        raise BackupError(f"cannot restore: {exc.strerror or exc}") from None
    if not isinstance(manifest, dict) or "files" not in manifest:
        raise BackupError(f"{archive.name} has no manifest; it is not a groupbox backup")
    return manifest, found


def _verify(manifest: dict, found: dict[str, tuple[int, str]], database: Path) -> None:
    if manifest.get("format") != FORMAT:
        raise BackupError(f"this backup has format {manifest.get('format')!r}; this groupbox reads format "
                          f"{FORMAT} — upgrade groupbox first")
    listed = {item["name"]: (item["size"], item["sha256"]) for item in manifest["files"]}
    for name, expected in listed.items():
        if name not in found:
            raise BackupError(f"{name} is missing from the backup; refused")
        if found[name] != tuple(expected):
            raise BackupError(f"{name} does not match its checksum; the backup is damaged; refused")
    extra = sorted(set(found) - set(listed))
    if extra:
        raise BackupError(f"{extra[0]} is not in the backup's manifest; refused")
    if DB_FILE not in found or CONFIG_FILE not in found:
        raise BackupError("the backup has no database or no config; refused")
    newer = sorted(set(manifest.get("migrations", [])) - set(available()))
    if newer:
        raise BackupError(f"this backup comes from a newer groupbox (migration {newer[0]}); upgrade groupbox first")
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.Error as exc:
        raise BackupError(f"the backup's database does not open ({exc}); refused") from None
    finally:
        connection.close()
    if result != "ok":
        raise BackupError(f"the backup's database fails its integrity check ({result}); refused")


def restore(archive: Path, data_dir: Path) -> RestoreResult:
    """Restore `archive` into `data_dir`, which must be empty or not exist yet."""
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
        manifest, found = _unpack(archive, staging)
        _verify(manifest, found, staging / DB_FILE)
        for sub in ("files", "outbox", "backups"):
            (staging / sub).mkdir(exist_ok=True)
        keys = staging / "keys"
        keys.mkdir(exist_ok=True)
        keys.chmod(0o700)
        for path in [*keys.iterdir(), staging / DB_FILE]:
            path.chmod(0o600)
        staging.chmod(0o755)
        if data_dir.exists():
            data_dir.rmdir()
        os.replace(staging, data_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return RestoreResult(data_dir, len(found), str(manifest.get("created_at", "")), str(manifest.get("groupbox", "")))
