"""Restore verifies before it writes: a damaged, foreign or unsafe archive is refused whole and
leaves nothing behind; a good one comes back byte for byte."""

from __future__ import annotations

import io
import json
import sqlite3
import tarfile
from pathlib import Path

import pytest

from groupbox.backup import BackupError, backup, restore


@pytest.fixture
def archive(config, tmp_path) -> Path:
    (config.files_dir / "0123abcd").write_bytes(b"%PDF-1.4 the season schedule")
    (config.files_dir / ".incoming").mkdir(exist_ok=True)
    (config.files_dir / ".incoming" / "half-uploaded").write_bytes(b"partial")
    return backup(config, tmp_path / "out").path


def _members(path: Path) -> list[tuple[tarfile.TarInfo, bytes | None]]:
    with tarfile.open(path) as tar:
        return [(m, tar.extractfile(m).read() if m.isfile() else None) for m in tar.getmembers()]


def _rewrite(source: Path, target: Path, change) -> Path:
    """A copy of the archive with `change(name, data) -> data | None` applied (None drops it)."""
    with tarfile.open(target, "w:gz") as tar:
        for member, data in _members(source):
            if data is None:
                tar.addfile(member)
                continue
            new = change(member.name, data)
            if new is None:
                continue
            member.size = len(new)
            tar.addfile(member, io.BytesIO(new))
    return target


def _left_behind(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".restoring-" in p.name or p.name == "restored")


def test_a_good_backup_comes_back_byte_for_byte(archive, config, tmp_path):
    result = restore(archive, tmp_path / "restored")
    restored = result.data_dir
    assert (restored / "files" / "0123abcd").read_bytes() == b"%PDF-1.4 the season schedule"
    assert not (restored / "files" / ".incoming").exists(), "uploads in flight are not part of a backup"
    assert (restored / "keys" / "secret.key").read_bytes() == (config.keys_dir / "secret.key").read_bytes()
    assert (restored / "keys" / "secret.key").stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(restored / "groupbox.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT COUNT(*) FROM profile").fetchone()[0] >= 1


def test_restore_into_an_empty_folder_only(archive, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert restore(archive, empty).data_dir == empty
    with pytest.raises(BackupError, match="not empty"):
        restore(archive, empty)


@pytest.mark.parametrize(("damage", "words"), [
    (lambda name, data: data.replace(b"season", b"SEASON") if name == "files/0123abcd" else data, "checksum"),
    (lambda name, data: None if name == "keys/secret.key" else data, "missing"),
    (lambda name, data: data + b"x" if name == "groupbox.sqlite3" else data, "checksum"),
    (lambda name, data: None if name == "manifest.json" else data, "no manifest"),
    (lambda name, data: json.dumps({**json.loads(data), "format": 99}).encode() if name == "manifest.json" else data,
     "upgrade groupbox"),
    (lambda name, data: json.dumps({**json.loads(data), "migrations": ["m9999_future"]}).encode()
     if name == "manifest.json" else data, "newer groupbox"),
], ids=["changed-file", "missing-key", "changed-database", "no-manifest", "newer-format", "newer-schema"])
def test_a_damaged_backup_is_refused_and_leaves_nothing(archive, tmp_path, damage, words):
    damaged = _rewrite(archive, tmp_path / "damaged.tar.gz", damage)
    with pytest.raises(BackupError, match=words):
        restore(damaged, tmp_path / "restored")
    assert _left_behind(tmp_path) == []


def test_truncated_foreign_and_unsafe_archives_are_refused(archive, tmp_path):
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    foreign = tmp_path / "photos.tar.gz"
    with tarfile.open(foreign, "w:gz") as tar:
        info = tarfile.TarInfo("holiday.jpg")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"jpg"))
    traversal = tmp_path / "traversal.tar.gz"
    with tarfile.open(traversal, "w:gz") as tar:
        info = tarfile.TarInfo("files/../../evil")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"evil"))
    link = tmp_path / "link.tar.gz"
    with tarfile.open(link, "w:gz") as tar:
        info = tarfile.TarInfo("keys/secret.key")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/shadow"
        tar.addfile(info)
    not_tar = tmp_path / "notes.tar.gz"
    not_tar.write_bytes(b"just some notes")
    for path, words in ((truncated, "not a complete"), (foreign, "not part of a groupbox backup"),
                        (traversal, "unsafe path"), (link, "link or device"), (not_tar, "not a tar archive")):
        with pytest.raises(BackupError, match=words):
            restore(path, tmp_path / "restored")
        assert _left_behind(tmp_path) == [], path.name
    assert not (tmp_path.parent / "evil").exists()


def test_backup_never_overwrites_and_needs_an_initialised_folder(archive, config, tmp_path):
    with pytest.raises(BackupError, match="already exists"):
        backup(config, archive)
    from groupbox.config import load_config

    with pytest.raises(BackupError, match="not initialised"):
        backup(load_config(tmp_path / "nothing"), tmp_path / "x.tar.gz")


async def test_the_nightly_backup_comes_once_at_its_hour_and_keeps_the_newest(db, make_config):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from groupbox.backup import NIGHTLY_PREFIX, nightly

    config = make_config(backup_hour=3, backup_keep=3)
    berlin = ZoneInfo(config.timezone)
    by_hand = backup(config).path  # made by a person: never pruned
    old = []
    for day in range(1, 5):
        path = config.backups_dir / f"{NIGHTLY_PREFIX}202611{day:02d}-030000.tar.gz"
        path.write_bytes(b"old")
        old.append(path)

    assert await nightly(config, datetime(2026, 11, 26, 2, 59, tzinfo=berlin)) is None  # not yet
    tonight = await nightly(config, datetime(2026, 11, 26, 3, 5, tzinfo=berlin))
    assert tonight is not None and tonight.path.name == f"{NIGHTLY_PREFIX}20261126-030500.tar.gz"
    assert await nightly(config, datetime(2026, 11, 26, 9, 0, tzinfo=berlin)) is None  # once a day
    kept = sorted(p.name for p in config.backups_dir.glob(f"{NIGHTLY_PREFIX}*"))
    assert kept == [old[2].name, old[3].name, tonight.path.name]
    assert by_hand.exists()
    assert await nightly(config, datetime(2026, 11, 27, 3, 0, tzinfo=berlin)) is not None  # the next night

    assert await nightly(make_config(backup_hour=-1), datetime(2026, 11, 28, 4, 0, tzinfo=berlin)) is None


def test_backup_settings_are_checked(make_config):
    from groupbox.config import ConfigError

    for values in ({"backup_hour": 24}, {"backup_hour": -2}, {"backup_keep": 0}):
        with pytest.raises(ConfigError, match="backup_"):
            make_config(**values)


def test_a_large_backup_finishes_while_the_server_keeps_writing(config, tmp_path):
    """SQLite's backup API copied in steps restarts after every write from another connection;
    the backup must copy in one read transaction or a busy server would starve it forever."""
    import threading

    with sqlite3.connect(config.db_path) as db:
        db.execute("CREATE TABLE noise (id INTEGER PRIMARY KEY, body BLOB)")
        db.executemany("INSERT INTO noise (body) VALUES (?)", [(b"x" * 4000,) for _ in range(3000)])  # ~12 MB
    stop = threading.Event()
    writes = []

    def keep_writing():
        writer = sqlite3.connect(config.db_path, timeout=10)
        while not stop.is_set():
            writer.execute("INSERT INTO noise (body) VALUES (?)", (b"y" * 100,))
            writer.commit()
            writes.append(1)
        writer.close()

    thread = threading.Thread(target=keep_writing)
    thread.start()
    done = []
    worker = threading.Thread(target=lambda: done.append(backup(config, tmp_path / "busy")))
    try:
        worker.start()
        worker.join(timeout=20)  # one read transaction: about a second here; in steps: 30 s or never
    finally:
        stop.set()
        thread.join()
    assert done, "the backup never finished while writes went on"
    assert len(writes) > 10
    restored = restore(done[0].path, tmp_path / "restored").data_dir
    with sqlite3.connect(restored / "groupbox.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM noise").fetchone()[0] >= 3000
