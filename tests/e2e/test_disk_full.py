"""A real server on a real, full disk (a small tmpfs; issue 11 item 6): writes answer 507 with a
page that says what to do, pages that only read keep working, the health check and `doctor` say
why, and everything recovers once there is room again."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import seed, start_server, stop_server
from tests.factories import build_world


@pytest.fixture
def small_disk(tmp_path, template_data):
    """The data folder on its own 12 MB tmpfs (needs root, as CI and the dev machines have)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs needs root")
    try:
        shutil.copytree(template_data, mount, dirs_exist_ok=True)
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _fill(disk: Path) -> Path:
    """Write zeros until the disk says no (unbuffered, so nothing is left to fail at close)."""
    filler = disk / "filler.bin"
    with filler.open("wb", buffering=0) as handle:
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    handle.write(b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    return filler


@pytest.mark.sqlite_only("the database fills the data folder's disk only when it is the SQLite file in it")
def test_a_full_disk_refuses_writes_clearly_and_keeps_reading(small_disk):
    server = start_server(small_disk, env={"GROUPBOX_ENV": "development"})
    try:
        world = seed(server, build_world)
        gid = world.group["id"]
        coach = httpx.Client(base_url=server.url, cookies={"gb_session": world.people["admin"].session_token},
                             timeout=20)
        coach.get("/api/me")
        coach.headers["x-csrftoken"] = coach.cookies.get("csrftoken")
        soon = (datetime.now(UTC) + timedelta(days=3)).isoformat()
        event = coach.post(f"/api/groups/{gid}/events", json={"title": "Match", "starts_at": soon,
                                                             "rsvp_required": True})
        assert event.status_code == 201, event.text
        event_id = event.json()["id"]
        # Samir's session was last seen an hour ago: his next request wants to record that.
        with sqlite3.connect(small_disk / "groupbox.sqlite3") as db:
            db.execute("UPDATE session SET last_seen_at = ?", ((datetime.now(UTC) - timedelta(hours=1)).isoformat(),))
        assert httpx.get(f"{server.url}/api/health").status_code == 200

        filler = _fill(small_disk)

        body = "Bring water. " * 700
        response = coach.post(f"/api/groups/{gid}/announcements", json={"title": "Heat", "body": body})
        assert response.status_code == 507, response.text
        assert response.json() == {"detail": "The server's disk is full, so nothing was saved. Please tell the admin.",
                                   "status_code": 507}
        page = coach.post(f"/groups/{gid}/announcements/new", data={"title": "Heat", "body": body,
                                                                   "_csrf_token": coach.headers["x-csrftoken"]},
                          headers={"x-csrftoken": ""})
        assert page.status_code == 507 and "disk is full" in page.text and "Traceback" not in page.text

        samir = httpx.Client(base_url=server.url, cookies={"gb_session": world.people["member"].session_token},
                             timeout=20)
        for path in ("/", f"/groups/{gid}", f"/events/{event_id}", "/calendar", "/api/me"):
            assert samir.get(path).status_code == 200, path

        health = httpx.get(f"{server.url}/api/health")
        assert health.status_code == 503
        assert "full" in health.json()["detail"]
        doctor = server.cli("doctor", check=False)
        assert doctor.returncode == 1 and "disk" in doctor.stdout + doctor.stderr

        filler.unlink()
        assert httpx.get(f"{server.url}/api/health").status_code == 200
        response = coach.post(f"/api/groups/{gid}/announcements", json={"title": "Heat", "body": "Bring water."})
        assert response.status_code == 201, response.text
        titles = [a["title"] for a in coach.get(f"/api/groups/{gid}/announcements").json()["items"]]
        assert titles.count("Heat") == 1  # the refused one left nothing behind
    finally:
        stop_server(server)
    assert "Traceback" not in server.log.read_text()
