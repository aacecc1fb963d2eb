"""`groupbox backup` while a real server keeps taking writes, and `groupbox restore` into a new
folder that a second real server then serves: the same people, sessions, messages and files."""

from __future__ import annotations

import json
import tarfile
import threading
import time
from pathlib import Path

import httpx

from tests.conftest import run_cli, seed, start_server, stop_server
from tests.factories import build_world

SCHEDULE = b"%PDF-1.4\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 2000 + b"trailer << >>\n%%EOF\n"


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
    assert names[-1] == "manifest.json" and len(manifest["files"]) == result["files"] == len(names) - 1
    assert all(len(item["sha256"]) == 64 for item in manifest["files"])

    restored = tmp_path / "restored"
    done = json.loads(run_cli("restore", str(archive), "--data", str(restored), "--json").stdout)
    assert done["data_dir"] == str(restored) and done["files"] == result["files"] and done["migrated"] == []
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
