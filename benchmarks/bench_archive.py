"""A big old chat's archive: its page and search while people read it, and what that does to
everyone else's requests.

    .venv/bin/python benchmarks/bench_archive.py [--messages 800000] [--seconds 8] [--clients 6]
                                                 [--workers 1] [--rebuild]

Data: a generated WhatsApp export of --messages entries (`whatsapp_parse.write_export`: one-line
and multi-line messages, media markers, system lines, about eight years of a chat) imported with
`groupbox import-whatsapp`, the real import service, into one group. Built once (a minute or two
for 800k) and cached under /tmp/groupbox-bench-archive/<messages>-v1/; every run copies that
folder and runs `groupbox migrate` on the copy, as an upgrade would (so an archive built before a
migration also shows that the migration copes with it).

A real `groupbox serve` (one worker, `--workers` to change) on a loopback port; every client is
its own process, reading as fast as the server answers. Each for --seconds:
- alone: one client calling `GET /api/events/{id}` (an unrelated event of the same group); then
  one client reading the archive; then one client reading `/me`;
- baseline: --clients clients reading `/me` (an ordinary signed-in page) while one more calls
  `GET /api/events/{id}`: what that many busy readers cost any request on this machine;
- the archive: --clients clients reading the archive (the newest page, its "Older" links a few
  pages back, a jump to a range of days, now and then a search for a common word) while one more
  calls `GET /api/events/{id}`.
Prints p50/p95/max and req/s per kind of request for the three side by side, then the budgets
(archive page p95 ≤ 100 ms and the unrelated call's p95 ≤ 50 ms, with 6 archive readers) as
met/missed. Never asserts on time.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PYTHON, ROOT, BenchError, Server, fresh_instance, signed_in_cookie  # noqa: E402
from whatsapp_parse import write_export  # noqa: E402

CACHE_ROOT = Path(tempfile.gettempdir()) / "groupbox-bench-archive"
BUILD = "v1"  # bump when the generated export changes; newer migrations run on each run's copy
BUDGET_ARCHIVE_MS = 100.0
BUDGET_OTHER_MS = 50.0
FIRST_DAY = date(2024, 1, 13)  # write_export's first message
STEP_S = 311  # and its spacing
SEARCH_WORDS = ["training", "drive", "water", "spandau shirts", "kick"]
OLDER = re.compile(r'href="\?([^"#]*before=\d+)[^"]*"')


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cli(*args: str, timeout: float = 1800) -> str:
    proc = subprocess.run([PYTHON, "-m", "groupbox.cli.main", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise BenchError(f"groupbox {args[0]} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return proc.stdout


def ensure_built(messages: int, rebuild: bool) -> tuple[Path, dict]:
    """The cached data folder with the imported archive, built now when missing."""
    cache = CACHE_ROOT / f"{messages}-{BUILD}"
    meta_path = cache / "meta.json"
    if meta_path.is_file() and not rebuild:
        return cache / "data", json.loads(meta_path.read_text())
    CACHE_ROOT.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f"{cache.name}.building-", dir=CACHE_ROOT))
    try:
        log(f"building an archive of {messages:,} messages (once; cached in {cache}) …")
        data_dir, _link = fresh_instance(building)
        group = json.loads(cli("group", "create", "Bench parents", "--json", "--data", str(data_dir)))
        export = building / "chat.txt"
        write_export(export, messages, "android")
        started = time.monotonic()
        counts = json.loads(cli("import-whatsapp", group["id"], str(export), "--json", "--data", str(data_dir)))
        meta = {"group_id": group["id"], "import_s": time.monotonic() - started, "counts": counts,
                "db_mib": sum(p.stat().st_size for p in data_dir.glob("groupbox.sqlite3*")) / 2**20}
        export.unlink()
        (building / "meta.json").write_text(json.dumps(meta))
        shutil.rmtree(cache, ignore_errors=True)
        building.rename(cache)
        for old in CACHE_ROOT.glob(f"{messages}-*"):  # built for other migrations: 250+ MB each
            if old != cache and ".building-" not in old.name:
                shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return cache / "data", meta


class Recorder:
    """Latencies per kind of request, and how many were not a 2xx (one per client process)."""

    def __init__(self) -> None:
        self.ms: dict[str, list[float]] = defaultdict(list)
        self.bad: dict[str, int] = defaultdict(int)

    def get(self, client: httpx.Client, kind: str, url: str) -> httpx.Response:
        started = time.perf_counter()
        response = client.get(url)
        self.ms[kind].append((time.perf_counter() - started) * 1000)
        if not 200 <= response.status_code < 300:
            self.bad[kind] += 1
        return response

    def merge(self, other: dict) -> None:
        for kind, values in other["ms"].items():
            self.ms[kind] += values
        for kind, n in other["bad"].items():
            self.bad[kind] += n


def read_archive(rec: Recorder, client: httpx.Client, stop: threading.Event, group_id: str, days: int,
                 seed: int, **_: object) -> None:
    """One person reading the archive: newest page, a few pages back, a range of days, a search."""
    rng = random.Random(seed)
    page = f"/groups/{group_id}/archive"
    while not stop.is_set():
        html = rec.get(client, "archive page", page).text
        for _ in range(rng.randint(1, 4)):
            match = OLDER.search(html)
            if not match or stop.is_set():
                break
            html = rec.get(client, "archive page", page + "?" + match.group(1).replace("&amp;", "&")).text
        start = FIRST_DAY + timedelta(days=rng.randrange(days))
        rec.get(client, "archive page", f"{page}?from={start}&to={start + timedelta(days=rng.randint(0, 30))}")
        if rng.random() < 0.3:
            rec.get(client, "archive search", f"{page}?q={rng.choice(SEARCH_WORDS)}")


def read_plain(rec: Recorder, client: httpx.Client, stop: threading.Event, **_: object) -> None:
    """The baseline reader: an ordinary signed-in page (`/me`, about half the archive page's work)."""
    while not stop.is_set():
        rec.get(client, "GET /me (baseline page)", "/me")


def call_event(rec: Recorder, client: httpx.Client, stop: threading.Event, event_id: str, **_: object) -> None:
    while not stop.is_set():
        rec.get(client, "GET /api/events/{id}", f"/api/events/{event_id}")
        time.sleep(0.005)  # someone else's page now and then, not a flood


def client_process(role: str, base: str, cookie: dict, seconds: float, results: mp.Queue, **kwargs: object) -> None:
    """One client in its own process (threads in one process would queue on its GIL and add their
    waits to the figures)."""
    rec, stop = Recorder(), threading.Event()
    threading.Timer(seconds, stop.set).start()
    with httpx.Client(base_url=base, cookies=cookie, timeout=60) as client:
        {"reader": read_archive, "plain": read_plain, "event": call_event}[role](rec, client, stop, **kwargs)
    results.put({"ms": dict(rec.ms), "bad": dict(rec.bad)})


def run(clients: list[tuple[str, dict]], base: str, cookie: dict, seconds: float,
        into: Recorder | None = None) -> Recorder:
    """Start the clients, each in its own process, for `seconds`; their figures go `into` one recorder."""
    context = mp.get_context("spawn")
    results = context.Queue()
    processes = [context.Process(target=client_process, args=(role, base, cookie, seconds, results), kwargs=kwargs)
                 for role, kwargs in clients]
    for process in processes:
        process.start()
    rec = into or Recorder()
    for _ in processes:
        rec.merge(results.get(timeout=seconds + 120))
    for process in processes:
        process.join()
    return rec


def p95(values: list[float]) -> float:
    """Nearest rank: with few samples the p95 is the slowest, never below the median."""
    ordered = sorted(values)
    return ordered[math.ceil(len(ordered) * 0.95) - 1] if ordered else float("nan")


def print_rows(columns: list[tuple[str, Recorder]], seconds: float) -> None:
    kinds = ["archive page", "archive search", "GET /me (baseline page)", "GET /api/events/{id}"]
    header = ["request"]
    for title, _rec in columns:
        header += [f"{title}: p50", "p95", "max", "req/s"]
    lines = [tuple(header)]
    for kind in kinds:
        cells = [kind]
        for _title, rec in columns:
            ms = rec.ms.get(kind, [])
            if not ms:
                cells += ["–"] * 4
                continue
            bad = f" !!{rec.bad[kind]} non-2xx" if rec.bad.get(kind) else ""
            cells += [f"{statistics.median(ms):.1f}", f"{p95(ms):.1f}", f"{max(ms):.0f}",
                      f"{len(ms) / seconds:.1f}{bad}"]
        lines.append(tuple(cells))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for n, line in enumerate(lines):
        print("  ".join([line[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(line[1:], widths[1:], strict=True)]))
        if n == 0:
            print("  ".join("-" * w for w in widths))
    print("(times in ms; req/s per kind of request)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=800_000)
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each measurement")
    parser.add_argument("--clients", type=int, default=6, help="archive readers under load")
    parser.add_argument("--workers", type=int, default=1, help="granian workers (the default setting is 1)")
    parser.add_argument("--rebuild", action="store_true", help="build the cached archive again")
    args = parser.parse_args()

    cached, meta = ensure_built(args.messages, args.rebuild)
    days = max(1, args.messages * STEP_S // 86400)
    print(f"# archive — {args.messages:,} messages over {days:,} days imported in {meta['import_s']:.0f} s "
          f"(once, cached); database {meta['db_mib']:.0f} MiB; {args.workers} worker(s), "
          f"{args.seconds:g} s per measurement")
    with tempfile.TemporaryDirectory(prefix="gb-bench-archive-") as tmp:
        data_dir = Path(tmp) / "data"
        shutil.copytree(cached, data_dir)
        cli("migrate", "--data", str(data_dir))
        link = json.loads(cli("signin-link", "--json", "--data", str(data_dir)))["signin_url"]
        with Server(data_dir, workers=args.workers, env={"GROUPBOX_BACKGROUND_JOBS": "0"}, start_timeout=60) as server:
            name, _, value = signed_in_cookie(server.base_url, link).partition("=")
            cookie = {name: value}
            with httpx.Client(base_url=server.base_url, cookies=cookie, timeout=60) as client:
                client.get("/")
                made = client.post(f"/api/groups/{meta['group_id']}/events",
                                   headers={"x-csrftoken": client.cookies.get("csrftoken") or ""},
                                   json={"title": "Away game", "starts_at": "2030-05-04T10:00"})
                if made.status_code != 201:
                    raise BenchError(f"creating an event answered {made.status_code}: {made.text[:200]}")
                event_id = made.json()["id"]
                client.get(f"/groups/{meta['group_id']}/archive")  # warm

            readers = [("reader", {"group_id": meta["group_id"], "days": days, "seed": n}) for n in range(args.clients)]
            event = [("event", {"event_id": event_id})]
            alone = run(event, server.base_url, cookie, args.seconds)
            run(readers[:1], server.base_url, cookie, args.seconds, into=alone)
            run([("plain", {})], server.base_url, cookie, args.seconds, into=alone)
            baseline = run([("plain", {})] * args.clients + event, server.base_url, cookie, args.seconds)
            loaded = run(readers + event, server.base_url, cookie, args.seconds)
            rss = server.worker_rss_mib()

    print_rows([("alone", alone), (f"{args.clients} on /me", baseline), (f"{args.clients} on the archive", loaded)],
               args.seconds)
    print(f"worker RSS after the load: {rss:.0f} MiB")
    page95, other95 = p95(loaded.ms["archive page"]), p95(loaded.ms["GET /api/events/{id}"])
    clean = not any(loaded.bad.values())
    print(f"archive page p95 with {args.clients} readers: {page95:.1f} ms (budget ≤ {BUDGET_ARCHIVE_MS:g} ms): "
          f"{'MET' if page95 <= BUDGET_ARCHIVE_MS and clean else 'MISSED'}")
    print(f"GET /api/events/{{id}} p95 meanwhile: {other95:.1f} ms (budget ≤ {BUDGET_OTHER_MS:g} ms): "
          f"{'MET' if other95 <= BUDGET_OTHER_MS and clean else 'MISSED'}")


if __name__ == "__main__":
    main()
