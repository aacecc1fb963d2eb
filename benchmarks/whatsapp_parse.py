"""Parse a synthetic WhatsApp export and print throughput and peak RSS; never asserts on time.

    .venv/bin/python benchmarks/whatsapp_parse.py [--messages 100000] [--platform android|ios]

The export mixes what real chats hold: one-line and multi-line messages, media markers,
deleted placeholders and system lines, spread over a year with day-first dates.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from groupbox.domain.migration.whatsapp import Counts, ExportSource, detect, parse  # noqa: E402

SENDERS = ["Anna Schmidt", "Ben Okafor", "\u202a+49 170 1234567\u202c", "Clara", "Dev Patel"]
BODIES = [
    "See you at training tomorrow!",
    "Who can drive on Saturday? We need two more cars for the away game in Spandau.",
    "👍",
    "IMG-20240113-WA{n:04d}.jpg (file attached)",
    "<Media omitted>",
    "This message was deleted",
    "Bring water, shin pads and the blue shirts.\nKick-off is at 10:30.\n31.12.24 is the party",
]


def write_export(path: Path, messages: int, platform: str) -> int:
    at = datetime(2024, 1, 13, 7, 0)
    step = timedelta(seconds=311)
    size = 0
    with path.open("w", encoding="utf-8") as f:
        first = "Messages and calls are end-to-end encrypted."
        if platform == "ios":
            size += f.write(f"[{at:%d.%m.%y, %H:%M:%S}] Bench: \u200e{first}\n")
        else:
            size += f.write(f"{at:%d.%m.%y, %H:%M} - {first}\n")
        for n in range(messages):
            if platform == "ios":
                prefix = f"[{at:%d.%m.%y, %H:%M:%S}] "
            else:
                prefix = f"{at:%d.%m.%y, %H:%M} - "
            if n % 50 == 0:
                line = f"{prefix}Anna Schmidt added Dev Patel\n"
            else:
                body = BODIES[n % len(BODIES)].format(n=n % 10_000)
                line = f"{prefix}{SENDERS[n % len(SENDERS)]}: {body}\n"
            size += f.write(line)
            at += step
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--platform", choices=["android", "ios"], default="android")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "WhatsApp Chat with Bench.txt"
        size = write_export(path, args.messages, args.platform)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        with ExportSource.open(path) as source:
            t0 = time.perf_counter()
            info = detect(source)
            t1 = time.perf_counter()
            counts = Counts.of(parse(source, info))
            t2 = time.perf_counter()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    entries = counts.messages + counts.system_messages
    print(f"export        {size / 2**20:8.1f} MiB, {entries:,} entries ({args.platform})")
    print(f"detect pass   {(t1 - t0) * 1000:8.1f} ms")
    print(f"parse pass    {(t2 - t1) * 1000:8.1f} ms  {entries / (t2 - t1):10,.0f} entries/s")
    print(
        f"both passes   {entries / (t2 - t0):10,.0f} entries/s  {size / 2**20 / (t2 - t0):.1f} MiB/s"
    )
    print(f"peak RSS      {rss_after / 1024:8.1f} MiB (before parsing {rss_before / 1024:.1f} MiB)")
    print(f"counts        {counts}")


if __name__ == "__main__":
    main()
