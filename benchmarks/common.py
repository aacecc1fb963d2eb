"""Helpers shared by every benchmark: real instances, real server processes, wrk, a baseline.

Everything targets 127.0.0.1 and is bounded in time. Nothing here asserts on speed: benchmarks
print figures beside a baseline measured in the same run (these machines vary ±25% run to run).

    from common import Server, BaselineServer, fresh_instance, signed_in_cookie, wrk, table
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
WRK = shutil.which("wrk") or "/usr/bin/wrk"
HOST = "127.0.0.1"


class BenchError(RuntimeError):
    """A benchmark could not measure what it meant to (server did not start, page not 2xx...)."""


# ---------------------------------------------------------------------------------------------
# Instances and server processes


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def fresh_instance(tmpdir: str | os.PathLike[str]) -> tuple[Path, str]:
    """`groupbox init --json` into `tmpdir`/data; returns (data_dir, signin_url)."""
    data_dir = Path(tmpdir) / "data"
    proc = subprocess.run(
        [PYTHON, "-m", "groupbox.cli.main", "init", "--json", "--data", str(data_dir)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    if proc.returncode != 0:
        raise BenchError(f"groupbox init failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    payload = json.loads(proc.stdout.strip().splitlines()[-1])
    return Path(payload["data_dir"]), payload["signin_url"]


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            kids.extend(int(p) for p in task.read_text().split())
        except (OSError, ValueError):
            continue
    return kids


def descendants(pid: int) -> list[int]:
    """All processes below `pid` (children, grandchildren...), read from /proc."""
    found: list[int] = []
    queue = _children(pid)
    while queue:
        child = queue.pop(0)
        if child not in found:
            found.append(child)
            queue.extend(_children(child))
    return found


def rss_mib(pid: int) -> float:
    """Resident set size of one process in MiB (VmRSS), 0.0 if it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


class _Process:
    """A server process we spawn, wait for, measure and stop. Subclasses give the command."""

    health_path = "/"

    def __init__(self, port: int | None = None, start_timeout: float = 30.0) -> None:
        self.port = port or free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.start_timeout = start_timeout
        self.start_s: float | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        # Lives as long as the server (its output, for error messages); closed in __exit__.
        self._log = tempfile.TemporaryFile()  # noqa: SIM115
        self._final_log = ""

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    def url(self, path: str) -> str:
        return self.base_url + path

    def __enter__(self) -> _Process:
        started = time.monotonic()
        self.proc = subprocess.Popen(
            self.command(), cwd=ROOT, env=self.environment(),
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
        )
        try:
            self._wait_ready(started)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, started: float) -> None:
        assert self.proc is not None
        deadline = started + self.start_timeout
        health = self.url(self.health_path)
        # A fresh connection per probe: the server is not listening yet, so nothing to keep.
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"server exited with {self.proc.returncode} before answering:\n{self.log()}")
            try:
                if httpx.get(health, timeout=1.0).status_code == 200:
                    self.start_s = time.monotonic() - started
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.005)
        raise BenchError(f"no 200 from {health} within {self.start_timeout:.0f} s:\n{self.log()}")

    def log(self, tail: int = 2000) -> str:
        """The last `tail` characters the server wrote to stdout/stderr."""
        if self._log.closed:
            return self._final_log[-tail:]
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-tail:]

    def pids(self) -> list[int]:
        """The main process first, then every worker (descendant) process."""
        if self.proc is None or self.proc.poll() is not None:
            return []
        return [self.proc.pid, *descendants(self.proc.pid)]

    def worker_pids(self) -> list[int]:
        return self.pids()[1:]

    def worker_rss_mib(self) -> float:
        """RSS of the worker processes (summed when there are several)."""
        return sum(rss_mib(pid) for pid in self.worker_pids())

    def total_rss_mib(self) -> float:
        """RSS of the main process plus all workers."""
        return sum(rss_mib(pid) for pid in self.pids())

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM the main process (granian stops its workers) and wait; SIGKILL all if it hangs."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            for pid in [*self.worker_pids(), self.proc.pid]:  # only pids this server spawned
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.proc.wait(timeout=5)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
        self._final_log = self.log(tail=100_000)
        self._log.close()


class Server(_Process):
    """`groupbox serve` on a loopback port; `.start_s` is spawn → first 200 from /api/health.

        with Server(data_dir, workers=1) as server:
            server.start_s, server.pids(), server.worker_rss_mib(), server.url("/")
    """

    health_path = "/api/health"

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        port: int | None = None,
        workers: int | None = None,
        env: dict[str, str] | None = None,
        start_timeout: float = 30.0,
    ) -> None:
        super().__init__(port, start_timeout)
        self.data_dir = Path(data_dir)
        self.workers = workers
        self.extra_env = env or {}

    def command(self) -> list[str]:
        cmd = [PYTHON, "-m", "groupbox.cli.main", "serve", "--data", str(self.data_dir),
               "--host", HOST, "--port", str(self.port)]
        if self.workers:
            cmd += ["--workers", str(self.workers)]
        return cmd

    def environment(self) -> dict[str, str]:
        env = super().environment()
        env["GROUPBOX_URL"] = self.base_url
        env.update(self.extra_env)
        return env

    def __enter__(self) -> Server:
        super().__enter__()
        return self


class BaselineServer(_Process):
    """benchmarks/baseline_app.py under granian (ASGI, 1 worker by default): `/plain`, `/page?kb=N`."""

    health_path = "/plain"

    def __init__(self, port: int | None = None, workers: int = 1, start_timeout: float = 30.0) -> None:
        super().__init__(port, start_timeout)
        self.workers = workers

    def command(self) -> list[str]:
        return [PYTHON, "-m", "granian", "--interface", "asgi", "--workers", str(self.workers),
                "--host", HOST, "--port", str(self.port), "--no-access-log",
                "benchmarks.baseline_app:app"]

    def __enter__(self) -> BaselineServer:
        super().__enter__()
        return self


# ---------------------------------------------------------------------------------------------
# HTTP helpers


def _rebase(url: str, base_url: str) -> str:
    """`url` with scheme and host:port taken from `base_url` (init prints the configured URL)."""
    parts = urlsplit(url)
    rest = parts.path + (f"?{parts.query}" if parts.query else "")
    return base_url.rstrip("/") + rest


def signed_in_cookie(base_url: str, signin_url: str) -> str:
    """Spend a one-time sign-in link (GET the page, POST its CSRF token); returns "gb_session=..."."""
    link = _rebase(signin_url, base_url)
    with httpx.Client(timeout=10.0, follow_redirects=False) as client:
        page = client.get(link)
        if page.status_code != 200:
            raise BenchError(f"GET sign-in link: {page.status_code}")
        match = re.search(r'name="_csrf_token"[^>]*value="([^"]+)"', page.text) or re.search(
            r'value="([^"]+)"[^>]*name="_csrf_token"', page.text)
        if not match:
            raise BenchError("sign-in page has no _csrf_token field")
        done = client.post(link, data={"_csrf_token": match.group(1)})
        if done.status_code != 303:
            raise BenchError(f"POST sign-in link: {done.status_code}, expected 303")
        session = client.cookies.get("gb_session")
        if not session:
            raise BenchError("sign-in answered 303 but set no gb_session cookie")
        return f"gb_session={session}"


def page_bytes(url: str, cookie: str | None = None) -> int:
    """Body size of one GET (no redirects followed); raises BenchError unless the answer is 2xx."""
    headers = {"cookie": cookie} if cookie else {}
    response = httpx.get(url, headers=headers, timeout=10.0, follow_redirects=False)
    if not 200 <= response.status_code < 300:
        raise BenchError(f"GET {url} answered {response.status_code}; not measuring a broken page")
    return len(response.content)


# wrk counts only status >= 400 as errors; the response() hook also catches redirects (e.g. a
# signed-in page bouncing to the landing page), so a broken page is never reported as fast.
_WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread); thread:set("tid", #threads) end
function init(args) non2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("non2xx") or 0) end
  local e = summary.errors
  io.write(string.format(
    '\\nWRKJSON {"p50_ms": %.4f, "p95_ms": %.4f, "p99_ms": %.4f, "requests": %d, '
    .. '"duration_s": %.6f, "rps": %.2f, "errors": %d, "non2xx": %d, "transfer_bytes": %d}\\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    e.connect + e.read + e.write + e.timeout, bad, summary.bytes))
end
"""


def _lua_string(text: str) -> str:
    level = "=" * (max((len(m) for m in re.findall(r"\](=*)\]", text)), default=-1) + 1)
    return f"[{level}[{text}]{level}]"


def wrk(
    url: str,
    seconds: float = 10,
    connections: int = 8,
    threads: int = 2,
    headers: dict[str, str] | None = None,
    method: str = "GET",
    body: str | None = None,
    lua: str = "",
) -> dict[str, float]:
    """Run wrk against `url`; returns p50_ms, p95_ms, p99_ms, rps, errors (socket), non2xx, requests.

    `method` and `body` set every request's; `lua` is added to the script, e.g. a `request()`
    that builds each request itself (each wrk thread has a global `tid`, 1 to `threads`).
    """
    if urlsplit(url).hostname not in (HOST, "localhost"):
        raise BenchError(f"benchmarks target 127.0.0.1 only, not {url}")
    prelude = f"wrk.method = {_lua_string(method)}\n"
    if body is not None:
        prelude += f"wrk.body = {_lua_string(body)}\n"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(prelude + _WRK_SCRIPT + lua)
    try:
        cmd = [WRK, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
               "--timeout", "5s", "-s", script.name]
        for name, value in (headers or {}).items():
            cmd += ["-H", f"{name}: {value}"]
        proc = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 30)
    finally:
        os.unlink(script.name)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if proc.returncode != 0 or line is None:
        raise BenchError(f"wrk failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout[-500:]}")
    return json.loads(line.removeprefix("WRKJSON "))


# ---------------------------------------------------------------------------------------------
# Output


def table(rows: list[dict[str, object]], baseline_label: str | None = None) -> None:
    """Print an aligned table: name | p50 ms | p95 ms | req/s | % of baseline | bytes.

    Each row is a wrk() result plus "name" (and optional "bytes", "baseline": the name of the row
    it is compared with). Rows without "baseline" compare with `baseline_label`. Rows that saw
    errors or non-2xx answers are flagged, because their speed means nothing.
    """
    by_name = {row["name"]: row for row in rows}
    referenced = {row.get("baseline") or baseline_label for row in rows}
    header = ("name", "p50 ms", "p95 ms", "req/s", "% of baseline", "bytes")
    lines = [header]
    for row in rows:
        reference = by_name.get(row.get("baseline") or baseline_label)
        share = ""
        if reference is not None and reference is not row and reference.get("rps"):
            share = f"{100 * float(row['rps']) / float(reference['rps']):.0f}% of {reference['name']}"
        elif reference is row or row["name"] in referenced:
            share = "(baseline)"
        name = str(row["name"])
        if row.get("errors") or row.get("non2xx"):
            name += f"  !! {row.get('non2xx', 0)} non-2xx, {row.get('errors', 0)} errors"
        lines.append((
            name,
            f"{float(row['p50_ms']):.2f}",
            f"{float(row['p95_ms']):.2f}",
            f"{float(row['rps']):,.0f}",
            share,
            f"{row['bytes']:,}" if isinstance(row.get("bytes"), int) else "",
        ))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for n, line in enumerate(lines):
        cells = [line[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(line[1:], widths[1:], strict=True)]
        cells[4] = line[4].ljust(widths[4])
        print("  ".join(cells).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    sys.stdout.flush()


def grid(lines: list[tuple[str, ...]], left: int = 1) -> None:
    """Print rows of cells aligned in columns, the first row a header underlined with dashes.

    The first `left` columns are left-aligned (names, text), the others right-aligned (figures).
    """
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    for n, line in enumerate(lines):
        cells = [cell.ljust(w) if i < left else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths, strict=True))]
        print("  ".join(cells).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    sys.stdout.flush()
