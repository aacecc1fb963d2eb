"""SQLite with one worker beside PostgreSQL with 1, 2 and 4 workers (issue 12's benchmark).

    .venv/bin/python benchmarks/bench_engines.py [--seconds 5] [--connections 8]

On `groupbox init --demo` data, once per engine (SQLite in the data folder; PostgreSQL 15 started
by tests/pg.py in a temp folder on a loopback port, no system service), plus 32 parents who joined
one of Anna's groups through invites:
- RSVP writes: 32 clients (one wrk thread each) changing their answer to one upcoming event
  nonstop — writes/s, p50, p99, errors (bench_all's `rsvp_load`);
- Anna's home `/` with the page cache off (GROUPBOX_PAGE_CACHE=0), wrk at --connections.

PostgreSQL runs with fsync on and synchronous_commit off: like SQLite's WAL with
synchronous=NORMAL, a power cut may lose the last commits but never corrupts. Everything runs
on this machine (the database shares its cores with the workers and wrk). Prints one table and
writes benchmarks/results/engines.json. A few minutes; never asserts on time (±25% run to run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bench_all import RSVP_CLIENTS, rsvp_load
from bench_dashboards import SERVER_ENV, measure
from common import PYTHON, ROOT, BenchError, Server, grid, signed_in_cookie

sys.path.insert(0, str(ROOT))
from groupbox.domain.groups.schemas import InviteOptions  # noqa: E402
from tests import pg  # noqa: E402 - the test harness's PostgreSQL, from the repository root

RESULTS = Path(__file__).resolve().parent / "results"
RUNS = (("sqlite", 1), ("postgresql", 1), ("postgresql", 2), ("postgresql", 4))
# As durable as SQLite's WAL + synchronous=NORMAL (tests/pg.py turns fsync off for speed).
PG_SETTINGS = {"fsync": "on", "full_page_writes": "on", "synchronous_commit": "off"}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Instance:
    """A demo data folder on one engine, with Anna's sign-in link, an event and 32 sessions."""

    def __init__(self, tmp: Path, engine: str, postgres: pg.PostgresServer | None) -> None:
        self.engine = engine
        self.env: dict[str, str] = {}
        if postgres is not None:
            self.env["GROUPBOX_DATABASE_URL"] = postgres.url(postgres.create_database(f"bench_{engine}"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("GROUPBOX_")} | self.env
        started = time.monotonic()
        proc = subprocess.run([PYTHON, "-m", "groupbox.cli.main", "init", "--demo", "--json",
                               "--data", str(tmp / engine)], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=300)
        if proc.returncode != 0:
            raise BenchError(f"groupbox init --demo on {engine} failed: {proc.stderr.strip()[-800:]}")
        payload = json.loads(proc.stdout.strip().splitlines()[-1])
        self.init_s = time.monotonic() - started
        self.data_dir = Path(payload["data_dir"])
        self.anna_link = payload["demo"]["signin_url"]
        self.anna_cookie = ""
        self.event_id, self.rsvp_tokens = asyncio.run(self._prepare())

    async def _prepare(self) -> tuple[str, list[str]]:
        from groupbox.config import load_config
        from groupbox.db.engine import DB
        from groupbox.domain.groups import invites
        from groupbox.domain.identity import service as identity
        from groupbox.util import now

        config = load_config(self.data_dir, env=self.env)
        async with DB.session(config.database):
            event = await DB.fetchone(
                "SELECT e.id, e.group_id FROM event e"
                " WHERE e.starts_at > ? AND e.cancelled_at IS NULL AND e.deleted_at IS NULL"
                " ORDER BY e.starts_at LIMIT 1", now())
            if event is None:
                raise BenchError("the demo data has no upcoming event")
            admin = await DB.fetchone(
                "SELECT profile_id FROM member WHERE group_id = ? AND role IN ('owner', 'admin')"
                " AND status = 'active' AND profile_id IS NOT NULL ORDER BY joined_at LIMIT 1", event["group_id"])
            if admin is None:
                raise BenchError("the demo event's group has no admin to invite the RSVP clients")
            inviter = await identity.load_actor(admin["profile_id"])
            tokens = []
            for n in range(RSVP_CLIENTS):
                _invite, token = await invites.invite_create(inviter, event["group_id"], InviteOptions(role="member"))
                joined = await invites.invite_claim(token, f"Bench parent {n:02d}", actor=None, user_agent="bench",
                                                    ip=f"bench-{n}", rate="1000/minute")
                tokens.append(joined.session_token)
        return event["id"], tokens


def run_one(instance: Instance, workers: int, args: argparse.Namespace) -> dict[str, Any]:
    env = {**SERVER_ENV, **instance.env, "GROUPBOX_PAGE_CACHE": "0"}
    with Server(instance.data_dir, workers=workers, env=env, start_timeout=90) as server:
        if not instance.anna_cookie:  # the link is spent once; the session lives in the database
            instance.anna_cookie = signed_in_cookie(server.base_url, instance.anna_link)
        load = SimpleNamespace(seconds=args.seconds, connections=args.connections)
        home = measure("Anna's home, uncached", server.url("/"), load, instance.anna_cookie)
        rsvp = rsvp_load(server, instance.event_id, instance.rsvp_tokens, args.seconds)
    return {"engine": instance.engine, "workers": workers, "rsvp": rsvp,
            "home": {k: home[k] for k in ("bytes", "rps", "p50_ms", "p95_ms", "p99_ms", "requests", "errors",
                                          "non2xx")}}


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5, help="wrk duration per measurement (default 5)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections for the home page (default 8)")
    parser.add_argument("--out", type=Path, default=RESULTS / "engines.json", help="where to write the figures")
    args = parser.parse_args()
    began = time.monotonic()
    pg.SETTINGS.update(PG_SETTINGS)  # this process's harness only
    postgres = pg.PostgresServer().start()
    rows: list[dict[str, Any]] = []
    failures: dict[str, str] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="gb-bench-engines-") as name:
            tmp = Path(name)
            instances: dict[str, Instance | None] = {}
            for engine in ("sqlite", "postgresql"):
                log(f"# preparing demo data on {engine}")
                try:
                    instances[engine] = Instance(tmp, engine, postgres if engine == "postgresql" else None)
                except Exception as exc:  # noqa: BLE001 - reported in the table, the other engine still runs
                    instances[engine] = None
                    failures[engine] = str(exc)
                    log(f"  failed: {exc}")
            for engine, workers in RUNS:
                instance = instances.get(engine)
                if instance is None:
                    continue
                log(f"# {engine}, {workers} worker(s)")
                try:
                    rows.append(run_one(instance, workers, args))
                except Exception as exc:  # noqa: BLE001 - reported in the table, the other runs still run
                    failures[f"{engine} ×{workers}"] = str(exc)[-1500:]
                    log(f"  failed: {str(exc)[-1500:]}")
    finally:
        postgres.stop()

    lines = [("engine", "workers", "RSVP writes/s", "p50 ms", "p99 ms", "errors",
              "home req/s", "p50 ms", "p95 ms", "p99 ms", "errors")]
    for row in rows:
        rsvp, home = row["rsvp"], row["home"]
        lines.append((row["engine"], str(row["workers"]), f"{rsvp['rps']:,.0f}", f"{rsvp['p50_ms']:.1f}",
                      f"{rsvp['p99_ms']:.1f}", str(rsvp["errors"] + rsvp["non2xx"]), f"{home['rps']:,.0f}",
                      f"{home['p50_ms']:.1f}", f"{home['p95_ms']:.1f}", f"{home['p99_ms']:.1f}",
                      str(home["errors"] + home["non2xx"])))
    environment = (f"Python {platform.python_version()}, {os.cpu_count()} cores, granian {version('granian')}, "
                   f"asyncpg {version('asyncpg')}, PostgreSQL {pg.bin_dir().parts[-2]}; commit {_git('rev-parse', '--short', 'HEAD')}")
    print(f"\n# engines — {environment}; wrk {args.seconds:g} s per measurement, "
          f"RSVP at {RSVP_CLIENTS} clients, home at {args.connections} connections, page cache off\n")
    grid(lines, left=1)
    for what, reason in failures.items():
        print(f"\n{what}: not measured — {reason}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "when": datetime.now(UTC).isoformat(timespec="seconds"), "environment": environment,
        "seconds": args.seconds, "connections": args.connections, "rsvp_clients": RSVP_CLIENTS,
        "postgres_settings": PG_SETTINGS, "runs": rows, "failures": failures,
        "took_s": round(time.monotonic() - began, 1)}, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0 if rows and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
