"""Foundation figures: start time, idle memory, and the cost of the first pages, beside a baseline.

    .venv/bin/python benchmarks/bench_foundation.py [--seconds 8] [--connections 8] [--spawns 3]

Prints start-to-first-200 (median of --spawns spawns of `groupbox serve`, 1 worker), idle RSS of
the worker and of the whole server, then wrk figures for /api/health, / signed out and / signed in
beside a bare Litestar app (benchmarks/baseline_app.py) measured in the same run: /plain, and
/page?kb=N sized like groupbox's signed-in home. Never asserts on time. Takes about a minute.
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

import httpx
from common import BaselineServer, Server, fresh_instance, page_bytes, signed_in_cookie, table, wrk

SETTLE_S = 1.0  # let the worker finish start-up work before reading "idle" RSS


def warm(url: str, cookie: str | None = None, requests: int = 30) -> None:
    """A few sequential requests so first-render costs (template compile, caches) are not measured."""
    headers = {"cookie": cookie} if cookie else {}
    with httpx.Client(timeout=10.0) as client:
        for _ in range(requests):
            client.get(url, headers=headers)


def measure(name: str, url: str, args: argparse.Namespace, cookie: str | None = None,
            baseline: str | None = None) -> dict[str, object]:
    size = page_bytes(url, cookie)  # refuses non-2xx pages: a broken page is not "fast"
    warm(url, cookie)
    result = wrk(url, seconds=args.seconds, connections=args.connections,
                 headers={"Cookie": cookie} if cookie else None)
    return {"name": name, "bytes": size, "baseline": baseline, **result}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8, help="wrk duration per URL (default 8)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--spawns", type=int, default=3, help="server spawns for the start time (default 3)")
    args = parser.parse_args()
    began = time.monotonic()

    print(f"# foundation — Python {platform.python_version()}, {os.cpu_count()} cores, "
          f"granian {version('granian')}, litestar {version('litestar')}; "
          f"wrk {args.connections} connections × {args.seconds:g} s")
    with tempfile.TemporaryDirectory(prefix="gb-bench-") as tmp:
        data_dir, signin_url = fresh_instance(tmp)

        starts: list[float] = []
        worker_rss: list[float] = []
        total_rss: list[float] = []
        for n in range(args.spawns):
            server = Server(data_dir, workers=1)
            with server:
                starts.append(server.start_s or 0.0)
                time.sleep(SETTLE_S)
                worker_rss.append(server.worker_rss_mib())
                total_rss.append(server.total_rss_mib())
                if n < args.spawns - 1:
                    continue
                # The last spawn stays up for the load figures, with the baseline beside it.
                with BaselineServer() as base:
                    time.sleep(SETTLE_S)
                    base_worker, base_total = base.worker_rss_mib(), base.total_rss_mib()
                    print(f"start-to-first-200  groupbox {statistics.median(starts):.2f} s "
                          f"(median of {len(starts)}: {', '.join(f'{s:.2f}' for s in starts)}); "
                          f"baseline {base.start_s:.2f} s")
                    print(f"idle RSS worker     groupbox {statistics.median(worker_rss):.1f} MiB; "
                          f"baseline {base_worker:.1f} MiB")
                    print(f"idle RSS total      groupbox {statistics.median(total_rss):.1f} MiB "
                          f"(main + {len(server.worker_pids())} worker); baseline {base_total:.1f} MiB")
                    print()

                    cookie = signed_in_cookie(server.base_url, signin_url)
                    home_bytes = page_bytes(server.url("/"), cookie)
                    kb = round(home_bytes / 1024, 1)
                    rows = [
                        measure("baseline /plain", base.url("/plain"), args),
                        measure(f"baseline /page?kb={kb:g}", base.url(f"/page?kb={kb:g}"), args),
                        measure("groupbox /api/health", server.url("/api/health"), args,
                                baseline="baseline /plain"),
                        measure("groupbox / signed out", server.url("/"), args,
                                baseline=f"baseline /page?kb={kb:g}"),
                        measure("groupbox / signed in", server.url("/"), args, cookie=cookie,
                                baseline=f"baseline /page?kb={kb:g}"),
                    ]
                    after_load = server.worker_rss_mib()
        table(rows)
        print(f"\nworker RSS after load: {after_load:.1f} MiB; "
              f"total runtime {time.monotonic() - began:.0f} s")
        print("(noise between runs is ±25%: compare rows of this run with each other, not with other runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
