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
from collections.abc import Callable
from importlib.metadata import version

from common import BaselineServer, Server, _Process, fresh_instance, grid, rss_mib

Sample = tuple[float, float, float]


def sample(server: _Process, idle_s: float) -> Sample:
    """(start s, main RSS MiB, worker RSS MiB) of a server that has just answered its first 200."""
    time.sleep(idle_s)
    pids = server.pids()
    main_rss = rss_mib(pids[0]) if pids else 0.0
    return server.start_s or 0.0, main_rss, server.worker_rss_mib()


def bytecode_caches_on(tmp: str) -> None:
    """Python writes .pyc files (into a temporary prefix under `tmp`) in every server spawned later."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = os.path.join(tmp, "pycache")


def start_rounds(servers: dict[str, Callable[[], _Process]], runs: int, idle_s: float) -> dict[str, list[Sample]]:
    """Each server started once unmeasured (caches, a new database's schema), then `runs` rounds
    of each in turn, one at a time so all see the same machine; their `sample()`s by name."""
    for make in servers.values():
        with make():
            pass
    samples: dict[str, list[Sample]] = {name: [] for name in servers}
    for _ in range(runs):
        for name, make in servers.items():
            with make() as server:
                samples[name].append(sample(server, idle_s))
    return samples


def median_of(rows: list[Sample], i: int) -> float:
    """Median of one figure of the samples (0 start s, 1 main MiB, 2 worker MiB, 3 main + worker)."""
    return statistics.median(row[1] + row[2] if i == 3 else row[i] for row in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="spawns of each server (default 3)")
    parser.add_argument("--idle", type=float, default=3.0, help="seconds idle before reading RSS (default 3)")
    args = parser.parse_args()

    print(f"# start — Python {platform.python_version()}, {os.cpu_count()} cores, "
          f"granian {version('granian')}, litestar {version('litestar')}; "
          f"{args.runs} runs, RSS after {args.idle:g} s idle")
    with tempfile.TemporaryDirectory(prefix="gb-bench-") as tmp:
        bytecode_caches_on(tmp)
        data_dir, _ = fresh_instance(tmp)
        samples = start_rounds({"groupbox": lambda: Server(data_dir, workers=1), "ceiling": BaselineServer},
                               args.runs, args.idle)
    groupbox, ceiling = samples["groupbox"], samples["ceiling"]
    med = median_of
    g_start, c_start = med(groupbox, 0), med(ceiling, 0)
    g_total, c_total = med(groupbox, 3), med(ceiling, 3)
    lines = [
        ("", "groupbox", "ceiling app", "groupbox / ceiling"),
        ("start to first 200 (s)", f"{g_start:.2f}", f"{c_start:.2f}", f"{g_start / c_start:.2f}×"),
        ("idle RSS main (MiB)", f"{med(groupbox, 1):.1f}", f"{med(ceiling, 1):.1f}", ""),
        ("idle RSS worker (MiB)", f"{med(groupbox, 2):.1f}", f"{med(ceiling, 2):.1f}", ""),
        ("idle RSS main + worker (MiB)", f"{g_total:.1f}", f"{c_total:.1f}", f"{g_total / c_total:.2f}×"),
    ]
    grid(lines)
    print(f"(medians of {args.runs}; per run, start s / main+worker MiB:")
    print("  groupbox " + ", ".join(f"{s:.2f}/{m + w:.1f}" for s, m, w in groupbox))
    print("  ceiling  " + ", ".join(f"{s:.2f}/{m + w:.1f}" for s, m, w in ceiling) + ")")
    print("(noise between runs is ±25%: compare the columns of this run, not with other runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
