"""`make bench`: one table, groupbox beside its baselines measured in the same run (issue 17).

    .venv/bin/python benchmarks/bench_all.py [--seconds 5] [--runs 3] [--idle 3] [--no-synapse]

Beside groupbox, in the same run on the same machine: the bare Litestar+granian ceiling app
(benchmarks/baseline_app.py, whose `/page?kb=N` is the plain Jinja page of the same size) and
Matrix Synapse (benchmarks/peers.py: its own venv under benchmarks/.peers/, installed once;
SQLite, loopback, rate limits lifted, two users registered with the admin shared secret, one
room). When Synapse cannot be installed, its column says why and everything else still runs.

Rows (each with the issue's budget and "met"/"missed"; "—" where the issue sets none):
- idle RSS (granian's main process + one worker; Synapse's one process) and spawn → first 200,
  medians of --runs starts of each on a fresh data folder, one server at a time (bench_start);
- posting a message at 1 and 16 clients for --seconds each (wrk; msg/s, p99): groupbox's
  `POST /api/threads/{id}/messages`, Synapse's `PUT /rooms/{id}/send/m.room.message/{txn}`;
- send → delivery: Synapse's `/sync` long poll waking up (median of 20); groupbox's live stream
  (issue 17, item 5) on `groupbox init --demo` data: Mark's `GET /live/thread/{id}` until
  `event: changed` after Anna posts (median and p95 of 50); 200 idle `/live/me` streams' added RSS;
- first sync and no-change sync: Synapse's initial and incremental `/sync`; groupbox's once
  issue 14's protocol is in this tree;
- pages on bench_dashboards' seeded data (10 groups × 2,000 objects × 300 members; seeded once,
  ~4 minutes, cached in /tmp): Anna's home cached and uncached, the group dashboard and the
  calendar uncached, `/api/home`, each beside the plain page of its size (wrk, 8 connections);
  an uncached page and its plain page take turns (`ROUNDS`, 3, of --seconds each), and its share
  of the plain page's req/s is the median of the rounds' ratios;
- 32 clients (32 members, one wrk thread each) changing their RSVP to one event nonstop.

Prints the table and writes every figure to benchmarks/results/latest.json. About 5 minutes
plus seeding the first time. Never asserts on time; noise between runs is ±25%.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import queue
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
from bench_backup import cli, session
from bench_dashboards import SERVER_ENV, _anna_signin_token, ensure_seeded, kb_of, measure, migrate
from bench_start import bytecode_caches_on, median_of, start_rounds
from common import (
    HOST,
    ROOT,
    BaselineServer,
    BenchError,
    Server,
    fresh_instance,
    grid,
    page_bytes,
    signed_in_cookie,
    wrk,
)
from peers import PeerMissing, SynapseServer, ensure_synapse, register

RESULTS = Path(__file__).resolve().parent / "results"

# Issue 17's budgets.
RSS_MIB, RSS_OF_CEILING, RSS_OF_SYNAPSE = 82.0, 1.1, 0.7
START_OF_CEILING, START_OF_SYNAPSE = 2.0, 0.6
DELIVERY_MS = 20.0
HOME_P95_MS, HOME_SHARE = 60.0, 0.25
GROUP_P95_MS, GROUP_SHARE = 40.0, 0.30
CALENDAR_KB, CALENDAR_P95_MS = 40.0, 50.0
# "/api/home paged or trimmed so it is not 73 KB": the issue names no figure; half of it is
# counted as met (and said so in the row), so a few KB less do not pass.
API_HOME_KB = 73.0 / 2
RSVP_CLIENTS, RSVP_P99_MS = 32, 100.0
DELIVERIES = 20
LIVE_SENDS = 50  # groupbox's own live stream: median and p95
IDLE_STREAMS, IDLE_STREAMS_MIB = 200, 20.0
SECTIONS = ("start", "messages", "demo", "pages", "sync")
DEMO_HOME_KB = 60.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Run:
    """Everything measured, by section; a section that fails records why and the run goes on."""

    def __init__(self) -> None:
        self.figures: dict[str, Any] = {}
        self.failed: dict[str, str] = {}
        self.synapse: str | None = None  # version
        self.synapse_missing: str | None = None  # reason

    def section(self, name: str, fn: Callable[[], dict[str, Any]]) -> None:
        started = time.monotonic()
        log(f"[{time.strftime('%H:%M:%S')}] {name} …")
        try:
            self.figures[name] = fn()
        except Exception as exc:  # noqa: BLE001 - reported in the table, the run goes on
            lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
            said = " … ".join(dict.fromkeys([lines[0], lines[-1]])) if lines else ""
            self.failed[name] = f"{type(exc).__name__}: {said[:240]}"
            log(traceback.format_exc())
        log(f"[{time.strftime('%H:%M:%S')}] {name}: {time.monotonic() - started:.0f} s")

    def get(self, name: str) -> dict[str, Any]:
        return self.figures.get(name) or {}


# ---------------------------------------------------------------------------------------------
# Start and idle memory


def start_section(tmp: Path, synapse_dir: Path, args: argparse.Namespace, with_synapse: bool) -> dict[str, Any]:
    bytecode_caches_on(str(tmp))
    data_dir, _ = fresh_instance(tmp / "start")
    servers: dict[str, Callable[[], Any]] = {"groupbox": lambda: Server(data_dir, workers=1),
                                             "ceiling": BaselineServer}
    if with_synapse:
        servers["synapse"] = lambda: SynapseServer(synapse_dir)
    samples = start_rounds(servers, args.runs, args.idle)
    return {name: {"start_s": median_of(rows, 0), "rss_main_mib": median_of(rows, 1),
                   "rss_worker_mib": median_of(rows, 2), "rss_mib": median_of(rows, 3),
                   "runs": [list(row) for row in rows]} for name, rows in samples.items()}


# ---------------------------------------------------------------------------------------------
# The demo's home page with what it loads


# What a browser fetches for the page: stylesheets, scripts and the icon sprite of <use href>.
ASSET = re.compile(r'<link\b[^>]*\brel="stylesheet"[^>]*\bhref="([^"]+)"|<script\b[^>]*\bsrc="([^"]+)"'
                   r'|<use\b[^>]*\bhref="([^"#]+)')


def demo_section(tmp: Path) -> dict[str, Any]:
    """Anna's home on `groupbox init --demo` data, uncompressed, with the files it loads."""
    payload = json.loads(cli("init", "--demo", "--json", "--data", str(tmp / "demo")).stdout.strip().splitlines()[-1])
    with Server(payload["data_dir"], workers=1) as server:
        cookie = signed_in_cookie(server.base_url, payload["demo"]["signin_url"])
        with httpx.Client(base_url=server.base_url, timeout=30,
                          headers={"cookie": cookie, "accept-encoding": "identity"}) as client:
            page = client.get("/")
            if page.status_code != 200:
                raise BenchError(f"Anna's demo home answered {page.status_code}")
            assets = {}
            for href in dict.fromkeys("".join(found) for found in ASSET.findall(page.text)):
                asset = client.get(href)
                if asset.status_code != 200:
                    raise BenchError(f"{href} answered {asset.status_code}")
                assets[href] = len(asset.content)
    return {"html_bytes": len(page.content), "assets": assets, "total_bytes": len(page.content) + sum(assets.values())}


# ---------------------------------------------------------------------------------------------
# Messages: posting, delivery, sync


def _post_figures(result: dict[str, Any]) -> dict[str, Any]:
    keys = ("rps", "p50_ms", "p95_ms", "p99_ms", "requests", "errors", "non2xx")
    return {key: result[key] for key in keys}


def _timed(fn: Callable[[], Any], n: int) -> list[float]:
    """Milliseconds of `n` sequential calls."""
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def groupbox_messages(tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    data_dir, signin_url = fresh_instance(tmp / "messages")
    group = json.loads(cli("group", "create", "Bench parents", "--json", "--data", str(data_dir)).stdout)
    out: dict[str, Any] = {}
    with Server(data_dir, workers=1) as server:
        cookie = signed_in_cookie(server.base_url, signin_url)
        with session(server, cookie) as client:
            made = client.post(f"/api/groups/{group['id']}/threads", json={"title": "Carpool", "body": "Who drives?"})
            if made.status_code != 201:
                raise BenchError(f"starting a thread answered {made.status_code}: {made.text[:200]}")
            thread_id = made.json()["thread"]["id"]
            headers = {"Cookie": f"{cookie}; csrftoken={client.cookies.get('csrftoken')}",
                       "x-csrftoken": client.headers["x-csrftoken"], "Content-Type": "application/json"}
            url = server.url(f"/api/threads/{thread_id}/messages")
            body = json.dumps({"body": "I can drive two kids on Saturday."})
            for clients in (1, 16):
                result = wrk(url, seconds=args.seconds, connections=clients, threads=min(clients, 2), headers=headers,
                             method="POST", body=body)
                out[f"post_{clients}"] = _post_figures(result)
    out.update(groupbox_delivery(tmp))
    return out


def groupbox_delivery(tmp: Path) -> dict[str, Any]:
    """groupbox's live stream (issue 17, item 5) on `groupbox init --demo` data, 1 worker: Mark
    (member B) keeps `GET /live/thread/{id}` open while Anna (member A) posts to the thread through
    `POST /api/threads/{id}/messages`; the time until Mark's stream says `event: changed`, median
    and p95 of LIVE_SENDS. Then what IDLE_STREAMS open `GET /live/me` streams of Anna's add to the
    server's RSS (main + worker)."""
    payload = json.loads(cli("init", "--demo", "--json", "--data", str(tmp / "live")).stdout.strip().splitlines()[-1])
    with Server(payload["data_dir"], workers=1) as server:
        anna = signed_in_cookie(server.base_url, payload["demo"]["signin_url"])
        mark = signed_in_cookie(server.base_url, payload["demo"]["mark_signin_url"])
        with session(server, anna) as a, session(server, mark) as b:
            thread_id = _shared_thread(a, b)
            url = f"/api/threads/{thread_id}/messages"

            def send(i: int) -> None:
                posted = a.post(url, json={"body": f"Live check {i}: I can drive on Saturday."})
                if posted.status_code != 201:
                    raise BenchError(f"posting a message answered {posted.status_code}: {posted.text[:200]}")

            delivery = stream_delivery(server.base_url, {"cookie": mark}, f"/live/thread/{thread_id}", send,
                                       n=LIVE_SENDS, event="changed")
        idle = idle_streams_mib(server, "/live/me", anna, IDLE_STREAMS)
    return {"delivery": delivery, "idle_streams_mib": idle}


def _shared_thread(a: httpx.Client, b: httpx.Client) -> str:
    """A thread of a demo group both people belong to (the first such group's newest thread)."""
    groups = [{g["id"] for g in c.get("/api/groups").raise_for_status().json()["items"]} for c in (a, b)]
    for group_id in sorted(groups[0] & groups[1]):
        listed = b.get(f"/api/groups/{group_id}/threads").raise_for_status().json()
        items = listed.get("items") if isinstance(listed, dict) else listed
        if items:
            return items[0]["id"]
    raise BenchError("the demo has no thread that Anna and Mark both see")


def stream_delivery(base_url: str, headers: dict[str, str], path: str, send: Callable[[int], None],
                    n: int = DELIVERIES, event: str | None = None) -> dict[str, Any]:
    """An open server-sent-event stream at `path`; `send(i)` makes something happen; the time
    from the send until the stream's next event (its first `data:` line; with `event`, the first
    line `event: <event>`), median and p95 of `n`."""
    arrivals: queue.Queue[float] = queue.Queue()
    latencies: list[float] = []
    with httpx.Client(base_url=base_url, headers=headers, timeout=httpx.Timeout(30, read=60)) as listener, \
            listener.stream("GET", path, headers={"accept": "text/event-stream"}) as stream:
        if stream.status_code != 200:
            raise BenchError(f"GET {path} answered {stream.status_code}")

        def read() -> None:
            in_event = False
            with contextlib.suppress(httpx.HTTPError):
                for line in stream.iter_lines():
                    if event is not None:
                        if line.strip() == f"event: {event}":
                            arrivals.put(time.perf_counter())
                    elif line.startswith("data:") and not in_event:
                        arrivals.put(time.perf_counter())
                        in_event = True
                    elif not line:
                        in_event = False

        threading.Thread(target=read, daemon=True).start()
        time.sleep(0.3)
        for i in range(n):
            _drain(arrivals)
            sent = time.perf_counter()
            send(i)
            try:
                latencies.append((arrivals.get(timeout=10) - sent) * 1000)
            except queue.Empty:
                raise BenchError(f"event {i} did not arrive on {path} within 10 s") from None
            time.sleep(0.1)  # whatever else the send set off arrives before the next
    return {"median_ms": statistics.median(latencies), "p95_ms": statistics.quantiles(latencies, n=20)[-1],
            "max_ms": max(latencies), "n": len(latencies)}


def ceiling_streams() -> dict[str, Any]:
    """The ceiling app's event stream: delivery through an in-process wakeup, 200 idle streams."""
    with BaselineServer() as base, httpx.Client(timeout=30) as client:
        delivery = stream_delivery(base.base_url, {}, "/events",
                                   lambda _i: client.post(base.url("/notify")).raise_for_status())
        return {"delivery": delivery, "idle_streams_mib": idle_streams_mib(base, "/events", "none=0", IDLE_STREAMS)}


def _drain(arrivals: queue.Queue[float]) -> None:
    with contextlib.suppress(queue.Empty):
        while True:
            arrivals.get_nowait()


def idle_streams_mib(server: Server, path: str, cookie: str, n: int = 200) -> float:
    """What `n` open, idle event streams add to the server's RSS (main + workers), in MiB."""
    request = (f"GET {path} HTTP/1.1\r\nHost: {HOST}:{server.port}\r\nCookie: {cookie}\r\n"
               "Accept: text/event-stream\r\n\r\n").encode()
    time.sleep(1)
    before = server.total_rss_mib()
    sockets = []
    try:
        for _ in range(n):
            sock = socket.create_connection((HOST, server.port), timeout=10)
            sockets.append(sock)
            sock.sendall(request)
        for sock in sockets:
            head = sock.recv(4096)
            if b" 200 " not in head.split(b"\r\n", 1)[0]:
                raise BenchError(f"an idle stream got {head[:80]!r}")
        time.sleep(2)
        return server.total_rss_mib() - before
    finally:
        for sock in sockets:
            sock.close()


def synapse_messages(synapse_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with SynapseServer(synapse_dir) as server:
        alice, bob = register(server, f"alice{uuid.uuid4().hex[:6]}"), register(server, f"bob{uuid.uuid4().hex[:6]}")
        api = server.url("/_matrix/client/v3")
        with httpx.Client(timeout=30, headers={"Authorization": f"Bearer {alice}"}) as a, \
                httpx.Client(timeout=60, headers={"Authorization": f"Bearer {bob}"}) as b:
            made = a.post(f"{api}/createRoom", json={"preset": "public_chat", "name": "Carpool"})
            if made.status_code != 200:
                raise BenchError(f"createRoom: {made.status_code} {made.text[:200]}")
            room = made.json()["room_id"]
            joined = b.post(f"{api}/join/{room}", json={})
            if joined.status_code != 200:
                raise BenchError(f"join: {joined.status_code} {joined.text[:200]}")
            # A fresh transaction id per request (wrk thread id + counter): a repeated one is
            # answered from Synapse's transaction cache without sending anything.
            lua = ('local n = 0\nfunction request()\n  n = n + 1\n'
                   '  return wrk.format(nil, wrk.path .. "-" .. tid .. "-" .. n)\nend\n')
            body = json.dumps({"msgtype": "m.text", "body": "I can drive two kids on Saturday."})
            headers = {"Authorization": f"Bearer {alice}", "Content-Type": "application/json"}
            for clients in (1, 16):
                url = f"{api}/rooms/{room}/send/m.room.message/bench{clients}{uuid.uuid4().hex[:6]}"
                result = wrk(url, seconds=args.seconds, connections=clients, threads=min(clients, 2), headers=headers,
                             method="PUT", body=body, lua=lua)
                out[f"post_{clients}"] = _post_figures(result)
            out["delivery"] = synapse_delivery(api, a, b, room)
            out.update(synapse_sync(api, b))
        out["rss_after_mib"] = server.total_rss_mib()
    return out


SYNC_FILTER = json.dumps({"presence": {"types": []}, "account_data": {"types": []},
                          "room": {"ephemeral": {"types": []}, "account_data": {"types": []}}})


def synapse_delivery(api: str, a: httpx.Client, b: httpx.Client, room: str) -> dict[str, Any]:
    """Bob long-polls `/sync`; Alice sends; the time from the send until Bob's poll returns it."""
    since = b.get(f"{api}/sync", params={"filter": SYNC_FILTER, "timeout": 0}).json()["next_batch"]
    latencies: list[float] = []
    for n in range(DELIVERIES):
        marker = f"delivery {n} {uuid.uuid4().hex[:8]}"
        arrived: dict[str, float] = {}

        def poll(marker: str = marker, arrived: dict[str, float] = arrived) -> None:
            nonlocal since
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                body = b.get(f"{api}/sync", params={"filter": SYNC_FILTER, "timeout": 15000, "since": since}).json()
                since = body["next_batch"]
                events = body.get("rooms", {}).get("join", {}).get(room, {}).get("timeline", {}).get("events", [])
                if any(e.get("content", {}).get("body") == marker for e in events):
                    arrived["at"] = time.perf_counter()
                    return

        waiter = threading.Thread(target=poll, daemon=True)
        waiter.start()
        time.sleep(0.15)  # the poll is parked on the server
        sent = time.perf_counter()
        a.put(f"{api}/rooms/{room}/send/m.room.message/d{n}{uuid.uuid4().hex[:6]}",
              json={"msgtype": "m.text", "body": marker}).raise_for_status()
        waiter.join(25)
        if "at" not in arrived:
            raise BenchError(f"message {n} never reached the other user's /sync")
        latencies.append((arrived["at"] - sent) * 1000)
    return {"median_ms": statistics.median(latencies), "p95_ms": statistics.quantiles(latencies, n=20)[-1],
            "max_ms": max(latencies), "n": len(latencies)}


def synapse_sync(api: str, b: httpx.Client) -> dict[str, Any]:
    """Bob's initial `/sync` (no since: every joined room, its latest events, its state) and an
    incremental one with nothing new (`since` the last, timeout 0), medians of sequential calls."""
    body: dict[str, Any] = {}

    def initial() -> None:
        body.update(b.get(f"{api}/sync", params={"timeout": 0}).raise_for_status().json())

    first = _timed(initial, 1)  # one: Bob has no sync token yet only once
    since = body["next_batch"]
    quiet = _timed(lambda: b.get(f"{api}/sync", params={"since": since, "timeout": 0}).raise_for_status(), 30)
    return {"first_sync_ms": first[0], "first_sync_bytes": len(json.dumps(body)),
            "nochange_sync_ms": statistics.median(quiet)}


# ---------------------------------------------------------------------------------------------
# Pages and RSVPs on the seeded data


SYNC_OBJECTS = 10_000
SYNC_KINDS = ("event", "announcement", "poll", "task", "thread", "file")


class Seeded:
    """A copy of bench_dashboards' seeded data folder (seeded once, ~4 minutes, cached in /tmp)
    and what the measurements on it need: Anna's sign-in link, an event open for answers with
    session tokens of 32 members of its group, a connection token of Anna's for enough of her
    groups to make 10,000 objects."""

    def __init__(self, tmp: Path) -> None:
        cached, self.meta = ensure_seeded(reseed=False)
        self.data_dir = tmp / "seeded"
        shutil.copytree(cached, self.data_dir)
        migrate(self.data_dir)
        self.group_id = self.meta["groups"][0]
        self.anna_token = asyncio.run(_anna_signin_token(self.data_dir, self.meta["anna"]))
        self.event_id, self.rsvp_tokens, self.sync_token, self.sync_groups = asyncio.run(self._prepare())

    async def _prepare(self) -> tuple[str, list[str], str, int]:
        from groupbox.db.engine import DB
        from groupbox.domain.identity import service as identity
        from groupbox.domain.remote import tokens

        async with DB.session(self.data_dir / "groupbox.sqlite3"):
            event = await DB.fetchone(
                "SELECT id FROM event WHERE group_id = ? AND cancelled_at IS NULL AND deleted_at IS NULL "
                "ORDER BY starts_at DESC LIMIT 1", self.group_id)
            members = await DB.fetch(
                "SELECT id, profile_id FROM member WHERE group_id = ? AND status = 'active' AND role = 'member' "
                "AND profile_id IS NOT NULL ORDER BY joined_at DESC LIMIT ?", self.group_id, RSVP_CLIENTS)
            if event is None or len(members) < RSVP_CLIENTS:
                raise BenchError("the seeded group has no event or too few members for the RSVP clients")
            sessions = [(await identity.start_browser(m["profile_id"], "bench-rsvp", member_id=m["id"]))[1]
                        for m in members]
            # Anna's groups in turn until they hold 10,000 objects (about seven of the ten).
            groups: list[str] = []
            total = 0
            for group_id in self.meta["groups"]:
                if total >= SYNC_OBJECTS * 1.05:  # a few of these rows are not sent (deleted, stubs)
                    break
                counts = [await DB.fetchone(f"SELECT COUNT(*) AS n FROM {kind} WHERE group_id = ?",  # noqa: S608
                                            group_id) for kind in SYNC_KINDS]
                total += sum(row["n"] for row in counts if row)
                groups.append(group_id)
            anna = await identity.load_actor(self.meta["anna"])
            _row, sync_token = await tokens.token_create(anna, group_ids=groups, label="bench")
        return event["id"], sessions, sync_token, len(groups)


def _csrf_cookie(server: Server, token: str) -> str:
    """The CSRF token bound to a session: the cookie the first signed-in page sets."""
    with httpx.Client(base_url=server.base_url, cookies={"gb_session": token}, timeout=30) as client:
        client.get("/me")
        value = client.cookies.get("csrftoken")
    if not value:
        raise BenchError("a signed-in page set no csrftoken cookie")
    return value


def rsvp_load(server: Server, event_id: str, tokens: list[str], seconds: float) -> dict[str, Any]:
    """One wrk thread per member, each changing its answer nonstop (yes → no → maybe …)."""
    cookies, csrfs = [], []
    for token in tokens:
        csrf = _csrf_cookie(server, token)
        cookies.append(f"gb_session={token}; csrftoken={csrf}")
        csrfs.append(csrf)
    lua = ("cookies = {" + ", ".join(json.dumps(c) for c in cookies) + "}\n"
           "csrfs = {" + ", ".join(json.dumps(c) for c in csrfs) + "}\n"
           'local statuses = {"yes", "no", "maybe"}\nlocal n = 0\n'
           "function request()\n  n = n + 1\n  local h = {}\n"
           "  for k, v in pairs(wrk.headers) do h[k] = v end\n"
           '  h["Cookie"] = cookies[tid]\n  h["x-csrftoken"] = csrfs[tid]\n'
           '  h["Content-Type"] = "application/json"\n'
           "  return wrk.format(\"POST\", nil, h, '{\"status\": \"' .. statuses[n % 3 + 1] .. '\"}')\nend\n")
    result = wrk(server.url(f"/api/events/{event_id}/rsvp"), seconds=seconds, connections=len(tokens),
                 threads=len(tokens), lua=lua)
    return _post_figures(result)


# An uncached page and its plain page of the same size take turns, this many rounds of
# `--seconds` each: a slow phase of the machine (runs differ by ±25 %) then falls on both alike
# instead of on one of them. (Rounds of a third of `--seconds` spread from 22 % to 30 % in one run.)
ROUNDS = 3


def measure_beside(name: str, url: str, cookie: str, plain_url: str, load: SimpleNamespace) -> tuple[dict, dict]:
    """(groupbox's figures, its plain page's), measured in turns (`ROUNDS` of `load.seconds`):
    req/s the rounds' mean, p50/p95/p99 the median round's, `share` the median of the rounds'
    req/s ratios."""
    turn = SimpleNamespace(seconds=load.seconds, connections=load.connections)
    mine: list[dict] = []
    plain: list[dict] = []
    for _ in range(ROUNDS):
        plain.append(measure("plain", plain_url, turn))
        mine.append(measure(name, url, turn, cookie))

    def combined(runs: list[dict]) -> dict:
        out = {**runs[0], "rps": statistics.fmean(r["rps"] for r in runs), "rounds": len(runs)}
        for key in ("p50_ms", "p95_ms", "p99_ms"):
            out[key] = statistics.median(r[key] for r in runs)
        for key in ("errors", "non2xx", "requests"):
            out[key] = sum(r.get(key, 0) for r in runs)
        return out

    figures = combined(mine)
    figures["share"] = statistics.median(m["rps"] / p["rps"] for m, p in zip(mine, plain, strict=True))
    figures["shares"] = [round(m["rps"] / p["rps"], 3) for m, p in zip(mine, plain, strict=True)]
    return figures, combined(plain)


def pages_section(seeded: Seeded, args: argparse.Namespace) -> dict[str, Any]:
    load = SimpleNamespace(seconds=args.seconds, connections=8)
    meta = seeded.meta
    out: dict[str, Any] = {"seeded": {"rows": meta["rows"], "db_mib": meta.get("db_mib"),
                                      "seed_s": meta.get("seed_s"), "fresh": bool(meta.get("fresh"))}}
    pages = {"home": "/", "group": f"/groups/{seeded.group_id}", "calendar": "/calendar", "api_home": "/api/home"}
    migrate(seeded.data_dir)  # a no-op, unless a migration landed in the tree since the copy
    with BaselineServer() as base:
        for cache in ("0", "1"):
            env = {**SERVER_ENV, "GROUPBOX_PAGE_CACHE": cache}
            with Server(seeded.data_dir, workers=1, env=env, start_timeout=60) as server:
                if cache == "0":
                    cookie = signed_in_cookie(server.base_url, server.url(f"/signin/{seeded.anna_token}"))
                    for key, path in pages.items():
                        if key == "api_home":
                            out[f"{key}_uncached"] = measure(key, server.url(path), load, cookie)
                            continue
                        kb = kb_of(page_bytes(server.url(path), cookie))
                        out[f"{key}_uncached"], out[f"plain_{key}"] = measure_beside(
                            key, server.url(path), cookie, base.url(f"/page?kb={kb}"), load)
                        out[f"{key}_uncached"]["plain"] = f"plain_{key}"
                else:
                    for key in ("home", "group"):
                        out[f"{key}_cached"] = measure(key, server.url(pages[key]), load, cookie)
                        out[f"{key}_cached"]["plain"] = out[f"{key}_uncached"]["plain"]
                    out["rsvp"] = rsvp_load(server, seeded.event_id, seeded.rsvp_tokens, args.seconds)
    return out


def sync_section(tmp: Path, seeded: Seeded) -> dict[str, Any]:
    """A home server (a fresh instance, its sync run in this process) connects to the seeded one
    (`groupbox serve`) with Anna's token: the first sync, then syncs with nothing new."""
    home_dir, _ = fresh_instance(tmp / "home")
    migrate(seeded.data_dir)
    with Server(seeded.data_dir, workers=1, env=SERVER_ENV, start_timeout=60) as server:
        probe = httpx.get(server.url("/api/sync"), headers={"Authorization": f"Bearer {seeded.sync_token}"},
                          params={"limit": 1}, timeout=60)
        if probe.status_code == 404:
            return {"missing": "no /api/sync in this tree yet (issue 14)"}
        return asyncio.run(_home_syncs(home_dir, server.base_url, seeded.sync_token)) | {"groups": seeded.sync_groups}


async def _home_syncs(home_dir: Path, url: str, token: str, quiet_runs: int = 20) -> dict[str, Any]:
    from groupbox.config import load_config
    from groupbox.db.engine import DB
    from groupbox.domain.identity import service as identity
    from groupbox.domain.remote import connections
    from groupbox.instance import opened

    config = load_config(home_dir)
    async with opened(config):
        owner = await identity.owner_profile()
        actor = await identity.load_actor(owner["id"])
        started = time.perf_counter()
        first = await connections.connect(actor, url, token, config)
        first_ms = (time.perf_counter() - started) * 1000
        if first.state != "ok":
            raise BenchError(f"first sync: {first.state} {first.detail}")
        quiet = []
        for _ in range(quiet_runs):
            started = time.perf_counter()
            again = await connections.sync(config, first.connection_id)
            quiet.append((time.perf_counter() - started) * 1000)
            if again.state != "ok" or again.received:
                raise BenchError(f"a sync with nothing new: {again.state}, {again.received} objects")
        row = await DB.fetchone("SELECT api_base, cursor FROM remote_server WHERE id = ?", first.connection_id)
    # The group server's part of it: the one request with the last cursor, from a kept-alive client.
    with httpx.Client(timeout=30, headers={"Authorization": f"Bearer {token}"}) as client:
        answer = _timed(lambda: client.get(f"{row['api_base']}/sync", params={"since": row["cursor"]})
                        .raise_for_status(), quiet_runs)
    return {"first_sync_ms": first_ms, "objects": first.received, "counts": first.counts,
            "nochange_sync_ms": statistics.median(quiet), "nochange_answer_ms": statistics.median(answer)}


# ---------------------------------------------------------------------------------------------
# The table


def _mib(x: float) -> str:
    return f"{x:.1f} MiB"


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "MISSED")


def _post_cell(fig: dict[str, Any] | None) -> str:
    if not fig:
        return ""
    bad = f" !! {fig['non2xx']} non-2xx, {fig['errors']} errors" if fig.get("non2xx") or fig.get("errors") else ""
    return f"{fig['rps']:,.0f} msg/s, p99 {fig['p99_ms']:.0f} ms{bad}"


def _page_cell(fig: dict[str, Any] | None) -> str:
    if not fig:
        return ""
    bad = " !!" if fig.get("non2xx") or fig.get("errors") else ""
    return (f"{fig['rps']:,.0f}/s, p50 {fig['p50_ms']:.0f} p95 {fig['p95_ms']:.0f} ms, "
            f"{fig['bytes'] / 1024:.1f} KB{bad}")


def build_rows(run: Run) -> list[dict[str, str]]:
    """The table's rows: measure | groupbox | ceiling app / plain page | Synapse | budget | verdict."""
    rows: list[dict[str, str]] = []
    no_synapse = f"not installed ({run.synapse_missing})" if run.synapse_missing else ""

    def add(measure: str, groupbox: str, beside: str, synapse: str | None, budget: str, ok: bool | None) -> None:
        """`synapse` None: Synapse has nothing to compare here."""
        rows.append({"measure": measure, "groupbox": groupbox, "beside": beside,
                     "synapse": "—" if synapse is None else synapse or no_synapse, "budget": budget,
                     "verdict": _verdict(ok)})

    def failed(section: str, measure: str) -> bool:
        """True (with a row saying why, if it failed) when `section` has no figures."""
        if section in run.failed:
            add(measure, f"failed: {run.failed[section]}", "", None, "", None)
            return True
        return section not in run.figures

    start = run.get("start")
    if not failed("start", "idle RSS / start"):
        gb, ceiling, syn = start["groupbox"], start["ceiling"], start.get("synapse")
        limit = min(RSS_MIB, RSS_OF_CEILING * ceiling["rss_mib"], *([RSS_OF_SYNAPSE * syn["rss_mib"]] if syn else []))
        add("idle RSS (main + worker; Synapse: its process)",
            f"{_mib(gb['rss_mib'])} ({gb['rss_main_mib']:.0f} + {gb['rss_worker_mib']:.0f})",
            f"ceiling app {_mib(ceiling['rss_mib'])}", _mib(syn["rss_mib"]) if syn else "",
            f"≤ {RSS_MIB:g} MiB, ≤ {RSS_OF_CEILING:g}× ceiling, ≤ {RSS_OF_SYNAPSE:.0%} of Synapse: ≤ {limit:.1f} MiB",
            gb["rss_mib"] <= limit)
        limit_s = min([START_OF_CEILING * ceiling["start_s"], *([START_OF_SYNAPSE * syn["start_s"]] if syn else [])])
        add("start to first 200", f"{gb['start_s']:.2f} s", f"ceiling app {ceiling['start_s']:.2f} s",
            f"{syn['start_s']:.2f} s" if syn else "",
            f"≤ {START_OF_CEILING:g}× ceiling, ≤ {START_OF_SYNAPSE:g}× Synapse: ≤ {limit_s:.2f} s",
            gb["start_s"] <= limit_s)

    gbm, synm = run.get("groupbox messages"), run.get("synapse messages")
    syn_failed = run.failed.get("synapse messages")
    syn_note = f"failed: {syn_failed}" if syn_failed else ""
    if not failed("groupbox messages", "posting a message"):
        for clients in (1, 16):
            add(f"post a message, {clients} client{'s' * (clients > 1)}", _post_cell(gbm.get(f"post_{clients}")), "",
                _post_cell(synm.get(f"post_{clients}")) or syn_note, "— (none set)", None)
        delivery = gbm.get("delivery", {})
        syn_delivery = synm.get("delivery")
        ceiling = run.get("ceiling streams")
        add("send → delivery, median (ceiling: SSE woken in process; Synapse: /sync long poll)",
            (f"{delivery['median_ms']:.1f} ms (p95 {delivery['p95_ms']:.1f} ms, n {delivery['n']})"
             if "median_ms" in delivery else f"not measured: {delivery.get('missing')}"),
            f"ceiling app {ceiling['delivery']['median_ms']:.1f} ms" if ceiling else "",
            f"{syn_delivery['median_ms']:.1f} ms" if syn_delivery else syn_note, f"≤ {DELIVERY_MS:g} ms at one client",
            delivery["median_ms"] <= DELIVERY_MS if "median_ms" in delivery else None)
        idle = gbm.get("idle_streams_mib")
        add(f"{IDLE_STREAMS} idle event streams, added RSS",
            f"{idle:.1f} MiB" if idle is not None else f"not measured: {delivery.get('missing')}",
            f"ceiling app {ceiling['idle_streams_mib']:.1f} MiB" if ceiling else "", None,
            f"≤ {IDLE_STREAMS_MIB:g} MiB", idle <= IDLE_STREAMS_MIB if idle is not None else None)
    if {"groupbox sync", "synapse messages"} & (run.figures.keys() | run.failed.keys()):
        gb_sync = run.get("groupbox sync")
        pending = (f"failed: {run.failed['groupbox sync']}" if "groupbox sync" in run.failed
                   else f"not measured: {gb_sync.get('missing', 'not run')}")
        add("first sync (groupbox: a home server connects, 10,000+ objects; Synapse: initial /sync, "
            "its latest events per room)",
            f"{gb_sync['first_sync_ms'] / 1000:.2f} s for {gb_sync['objects']:,} objects"
            if "first_sync_ms" in gb_sync else pending, "",
            f"{synm['first_sync_ms']:.0f} ms, {synm['first_sync_bytes'] / 1024:.1f} KB" if "first_sync_ms" in synm else syn_note,
            "— (none set)", None)
        add("no-change sync, median (groupbox: the home's whole sync, the group server's answer; "
            "Synapse: incremental /sync)",
            f"{gb_sync['nochange_sync_ms']:.1f} ms, answer {gb_sync['nochange_answer_ms']:.1f} ms"
            if "nochange_sync_ms" in gb_sync else pending, "",
            f"{synm['nochange_sync_ms']:.1f} ms" if "nochange_sync_ms" in synm else syn_note, "— (none set)", None)

    demo = run.get("demo")
    if not failed("demo", "Anna's demo home with CSS and JS"):
        add("Anna's demo home + CSS, JS, icons, uncompressed",
            f"{demo['total_bytes'] / 1024:.1f} KB ({demo['html_bytes'] / 1024:.1f} KB page + "
            f"{len(demo['assets'])} files {(demo['total_bytes'] - demo['html_bytes']) / 1024:.1f} KB)", "", None,
            f"≤ {DEMO_HOME_KB:g} KB", demo["total_bytes"] / 1024 <= DEMO_HOME_KB)

    pages = run.get("pages")
    if not failed("seeded data", "seeded data (10 groups × 2,000 objects × 300 members)") and not failed("pages", "pages (seeded: 10 groups × 2,000 objects × 300 members)"):
        def page(key: str, label: str, budget: str, ok: Callable[[dict, dict], bool] | None) -> None:
            fig = pages[key]
            plain = pages[fig["plain"]] if fig.get("plain") else None
            clean = not fig.get("non2xx") and not fig.get("errors")
            add(label, _page_cell(fig), f"plain page {_page_cell(plain)}" if plain else "", None, budget,
                (clean and ok(fig, plain)) if ok else None)

        def share(fig: dict, plain: dict) -> float:
            """The median of the rounds' ratios when the two took turns (`measure_beside`)."""
            return fig.get("share", fig["rps"] / plain["rps"])

        def now(key: str) -> str:
            fig = pages[key]
            rounds = f", the median of {', '.join(f'{x:.0%}' for x in fig['shares'])} in turns" if fig.get("shares") else ""
            return f"now {share(fig, pages[fig['plain']]):.0%}{rounds}"

        page("home_cached", "Anna's home / cached (8 clients)", "— (none set)", None)
        page("home_uncached", "Anna's home / uncached",
             f"p95 ≤ {HOME_P95_MS:g} ms, ≥ {HOME_SHARE:.0%} of plain req/s "
             f"({now('home_uncached')})",
             lambda f, p: f["p95_ms"] <= HOME_P95_MS and share(f, p) >= HOME_SHARE)
        page("group_cached", "group dashboard cached", "— (none set)", None)
        page("group_uncached", "group dashboard uncached",
             f"p95 ≤ {GROUP_P95_MS:g} ms, ≥ {GROUP_SHARE:.0%} of plain req/s "
             f"({now('group_uncached')})",
             lambda f, p: f["p95_ms"] <= GROUP_P95_MS and share(f, p) >= GROUP_SHARE)
        page("calendar_uncached", "/calendar uncached", f"≤ {CALENDAR_KB:g} KB, p95 ≤ {CALENDAR_P95_MS:g} ms",
             lambda f, p: f["bytes"] / 1024 <= CALENDAR_KB and f["p95_ms"] <= CALENDAR_P95_MS)
        fig = pages["api_home_uncached"]
        add("/api/home uncached", _page_cell(fig), "", None, f"paged or trimmed from 73 KB (no figure set; met at ≤ {API_HOME_KB:g} KB, half)",
            fig["bytes"] / 1024 <= API_HOME_KB)
        rsvp = pages["rsvp"]
        add(f"RSVP writes, {RSVP_CLIENTS} clients (1 worker)",
            f"{rsvp['rps']:,.0f} writes/s, p99 {rsvp['p99_ms']:.0f} ms, "
            f"{rsvp['non2xx'] + rsvp['errors']} errors", "", None, f"0 errors, p99 ≤ {RSVP_P99_MS:g} ms",
            not rsvp["non2xx"] and not rsvp["errors"] and rsvp["p99_ms"] <= RSVP_P99_MS)
    return rows


HEADER = ("measure", "groupbox", "ceiling app / plain page", "Synapse", "budget (issue 17)", "")


def print_table(rows: list[dict[str, str]], markdown: bool = False) -> None:
    lines = [HEADER, *[tuple(row.values()) for row in rows]]
    if not markdown:
        grid(lines, left=len(HEADER))
        return
    for n, line in enumerate(lines):
        print("| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |")
        if n == 0:
            print("|" + " --- |" * len(HEADER))


def _git(*args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30)
    return proc.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=6, help="wrk duration per measurement (default 6)")
    parser.add_argument("--runs", type=int, default=3, help="starts of each server for start and RSS (default 3)")
    parser.add_argument("--idle", type=float, default=3.0, help="seconds idle before reading RSS (default 3)")
    parser.add_argument("--no-synapse", action="store_true", help="leave Synapse out")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown (for a note)")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json", help="where to write the figures")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections to run (default all: {','.join(SECTIONS)})")
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    if wanted - set(SECTIONS):
        parser.error(f"unknown section {sorted(wanted - set(SECTIONS))[0]!r}; known: {', '.join(SECTIONS)}")
    began = time.monotonic()
    run = Run()
    if args.no_synapse:
        run.synapse_missing = "left out: --no-synapse"
    else:
        try:
            run.synapse = ensure_synapse(log)
        except PeerMissing as exc:
            run.synapse_missing = str(exc)
    environment = (f"Python {platform.python_version()}, {os.cpu_count()} cores, granian {version('granian')}, "
                   f"litestar {version('litestar')}, Synapse {run.synapse or '—'}; commit {_git('rev-parse', '--short', 'HEAD')}"
                   f"{' + changes' if _git('status', '--porcelain', '--untracked-files=no') else ''}")
    log(f"# bench — {environment}; wrk {args.seconds:g} s per measurement")

    with tempfile.TemporaryDirectory(prefix="gb-bench-all-") as name:
        tmp = Path(name)
        synapse_dir = tmp / "synapse"
        with_synapse = run.synapse is not None
        if "start" in wanted:
            run.section("start", lambda: start_section(tmp, synapse_dir, args, with_synapse))
        if "messages" in wanted:
            run.section("groupbox messages", lambda: groupbox_messages(tmp, args))
            run.section("ceiling streams", ceiling_streams)
            if with_synapse:
                run.section("synapse messages", lambda: synapse_messages(synapse_dir, args))
        if "demo" in wanted:
            run.section("demo", lambda: demo_section(tmp))
        seeded: list[Seeded] = []

        def prepare() -> dict[str, Any]:
            seeded.append(Seeded(tmp))
            return {"groups_synced": seeded[0].sync_groups}

        if wanted & {"pages", "sync"}:
            run.section("seeded data", prepare)
        if seeded and "pages" in wanted:
            run.section("pages", lambda: pages_section(seeded[0], args))
        if seeded and "sync" in wanted:
            run.section("groupbox sync", lambda: sync_section(tmp, seeded[0]))

    rows = build_rows(run)
    took = time.monotonic() - began
    load = os.getloadavg()[1]  # the last 5 minutes: other work on the machine skews every figure
    print(f"\n# groupbox beside its baselines — {environment}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {took:.0f} s; "
          f"load average {load:.1f} (5 min)")
    print_table(rows, args.markdown)
    print("(one run on a shared machine: ±25% between runs; compare the columns of this run; a load average "
          f"above {os.cpu_count()} means other work shared the cores)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "when": datetime.now(UTC).isoformat(timespec="seconds"), "environment": environment, "seconds": took,
        "load_average_5min": load,
        "options": {"seconds": args.seconds, "runs": args.runs, "idle": args.idle},
        "synapse": run.synapse, "synapse_missing": run.synapse_missing,
        "rows": rows, "figures": run.figures, "failed": run.failed}, indent=1, default=str) + "\n")
    print(f"figures: {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
