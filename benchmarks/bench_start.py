"""Start time and idle memory: `groupbox serve` beside the bare ceiling app, nothing else.

    .venv/bin/python benchmarks/bench_start.py [--runs 3] [--idle 3]

For each of --runs rounds, on one fresh `groupbox init` data folder: spawn `groupbox serve`
(1 worker, loopback), time spawn → first 200 from /api/health, wait --idle seconds, sum the RSS
of granian's main process and its worker (VmRSS from /proc); then the same for the ceiling app
(benchmarks/baseline_app.py: bare Litestar under granian, 1 worker, first 200 from /plain).
Prints the medians side by side and the per-run figures. Never asserts on time. About 30 s.

Both servers first start once unmeasured with bytecode caching on (into a temporary
PYTHONPYCACHEPREFIX, so the work tree is untouched even when PYTHONDONTWRITEBYTECODE is set):
an installed groupbox has its .pyc files, and compiling ~90 modules from source would add
~0.2 s to every groupbox start that the ceiling app (all installed packages) does not pay.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from importlib.metadata import version

from common import BaselineServer, Server, _Process, fresh_instance, rss_mib


def sample(server: _Process, idle_s: float) -> tuple[float, float, float]:
    """(start s, main RSS MiB, worker RSS MiB) of a server that has just answered its first 200."""
    time.sleep(idle_s)
    pids = server.pids()
    main_rss = rss_mib(pids[0]) if pids else 0.0
    return server.start_s or 0.0, main_rss, server.worker_rss_mib()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="spawns of each server (default 3)")
    parser.add_argument("--idle", type=float, default=3.0, help="seconds idle before reading RSS (default 3)")
    args = parser.parse_args()

    print(f"# start — Python {platform.python_version()}, {os.cpu_count()} cores, "
          f"granian {version('granian')}, litestar {version('litestar')}; "
          f"{args.runs} runs, RSS after {args.idle:g} s idle")
    groupbox: list[tuple[float, float, float]] = []
    ceiling: list[tuple[float, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="gb-bench-") as tmp:
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = os.path.join(tmp, "pycache")
        data_dir, _ = fresh_instance(tmp)
        with Server(data_dir, workers=1), BaselineServer():
            pass  # warm-up: writes the bytecode caches
        for _ in range(args.runs):
            # One at a time, alternating, so both see the same machine and neither shares a core.
            with Server(data_dir, workers=1) as server:
                groupbox.append(sample(server, args.idle))
            with BaselineServer() as base:
                ceiling.append(sample(base, args.idle))

    def med(rows: list[tuple[float, float, float]], i: int) -> float:
        return statistics.median(row[i] for row in rows)

    def total(rows: list[tuple[float, float, float]]) -> float:
        return statistics.median(row[1] + row[2] for row in rows)

    g_start, c_start = med(groupbox, 0), med(ceiling, 0)
    g_total, c_total = total(groupbox), total(ceiling)
    lines = [
        ("", "groupbox", "ceiling app", "groupbox / ceiling"),
        ("start to first 200 (s)", f"{g_start:.2f}", f"{c_start:.2f}", f"{g_start / c_start:.2f}×"),
        ("idle RSS main (MiB)", f"{med(groupbox, 1):.1f}", f"{med(ceiling, 1):.1f}", ""),
        ("idle RSS worker (MiB)", f"{med(groupbox, 2):.1f}", f"{med(ceiling, 2):.1f}", ""),
        ("idle RSS main + worker (MiB)", f"{g_total:.1f}", f"{c_total:.1f}", f"{g_total / c_total:.2f}×"),
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    for n, line in enumerate(lines):
        print("  ".join([line[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(line[1:], widths[1:], strict=True))]))
        if n == 0:
            print("  ".join("-" * w for w in widths))
    print(f"(medians of {args.runs}; per run, start s / main+worker MiB:")
    print("  groupbox " + ", ".join(f"{s:.2f}/{m + w:.1f}" for s, m, w in groupbox))
    print("  ceiling  " + ", ".join(f"{s:.2f}/{m + w:.1f}" for s, m, w in ceiling) + ")")
    print("(noise between runs is ±25%: compare the columns of this run, not with other runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
