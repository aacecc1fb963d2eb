"""Run every benchmarks/bench_*.py in turn (`make bench`); a failing script is reported, not fatal.

    .venv/bin/python benchmarks/run_all.py [WORD ...] [--timeout 600]

With WORDs, only scripts whose name contains one of them run. Each script runs in its own
process with this interpreter; its output streams through as it comes. Exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_one(script: Path, timeout: float) -> str:
    # Its own process group, so a script that hangs is stopped together with the servers it
    # spawned (killing only the script would leave them orphaned and holding their ports).
    proc = subprocess.Popen([sys.executable, str(script)], cwd=HERE.parent, start_new_session=True)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        return f"FAILED (timed out after {timeout:.0f} s)"
    except KeyboardInterrupt:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()
        raise
    return "ok" if code == 0 else f"FAILED (exit {code})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("words", nargs="*", help="run only scripts whose name contains one of these")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per script (default 600)")
    args = parser.parse_args()

    scripts = sorted(HERE.glob("bench_*.py"))
    if args.words:
        scripts = [s for s in scripts if any(word in s.stem for word in args.words)]
    if not scripts:
        print("no benchmark scripts matched", file=sys.stderr)
        return 1

    results: list[tuple[str, str, float]] = []
    for script in scripts:
        print(f"\n=== {script.name} ===", flush=True)
        started = time.monotonic()
        try:
            outcome = run_one(script, args.timeout)
        except OSError as exc:
            outcome = f"FAILED ({exc})"
        results.append((script.name, outcome, time.monotonic() - started))

    print("\n=== summary ===")
    width = max(len(name) for name, _, _ in results)
    for name, outcome, took in results:
        print(f"{name.ljust(width)}  {took:6.1f} s  {outcome}")
    return 0 if all(outcome == "ok" for _, outcome, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
