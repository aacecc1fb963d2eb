"""`make fuzz`: schemathesis against a live `groupbox serve` on a loopback port, as a member and as
a group admin, checked against the document at /api/schema (SPEC §15, issue 16 item 11).

Green when no answer is a server error (5xx, also none logged) and every answer matches the
document: its status is listed, its content type, headers and body match. A fresh data folder
each run, with one of each kind of object in the group; requests name those real ids most of
the time (the rest are random), so they reach past "not found" into the rules. People come from
`tests.factories.build_world`, signed in with their session cookie and the CSRF token bound to
it. Routes that would end the session or the membership the run relies on are left out (sign
out, delete me, delete me from a group, leave, revoke a device).

Prints schemathesis' report and a line of figures per person; exits 1 on any failure.
`--max-examples N` (per operation and phase; default 25, about a minute per person on 2 cores),
`--seed N`, `--people member,admin`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from groupbox.db.engine import DB  # noqa: E402
from groupbox.domain.groups.schemas import InviteOptions  # noqa: E402
from groupbox.domain.objects.schemas import EventInput  # noqa: E402
from groupbox.instance import init_instance  # noqa: E402
from tests.conftest import start_server, stop_server  # noqa: E402
from tests.factories import build_world  # noqa: E402

# (method, path pattern) of routes that would end the session or the membership the run needs.
EXCLUDED = [
    ("POST", r"^/api/auth/signout$"),
    ("DELETE", r"^/api/me$"),
    ("DELETE", r"^/api/me/groups/"),
    ("DELETE", r"^/api/me/devices/"),
    ("POST", r"^/api/groups/\{group_id\}/leave$"),
]
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance"]
# Path parameters and where the seeded group's real ones are (each query takes the group id).
ID_QUERIES = {
    "event_id": "SELECT id FROM event WHERE group_id = ?",
    "announcement_id": "SELECT id FROM announcement WHERE group_id = ?",
    "task_id": "SELECT id FROM task WHERE group_id = ?",
    "poll_id": "SELECT id FROM poll WHERE group_id = ?",
    "signup_id": "SELECT id FROM signup WHERE group_id = ?",
    "slot_id": "SELECT s.id FROM signup_slot s JOIN signup u ON u.id = s.signup_id WHERE u.group_id = ?",
    "thread_id": "SELECT id FROM thread WHERE group_id = ?",
    "message_id": "SELECT m.id FROM message m JOIN thread t ON t.id = m.thread_id WHERE t.group_id = ?",
    "invite_id": "SELECT id FROM invite WHERE group_id = ?",
    "notification_id": "SELECT id FROM notification WHERE group_id = ?",
    "file_id": "SELECT id FROM file WHERE group_id = ?",
}
REAL_ID_PROBABILITY = 0.8


# -- the data -----------------------------------------------------------------------------------
async def _seed(world) -> None:
    """One of each kind of object in the group."""
    from datetime import timedelta

    from groupbox.domain.groups import invites
    from groupbox.domain.notify import service as notify
    from groupbox.domain.objects import announcements, events, polls, signups, tasks, threads
    from groupbox.domain.objects.schemas import (
        AnnouncementCreate,
        PollCreate,
        SignupCreate,
        SlotInput,
        TaskCreate,
    )
    from groupbox.util import now

    owner = await world.owner.actor()
    group_id = world.group["id"]
    await events.event_create(owner, group_id, EventInput(
        title="Training", starts_at=now() + timedelta(days=3), rsvp_required=True, location="Park"))
    await announcements.announcement_create(owner, group_id, AnnouncementCreate(title="Kit day", body="Bring boots",
                                                                                ack_required=True))
    await tasks.task_create(owner, group_id, TaskCreate(title="Wash shirts", assignee_ids=[world.member_id("member")]))
    await polls.poll_create(owner, group_id, PollCreate(question="Pizza or pasta?", options=["Pizza", "Pasta"]))
    await signups.signup_create(owner, group_id, SignupCreate(title="Cakes", slots=[SlotInput(label="Cake", capacity=3)]))
    await threads.thread_create(owner, group_id, "Carpool", "Who drives on Saturday?")
    await invites.invite_create(owner, group_id, InviteOptions())
    await notify.notify([world.member_id("member"), world.member_id("admin")], "mention", group_id=group_id,
                        title="Olivia mentioned you", url=f"/groups/{group_id}")


async def _prepare(data_dir: Path):
    await init_instance(data_dir, admin="Olivia Owner", name="Fuzz Server")
    async with DB.session(data_dir / "groupbox.sqlite3"):
        world = await build_world()
        await _seed(world)
    return world


async def _real_ids(data_dir: Path, world) -> dict[str, list[str]]:
    group_id = world.group["id"]
    ids = {"group_id": [group_id, world.other_group["id"]],
           "member_id": [world.member_id(role) for role in ("moderator", "member", "guest")]}
    async with DB.session(data_dir / "groupbox.sqlite3"):
        for name, sql in ID_QUERIES.items():
            ids[name] = [row["id"] for row in await DB.fetch(sql, group_id)]
    return ids


def _csrf(url: str, session: str) -> str:
    """The CSRF token bound to this session (a GET answers with it as a cookie)."""
    answer = httpx.get(f"{url}/api/me", cookies={"gb_session": session}, timeout=10)
    answer.raise_for_status()
    return answer.cookies["csrftoken"]


def _upload_a_file(url: str, session: str, group_id: str) -> None:
    """A file through the API, as people upload them (the server stores it)."""
    token = _csrf(url, session)
    answer = httpx.post(f"{url}/api/groups/{group_id}/files", cookies={"gb_session": session, "csrftoken": token},
                        headers={"x-csrftoken": token}, data={"ack_required": "1"},
                        files={"file": ("schedule.txt", b"Saturday 10:00 training\n", "text/plain")}, timeout=30)
    answer.raise_for_status()


# -- the run ------------------------------------------------------------------------------------
def _excluded_operations(url: str) -> list[str]:
    schema = httpx.get(f"{url}/api/schema", timeout=10).json()
    return [operation["operationId"] for path, item in schema["paths"].items() for method, operation in item.items()
            if any(method.upper() == m and re.search(p, path) for m, p in EXCLUDED)]


def _config(ids: dict[str, list[str]], path: Path) -> Path:
    """schemathesis.toml: each path parameter drawn from the real ids most of the time."""
    lines = []
    for name, values in ids.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}"]
    lines.append("[parameters]")
    lines += [f'"path.{name}" = {{ dictionary = "{name}", probability = {REAL_ID_PROBABILITY} }}'
              for name, values in ids.items() if values]
    path.write_text("\n".join(lines) + "\n")
    return path


def _schemathesis(url: str, session: str, ids: dict[str, list[str]], args: argparse.Namespace,
                  folder: Path, role: str) -> tuple[int, str, float]:
    token = _csrf(url, session)
    command = [
        str(Path(sysconfig.get_path("scripts")) / "schemathesis"),
        "--config-file", str(_config(ids, folder / f"{role}.toml")), "--no-color",
        "run", f"{url}/api/schema",
        "--checks", ",".join(CHECKS),
        "--max-examples", str(args.max_examples), "--seed", str(args.seed), "--workers", "1",
        "--generation-database", "none", "--generation-with-security-parameters", "false",
        "--suppress-health-check", "all", "--request-timeout", "30", "--max-redirects", "0",
        "--header", f"Cookie: gb_session={session}; csrftoken={token}",
        "--header", f"x-csrftoken: {token}",
    ]
    for operation_id in _excluded_operations(url):
        command += ["--exclude-operation-id", operation_id]
    started = time.monotonic()
    # In the temporary folder: schemathesis keeps a cache folder where it runs.
    result = subprocess.run(command, capture_output=True, text=True, cwd=folder, env={**os.environ, "NO_COLOR": "1"})
    return result.returncode, result.stdout + result.stderr, time.monotonic() - started


def _figures(output: str) -> tuple[int, int]:
    generated = re.search(r"(\d+) generated", output)
    failures = re.search(r"(\d+) unique failures?", output)
    return int(generated.group(1)) if generated else 0, int(failures.group(1)) if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--people", default="member,admin")
    args = parser.parse_args()
    figures = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="groupbox-fuzz-") as tmp:
        folder = Path(tmp)
        world = asyncio.run(_prepare(folder / "data"))
        server = start_server(folder / "data", env={"GROUPBOX_BACKGROUND_JOBS": "0"})
        try:
            _upload_a_file(server.url, world.owner.session_token, world.group["id"])
            ids = asyncio.run(_real_ids(folder / "data", world))
            for role in args.people.split(","):
                code, output, seconds = _schemathesis(server.url, world.people[role].session_token, ids, args,
                                                      folder, role)
                print(f"==================== as {role} ====================\n{output}", flush=True)
                cases, failures = _figures(output)
                figures.append(f"as {role}: {cases} test cases, {failures} failures, {seconds:.0f} s")
                failed |= code != 0
        finally:
            stop_server(server)
            logged = re.findall(r"(?m)^.*(?:unhandled error|Traceback).*$", server.log.read_text(errors="replace"))
    if logged:
        failed = True
        print("server errors in the log:\n" + "\n".join(logged[:20]))
    print(f"fuzz (max {args.max_examples} examples per operation and phase, seed {args.seed}):")
    for line in figures:
        print(f"  {line}")
    print("  FAILED" if failed else "  no server errors; every answer matches /api/schema")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
