"""`groupbox backup` while a real server keeps taking writes, and `groupbox restore` into a new
folder that a second real server then serves: the same people, sessions, messages and files."""

from __future__ import annotations

import json
import tarfile
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import run_cli, seed, start_server, stop_server
from tests.factories import build_world

SCHEDULE = b"%PDF-1.4\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 2000 + b"trailer << >>\n%%EOF\n"
# A backup holds the SQLite database; on PostgreSQL `groupbox backup` refuses (tests/e2e/test_cli.py).
pytestmark = pytest.mark.sqlite_only("groupbox backup covers the SQLite database; PostgreSQL's is pg_dump's")


def _client(server, person) -> httpx.Client:
    client = httpx.Client(base_url=server.url, cookies={"gb_session": person.session_token}, timeout=20)
    client.get("/")
    client.headers["x-csrftoken"] = client.cookies.get("csrftoken")
    return client


def test_backup_while_serving_then_restore_and_serve_the_copy(live_server, tmp_path):
    world = seed(live_server, build_world)
    gid = world.group["id"]
    coach = _client(live_server, world.people["admin"])
    upload = coach.post(f"/api/groups/{gid}/files", files={"file": ("Season schedule.pdf", SCHEDULE, "application/pdf")})
    assert upload.status_code == 201, upload.text
    file_id = upload.json()["id"]
    thread = coach.post(f"/api/groups/{gid}/threads", json={"title": "Carpool", "body": "Who drives?"}).json()["thread"]

    # Parents keep posting while the backup runs: none of them may see an error.
    stop, statuses = threading.Event(), []

    def keep_posting():
        try:
            parent = _client(live_server, world.people["member"])
            while not stop.is_set():
                statuses.append(parent.post(f"/api/threads/{thread['id']}/messages",
                                            json={"body": "I can"}).status_code)
        except Exception as exc:  # reported below, never a hang
            statuses.append(repr(exc))
            stop.set()

    def wait_for(count: int) -> None:
        deadline = time.monotonic() + 30
        while len(statuses) < count and not stop.is_set() and time.monotonic() < deadline:
            time.sleep(0.01)

    writer = threading.Thread(target=keep_posting)
    writer.start()
    try:
        wait_for(5)
        result = json.loads(live_server.cli("backup", str(tmp_path / "backups"), "--json").stdout)
        wait_for(len(statuses) + 5)
    finally:
        stop.set()
        writer.join()
    assert set(statuses) == {201}, set(statuses)

    archive = Path(result["path"])
    assert archive.parent == tmp_path / "backups" and archive.stat().st_mode & 0o777 == 0o600
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert {"groupbox.sqlite3", "groupbox.toml", "keys/secret.key", "keys/data.key"} <= set(names)
    assert names[:2] == ["manifest.json", "manifest.sig"]
    assert len(manifest["files"]) == result["files"] == len(names) - 2
    assert all(len(item["sha256"]) == 64 for item in manifest["files"])
    assert len(result["fingerprint"]) == 32 and result["encrypted"] is False

    restored = tmp_path / "restored"
    done = json.loads(run_cli("restore", str(archive), "--data", str(restored), "--json",
                              "--expect-fingerprint", result["fingerprint"]).stdout)
    assert done["data_dir"] == str(restored) and done["files"] == result["files"] and done["migrated"] == []
    assert done["verified"] is True and done["fingerprint"] == result["fingerprint"]
    assert (restored / "keys").stat().st_mode & 0o777 == 0o700
    copy = start_server(restored, env={"GROUPBOX_ENV": "development"})
    try:
        # The same session cookie works there (sessions live in the database, keys came along).
        parent = _client(copy, world.people["member"])
        assert parent.get(f"/api/groups/{gid}").json()["name"] == world.group["name"]
        downloaded = parent.get(f"/api/files/{file_id}/download")
        assert downloaded.status_code == 200 and downloaded.content == SCHEDULE
        posted = parent.get(f"/api/threads/{thread['id']}").json()["thread"]
        assert posted["message_count"] >= 1 + 5  # the first message and what came before the backup
    finally:
        stop_server(copy)

    # The backup went to the folder asked for; by default it lands in DATA/backups/.
    default = json.loads(live_server.cli("backup", "--json").stdout)
    assert Path(default["path"]).parent == live_server.data_dir / "backups"


def test_backup_and_restore_say_what_is_wrong_in_one_line(live_server, tmp_path):
    existing = tmp_path / "taken.tar.gz"
    existing.write_bytes(b"mine")
    for args, words in (
        (("backup", str(existing), "--data", str(live_server.data_dir)), "already exists"),
        (("backup", "--data", str(tmp_path / "nothing")), "not initialised"),
        (("restore", str(tmp_path / "missing.tar.gz"), "--data", str(tmp_path / "new")), "is not a file"),
        (("restore", str(existing), "--data", str(tmp_path / "new")), "not a complete groupbox backup"),
        (("restore", str(existing), "--data", str(live_server.data_dir)), "not empty"),
    ):
        result = run_cli(*args, check=False)
        assert result.returncode == 1 and words in result.stderr, (args, result.stderr)
        assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert existing.read_bytes() == b"mine" and not (tmp_path / "new").exists()


def test_the_owner_restores_only_what_their_server_signed_and_encrypted_copies_need_the_passphrase(data_dir, tmp_path):
    """Someone with a copy of a backup plants a session in its database, lists the new checksum
    and signs it with a key of their own: the owner's `--expect-fingerprint` refuses it. A copy
    made with `--encrypt` restores only with its passphrase. Every refusal is one line."""
    made = json.loads(run_cli("backup", str(tmp_path / "copies"), "--data", str(data_dir), "--json").stdout)
    fingerprint = made["fingerprint"]
    forged = _plant_session(Path(made["path"]), tmp_path / "forged.tar.gz")

    refused = run_cli("restore", str(forged), "--data", str(tmp_path / "new"), "--expect-fingerprint", fingerprint,
                      check=False)
    assert refused.returncode == 1 and f"not by {fingerprint}" in refused.stderr, refused.stderr
    assert refused.stderr.strip().count("\n") == 0 and not (tmp_path / "new").exists()
    unchecked = run_cli("restore", str(forged), "--data", str(tmp_path / "unchecked"))
    assert "Origin not verified" in unchecked.stdout

    secret = tmp_path / "passphrase"
    secret.write_text("correct horse battery staple\n")
    sealed = json.loads(run_cli("backup", str(tmp_path / "off-site"), "--encrypt", "--passphrase-file", str(secret),
                                "--data", str(data_dir), "--json").stdout)
    assert sealed["encrypted"] is True and sealed["path"].endswith(".tar.gz.enc")
    assert not Path(sealed["path"]).read_bytes().startswith(b"\x1f\x8b")
    for env, words in (({}, "a passphrase is needed"),
                       ({"GROUPBOX_BACKUP_PASSPHRASE": "not the passphrase"}, "wrong passphrase")):
        result = run_cli("restore", sealed["path"], "--data", str(tmp_path / "new"), env=env, check=False)
        assert result.returncode == 1 and words in result.stderr, result.stderr
        assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    back = json.loads(run_cli("restore", sealed["path"], "--data", str(tmp_path / "new"), "--json",
                              "--expect-fingerprint", fingerprint,
                              env={"GROUPBOX_BACKUP_PASSPHRASE": "correct horse battery staple"}).stdout)
    assert back["encrypted"] is True and back["verified"] is True


def _plant_session(source: Path, target: Path) -> Path:
    import hashlib
    import io
    import sqlite3

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from groupbox.backup_seal import sign

    with tarfile.open(source) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    database = target.with_suffix(".sqlite3")
    database.write_bytes(dict((m.name, data) for m, data in members)["groupbox.sqlite3"])
    with sqlite3.connect(database) as db:
        owner = db.execute("SELECT id FROM profile LIMIT 1").fetchone()[0]
        db.execute("INSERT INTO device (id, profile_id, created_at, last_seen_at) VALUES ('planted', ?, ?, ?)",
                   (owner, "2026-01-01 00:00:00+00:00", "2026-01-01 00:00:00+00:00"))
        db.execute("INSERT INTO session (id, token_hash, device_id, created_at, last_seen_at, expires_at)"
                   " VALUES ('planted', ?, 'planted', ?, ?, ?)", (hashlib.sha256(b"attacker").hexdigest(),
                   "2026-01-01 00:00:00+00:00", "2026-01-01 00:00:00+00:00", "2099-01-01 00:00:00+00:00"))
    db.close()
    planted = database.read_bytes()
    manifest = json.loads(members[0][1])
    for item in manifest["files"]:
        if item["name"] == "groupbox.sqlite3":
            item.update(size=len(planted), sha256=hashlib.sha256(planted).hexdigest())
    signed = json.dumps(manifest).encode()
    replaced = {"manifest.json": signed, "manifest.sig": sign(Ed25519PrivateKey.generate(), signed),
                "groupbox.sqlite3": planted}
    with tarfile.open(target, "w:gz") as tar:
        for member, data in members:
            data = replaced.get(member.name, data)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    return target
