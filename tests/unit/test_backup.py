"""Restore verifies before it writes: a damaged, foreign, forged or unsafe archive is refused whole
and leaves nothing behind, most of them before a byte is unpacked; a good one comes back byte for
byte. Backups are signed by the instance's key and can be encrypted with a passphrase."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import sqlite3
import tarfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from groupbox.backup import BackupError, backup, default_path
from groupbox.backup_seal import MAGIC, fingerprint_of, sign
from groupbox.restore import restore

SCHEDULE = b"%PDF-1.4 the season schedule"
PASSPHRASE = "correct horse battery staple"
# A backup holds the SQLite database; on PostgreSQL `groupbox backup` refuses (tests/e2e/test_cli.py).
pytestmark = pytest.mark.sqlite_only("groupbox backup covers the SQLite database; PostgreSQL's is pg_dump's")


@pytest.fixture
def archive(config, tmp_path) -> Path:
    (config.files_dir / "0123abcd").write_bytes(SCHEDULE)
    (config.files_dir / ".incoming").mkdir(exist_ok=True)
    (config.files_dir / ".incoming" / "half-uploaded").write_bytes(b"partial")
    return backup(config, tmp_path / "out").path


def _members(path: Path) -> list[tuple[tarfile.TarInfo, bytes | None]]:
    with tarfile.open(path) as tar:
        return [(m, tar.extractfile(m).read() if m.isfile() else None) for m in tar.getmembers()]


def _write(target: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(target, "w:gz") as tar:
        for member, data in members:
            if data is not None:
                member.size = len(data)
            tar.addfile(member, io.BytesIO(data) if data is not None else None)
    return target


def _rewrite(source: Path, target: Path, change) -> Path:
    """A copy of the archive with `change(name, data) -> data | None` applied (None drops it)."""
    kept = []
    for member, data in _members(source):
        if data is not None:
            data = change(member.name, data)
            if data is None:
                continue
        kept.append((member, data))
    return _write(target, kept)


def _forge(source: Path, target: Path, key: Ed25519PrivateKey, *, files=lambda name, data: data,
           manifest=lambda doc: doc) -> Path:
    """What someone holding a copy can do: change files, list their new checksums in the
    manifest, and sign it again with a key of their own."""
    members = dict((m.name, (m, data)) for m, data in _members(source))
    doc = json.loads(members["manifest.json"][1])
    for item in doc["files"]:
        data = files(item["name"], members[item["name"]][1])
        members[item["name"]] = (members[item["name"]][0], data)
        item.update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
    signed = json.dumps(manifest(doc)).encode()
    members["manifest.json"] = (members["manifest.json"][0], signed)
    members["manifest.sig"] = (members["manifest.sig"][0], sign(key, signed))
    return _write(target, list(members.values()))


def _left_behind(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".restoring-" in p.name or p.name == "restored")


def _plant_session(name: str, data: bytes) -> bytes:
    if name != "groupbox.sqlite3":
        return data
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "db"
        path.write_bytes(data)
        with sqlite3.connect(path) as db:
            owner = db.execute("SELECT id FROM profile LIMIT 1").fetchone()[0]
            db.execute("INSERT INTO device (id, profile_id, created_at, last_seen_at)"
                       " VALUES ('planted', ?, '2026-01-01', '2026-01-01')", (owner,))
            db.execute("INSERT INTO session (id, token_hash, device_id, created_at, last_seen_at, expires_at)"
                       " VALUES ('planted', ?, 'planted', '2026-01-01', '2026-01-01', '2099-01-01')",
                       (hashlib.sha256(b"attacker").hexdigest(),))
        db.close()
        return path.read_bytes()


# -- what comes back ----------------------------------------------------------------------------
def test_a_good_backup_comes_back_byte_for_byte(archive, config, tmp_path):
    result = restore(archive, tmp_path / "restored")
    restored = result.data_dir
    assert (restored / "files" / "0123abcd").read_bytes() == SCHEDULE
    assert not (restored / "files" / ".incoming").exists(), "uploads in flight are not part of a backup"
    assert (restored / "keys" / "secret.key").read_bytes() == (config.keys_dir / "secret.key").read_bytes()
    for path in (restored / "keys" / "secret.key", restored / "files" / "0123abcd", restored / "groupbox.sqlite3"):
        assert path.stat().st_mode & 0o777 == 0o600, path
    assert (restored / "files").stat().st_mode & 0o777 == 0o700
    with sqlite3.connect(restored / "groupbox.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT COUNT(*) FROM profile").fetchone()[0] >= 1
    assert result.fingerprint is not None and not result.verified and not result.encrypted


def test_the_manifest_and_its_signature_come_first_and_the_signing_key_never(archive, config):
    names = [member.name for member, _data in _members(archive)]
    assert names[:2] == ["manifest.json", "manifest.sig"]
    assert "keys/secret.key" in names and "keys/backup-signing.key" not in names
    assert (config.keys_dir / "backup-signing.key").stat().st_mode & 0o777 == 0o600


def test_restore_into_an_empty_folder_only(archive, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert restore(archive, empty).data_dir == empty
    with pytest.raises(BackupError, match="not empty"):
        restore(archive, empty)


def test_backup_names_say_the_time_in_utc(config):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    three_in_berlin = datetime(2026, 11, 26, 3, 5, tzinfo=ZoneInfo("Europe/Berlin"))
    assert default_path(config, three_in_berlin).name == "groupbox-20261126-020500Z.tar.gz"
    assert default_path(config, three_in_berlin, encrypted=True).name == "groupbox-20261126-020500Z.tar.gz.enc"


# -- where it comes from ------------------------------------------------------------------------
def test_the_owner_checks_the_fingerprint_and_a_re_signed_tampered_backup_is_refused(archive, config, tmp_path):
    genuine = backup(config, tmp_path / "again").fingerprint
    attacker = Ed25519PrivateKey.generate()
    forged = _forge(archive, tmp_path / "forged.tar.gz", attacker, files=_plant_session)

    with pytest.raises(BackupError, match=f"signed by key {fingerprint_of(attacker.public_key())}, not by {genuine}"):
        restore(forged, tmp_path / "restored", expect_fingerprint=genuine)
    assert _left_behind(tmp_path) == []

    checked = restore(archive, tmp_path / "checked", expect_fingerprint=genuine.upper()[:4] + ":" + genuine[4:])
    assert checked.verified and checked.fingerprint == genuine

    # Without the fingerprint it restores, and says whose key it was: not ours.
    unchecked = restore(forged, tmp_path / "unchecked")
    assert not unchecked.verified and unchecked.fingerprint == fingerprint_of(attacker.public_key())
    with sqlite3.connect(tmp_path / "unchecked" / "groupbox.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM session WHERE id = 'planted'").fetchone()[0] == 1


def test_a_manifest_changed_without_a_new_signature_is_refused(archive, tmp_path):
    def more_files(name, data):
        if name != "manifest.json":
            return data
        doc = json.loads(data)
        doc["files"][0]["sha256"] = "0" * 64
        return json.dumps(doc).encode()

    with pytest.raises(BackupError, match="does not match its signature"):
        restore(_rewrite(archive, tmp_path / "changed.tar.gz", more_files), tmp_path / "restored")
    with pytest.raises(BackupError, match="not a backup key fingerprint"):
        restore(archive, tmp_path / "restored", expect_fingerprint="my server")
    assert _left_behind(tmp_path) == []


def test_an_instance_made_before_signing_gets_its_key_with_its_first_backup(config, tmp_path):
    (config.keys_dir / "backup-signing.key").unlink()
    first = backup(config, tmp_path / "one")
    assert (config.keys_dir / "backup-signing.key").is_file()
    assert backup(config, tmp_path / "two").fingerprint == first.fingerprint


def test_a_backup_made_before_signing_still_restores_unverified(archive, tmp_path):
    """Format 1: manifest last, no signature."""
    members = {m.name: (m, data) for m, data in _members(archive)}
    doc = json.loads(members.pop("manifest.json")[1])
    members.pop("manifest.sig")
    old = [*members.values(), (tarfile.TarInfo("manifest.json"), json.dumps({**doc, "format": 1}).encode())]
    legacy = _write(tmp_path / "legacy.tar.gz", old)

    result = restore(legacy, tmp_path / "restored")
    assert result.fingerprint is None and not result.verified
    assert (result.data_dir / "files" / "0123abcd").read_bytes() == SCHEDULE
    with pytest.raises(BackupError, match="before groupbox signed"):
        restore(legacy, tmp_path / "checked", expect_fingerprint="0" * 32)


# -- refused ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("damage", "words"), [
    (lambda name, data: data.replace(b"season", b"SEASON") if name == "files/0123abcd" else data, "checksum"),
    (lambda name, data: None if name == "keys/secret.key" else data, "missing"),
    (lambda name, data: data + b"x" if name == "groupbox.sqlite3" else data, "checksum"),
    (lambda name, data: None if name in ("manifest.json", "manifest.sig") else data, "no manifest"),
    (lambda name, data: None if name == "manifest.sig" else data, "no signature"),
    (lambda name, data: json.dumps({**json.loads(data), "format": 99}).encode() if name == "manifest.json" else data,
     "upgrade groupbox"),
], ids=["changed-file", "missing-key", "changed-database", "no-manifest", "no-signature", "newer-format"])
def test_a_damaged_backup_is_refused_and_leaves_nothing(archive, tmp_path, damage, words):
    damaged = _rewrite(archive, tmp_path / "damaged.tar.gz", damage)
    with pytest.raises(BackupError, match=words):
        restore(damaged, tmp_path / "restored")
    assert _left_behind(tmp_path) == []


@pytest.mark.parametrize(("change", "words"), [
    (lambda doc: {**doc, "migrations": ["m9999_future"]}, "newer groupbox"),
    (lambda doc: {**doc, "files": [{k: v for k, v in f.items() if k != "name"} for f in doc["files"]]},
     "malformed \\(a file without a name\\)"),
    (lambda doc: {**doc, "files": {"groupbox.sqlite3": 1}}, "malformed \\(no list of files\\)"),
    (lambda doc: {**doc, "files": [{**f, "size": "big"} for f in doc["files"]]}, "has no size"),
    (lambda doc: {**doc, "files": [*doc["files"], doc["files"][0]]}, "listed twice"),
    (lambda doc: {**doc, "files": [*doc["files"], {**doc["files"][0], "name": "../../etc/cron.d/x"}]}, "unsafe path"),
    (lambda doc: {**doc, "files": [f for f in doc["files"] if f["name"] != "groupbox.toml"]}, "no config"),
    (lambda doc: [doc], "malformed \\(not an object\\)"),
], ids=["newer-schema", "no-name", "files-not-a-list", "size-not-a-number", "listed-twice", "unsafe-name",
        "no-config", "not-an-object"])
def test_a_malformed_manifest_is_one_clear_refusal(archive, tmp_path, change, words):
    forged = _forge(archive, tmp_path / "forged.tar.gz", Ed25519PrivateKey.generate(), manifest=change)
    with pytest.raises(BackupError, match=words) as refused:
        restore(forged, tmp_path / "restored")
    assert "\n" not in str(refused.value)
    assert _left_behind(tmp_path) == []


def _bomb(archive: Path, target: Path, name: str) -> Path:
    """The backup's manifest and signature, then a member whose header claims 2 GiB (its zeros
    cut short after 1 MiB, so the test stays small)."""
    def block(member: tarfile.TarInfo, data: bytes) -> bytes:
        return member.tobuf(format=tarfile.PAX_FORMAT) + data + b"\0" * (-len(data) % 512)

    bomb = tarfile.TarInfo(name)
    bomb.size = 2 * 2**30
    head = b"".join(block(member, data) for member, data in _members(archive)[:2])
    target.write_bytes(gzip.compress(head + block(bomb, b"") + b"\0" * 2**20))
    return target


@pytest.mark.parametrize("name", ["files/bomb", "files/0123abcd"], ids=["not-listed", "listed-smaller"])
def test_a_gzip_bomb_is_refused_before_a_byte_of_it_is_written(archive, tmp_path, name):
    with pytest.raises(BackupError, match="not in the backup's manifest" if name == "files/bomb" else "checksum"):
        restore(_bomb(archive, tmp_path / "bomb.tar.gz", name), tmp_path / "restored")
    assert _left_behind(tmp_path) == []


def test_restore_checks_the_free_space_before_unpacking(archive, tmp_path, monkeypatch):
    from types import SimpleNamespace

    from groupbox import restore as restoring

    monkeypatch.setattr(restoring.shutil, "disk_usage", lambda path: SimpleNamespace(total=10**9, free=1000))
    with pytest.raises(BackupError, match="only 0 MB are free"):
        restore(archive, tmp_path / "restored")
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


# -- encrypted ----------------------------------------------------------------------------------
def test_an_encrypted_backup_comes_back_with_its_passphrase_only(config, tmp_path):
    import os

    photos = os.urandom(3 * 2**20 + 5)  # more than one chunk
    (config.files_dir / "feedbeef").write_bytes(photos)
    result = backup(config, tmp_path / "off-site", passphrase=PASSPHRASE)
    sealed = result.path
    assert result.encrypted and sealed.name.endswith(".tar.gz.enc")
    assert sealed.read_bytes().startswith(MAGIC) and b"secret" not in sealed.read_bytes()

    with pytest.raises(BackupError, match="wrong passphrase"):
        restore(sealed, tmp_path / "restored", passphrase=lambda: "not the passphrase")
    with pytest.raises(BackupError, match="is encrypted; give its passphrase"):
        restore(sealed, tmp_path / "restored")
    cut = tmp_path / "cut.tar.gz.enc"
    cut.write_bytes(sealed.read_bytes()[:-100])
    with pytest.raises(BackupError, match="damaged or cut short"):
        restore(cut, tmp_path / "restored", passphrase=lambda: PASSPHRASE)
    assert _left_behind(tmp_path) == []

    back = restore(sealed, tmp_path / "restored", passphrase=lambda: PASSPHRASE, expect_fingerprint=result.fingerprint)
    assert back.encrypted and back.verified
    assert (back.data_dir / "files" / "feedbeef").read_bytes() == photos

    with pytest.raises(BackupError, match="at least 8 characters"):
        backup(config, tmp_path / "weak", passphrase="1234")


def test_an_encrypted_backup_cut_at_a_chunk_boundary_is_refused(config, tmp_path):
    import os

    from groupbox.backup_seal import _HEADER, CHUNK, TAG

    (config.files_dir / "feedbeef").write_bytes(os.urandom(3 * 2**20))
    sealed = backup(config, tmp_path / "off-site", passphrase=PASSPHRASE).path
    cut = tmp_path / "cut.tar.gz.enc"
    cut.write_bytes(sealed.read_bytes()[: _HEADER + 2 * (CHUNK + TAG)])  # whole chunks, the last one missing
    with pytest.raises(BackupError, match="damaged or cut short"):
        restore(cut, tmp_path / "restored", passphrase=lambda: PASSPHRASE)


# -- nightly ------------------------------------------------------------------------------------
async def test_the_nightly_backup_comes_once_at_its_hour_and_keeps_the_newest(db, make_config):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from groupbox.backup import NIGHTLY_PREFIX, nightly

    config = make_config(backup_hour=3, backup_keep=3)
    berlin = ZoneInfo(config.timezone)
    by_hand = backup(config).path  # made by a person: never pruned
    old = []
    for day in range(1, 5):
        path = config.backups_dir / f"{NIGHTLY_PREFIX}202611{day:02d}-020000Z.tar.gz"
        path.write_bytes(b"old")
        old.append(path)

    assert await nightly(config, datetime(2026, 11, 26, 2, 59, tzinfo=berlin)) is None  # not yet
    tonight = await nightly(config, datetime(2026, 11, 26, 3, 5, tzinfo=berlin))
    assert tonight is not None and tonight.path.name == f"{NIGHTLY_PREFIX}20261126-020500Z.tar.gz"
    assert await nightly(config, datetime(2026, 11, 26, 3, 40, tzinfo=berlin)) is None  # once a day
    kept = sorted(p.name for p in config.backups_dir.glob(f"{NIGHTLY_PREFIX}*"))
    assert kept == [old[2].name, old[3].name, tonight.path.name]
    assert by_hand.exists()
    assert await nightly(config, datetime(2026, 11, 27, 3, 0, tzinfo=berlin)) is not None  # the next night

    assert await nightly(make_config(backup_hour=-1), datetime(2026, 11, 28, 4, 0, tzinfo=berlin)) is None


async def test_starting_the_server_at_noon_takes_no_nightly_backup(db, make_config):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from groupbox.backup import NIGHTLY_PREFIX, nightly

    config = make_config(backup_hour=3)
    berlin = ZoneInfo(config.timezone)
    assert await nightly(config, datetime(2026, 11, 26, 14, 0, tzinfo=berlin)) is None
    assert await nightly(config, datetime(2026, 11, 26, 23, 59, tzinfo=berlin)) is None
    assert not list(config.backups_dir.glob(f"{NIGHTLY_PREFIX}*"))
    assert await nightly(config, datetime(2026, 11, 27, 3, 10, tzinfo=berlin)) is not None


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
