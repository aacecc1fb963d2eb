"""What a backup costs the people using the server while it runs, and how fast backup and restore are.

    .venv/bin/python benchmarks/bench_backup.py [--messages 200000] [--files-mb 100] [--seconds 6]

A fresh instance gets a sizable database (a generated WhatsApp export of --messages imported into
the archive, with its full-text index) and --files-mb of incompressible stored files (like
photos). A real `groupbox serve` (one worker) then takes a steady stream of posted messages: first
alone (the baseline), then while `groupbox backup` runs beside it. Printed: message-post latency
p50/p95 and posts/s with and without the backup, the backup's time, MB/s and peak RSS, and the
restore's time. Targets 127.0.0.1 only; never asserts on time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PYTHON, ROOT, BenchError, Server, fresh_instance, signed_in_cookie, table  # noqa: E402
from whatsapp_parse import write_export  # noqa: E402


def cli(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    proc = subprocess.run([PYTHON, "-m", "groupbox.cli.main", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise BenchError(f"groupbox {args[0]} failed: {proc.stderr.strip()[-500:]}")
    return proc


@contextlib.contextmanager
def session(server: Server, cookie: str) -> Iterator[httpx.Client]:
    """A client with the session cookie and the CSRF header a cookie-signed-in POST needs."""
    name, _, value = cookie.partition("=")
    with httpx.Client(base_url=server.base_url, cookies={name: value}, timeout=30) as client:
        client.get("/")
        client.headers["x-csrftoken"] = client.cookies.get("csrftoken") or ""
        yield client


def post_loop(server: Server, cookie: str, thread_id: str, stop: threading.Event, latencies: list[float]) -> None:
    with session(server, cookie) as client:
        while not stop.is_set():
            started = time.perf_counter()
            response = client.post(f"/api/threads/{thread_id}/messages", json={"body": "I can drive two kids."})
            if response.status_code != 201:
                raise BenchError(f"posting a message answered {response.status_code}")
            latencies.append((time.perf_counter() - started) * 1000)


def row(name: str, latencies: list[float], seconds: float, baseline: str | None = None) -> dict:
    ordered = sorted(latencies)
    return {"name": name, "p50_ms": statistics.median(ordered), "p95_ms": ordered[int(len(ordered) * 0.95) - 1],
            "rps": len(ordered) / seconds, **({"baseline": baseline} if baseline else {})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--files-mb", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=6.0, help="length of the baseline write stream")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-backup-") as tmp:
        data_dir, signin_url = fresh_instance(tmp)
        group = json.loads(cli("group", "create", "Bench parents", "--json", "--data", str(data_dir)).stdout)
        export = Path(tmp) / "chat.txt"
        write_export(export, args.messages, "android")
        cli("import-whatsapp", group["id"], str(export), "--json", "--data", str(data_dir))
        for n in range(args.files_mb):
            (data_dir / "files" / f"{n:032x}").write_bytes(os.urandom(1024 * 1024))
        db_mb = (data_dir / "groupbox.sqlite3").stat().st_size / 2**20
        print(f"instance: {args.messages:,} archived messages, database {db_mb:.0f} MB, {args.files_mb} MB of files")

        with Server(data_dir, workers=1, env={"GROUPBOX_BACKGROUND_JOBS": "0"}) as server:
            cookie = signed_in_cookie(server.base_url, signin_url)
            with session(server, cookie) as client:
                client.get("/")
                client.headers["x-csrftoken"] = client.cookies.get("csrftoken") or ""
                made = client.post(f"/api/groups/{group['id']}/threads", json={"title": "Carpool", "body": "Who?"})
                if made.status_code != 201:
                    raise BenchError(f"starting a thread answered {made.status_code}: {made.text[:200]}")
                thread_id = made.json()["thread"]["id"]

            def stream(during) -> tuple[list[float], float, object]:
                stop, latencies = threading.Event(), []
                writer = threading.Thread(target=post_loop, args=(server, cookie, thread_id, stop, latencies))
                started = time.perf_counter()
                writer.start()
                try:
                    outcome = during()
                finally:
                    stop.set()
                    writer.join()
                return latencies, time.perf_counter() - started, outcome

            alone, alone_s, _ = stream(lambda: time.sleep(args.seconds))
            target = Path(tmp) / "backups"

            def take_backup() -> dict:
                return json.loads(cli("backup", str(target), "--json", "--data", str(data_dir)).stdout)

            during, during_s, result = stream(take_backup)

        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        started = time.perf_counter()
        cli("restore", result["path"], "--json", "--data", str(Path(tmp) / "restored"))
        restore_s = time.perf_counter() - started

    table([row("post a message, no backup running", alone, alone_s),
           row("post a message while `groupbox backup` runs", during, during_s,
               baseline="post a message, no backup running")])
    worst = max(during) if during else 0.0
    print(f"slowest post during the backup: {worst:.0f} ms")
    total_mb = result["bytes"] / 2**20
    source_mb = db_mb + args.files_mb
    print(f"backup: {result['seconds']:.1f} s for {source_mb:.0f} MB ({source_mb / result['seconds']:.0f} MB/s),"
          f" archive {total_mb:.0f} MB, {result['files']} files; peak RSS of the CLI processes {peak_mib:.0f} MiB")
    print(f"restore (verify, unpack, integrity check, migrate): {restore_s:.1f} s")


if __name__ == "__main__":
    main()
