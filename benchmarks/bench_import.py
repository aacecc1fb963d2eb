"""Import a generated WhatsApp export through the archive service; print messages/s and peak RSS.

    .venv/bin/python benchmarks/bench_import.py [--messages 100000] [--platform android|ios]
                                                [--zip --media 500]

A fresh instance in a temp folder, one group, then `archive_import.import_export` exactly as the CLI
and the web call it: two parse passes, the duplicate check, batches of short write
transactions with the full-text index, the final flip to 'done'. Budget (issue 8): at least
20k messages/s and a peak RSS of at most 150 MiB. A second import of the same file shows the
cost of "already imported". Never asserts on time.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from whatsapp_parse import write_export  # noqa: E402

from groupbox.domain.groups.schemas import GroupCreate  # noqa: E402

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 20_000 + b"\xff\xd9"


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_zip(text_path: Path, media: int) -> Path:
    """The export as Android zips it: the chat text plus the attached files it names."""
    path = text_path.with_suffix(".zip")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(text_path, text_path.name)
        for n in range(min(media, 10_000)):
            zf.writestr(f"IMG-20240113-WA{n:04d}.jpg", JPEG, compress_type=zipfile.ZIP_STORED)
    return path


async def run(args: argparse.Namespace, tmp: Path) -> None:
    from groupbox.config import load_config
    from groupbox.domain.groups import service as groups
    from groupbox.domain.identity import service as identity
    from groupbox.domain.migration import archive, archive_import
    from groupbox.instance import init_instance, opened

    await init_instance(tmp / "data", admin="Bench Owner", name="bench")
    config = load_config(tmp / "data")
    export = tmp / "WhatsApp Chat with Bench.txt"
    size = write_export(export, args.messages, args.platform)
    if args.zip:
        export = make_zip(export, args.media)
        size = export.stat().st_size
    async with opened(config):
        owner = await identity.owner_profile()
        actor = await identity.load_actor(owner["id"])
        group = await groups.group_create(actor, GroupCreate(name="Bench U12"))
        actor = await identity.load_actor(owner["id"])
        rss_before = peak_rss_mib()
        t0 = time.perf_counter()
        result = await archive_import.import_export(actor, group["id"], export, files_dir=config.files_dir,
                                                    max_bytes=config.import_max_bytes)
        t1 = time.perf_counter()
        rss_after = peak_rss_mib()
        again = await archive_import.import_export(actor, group["id"], export, files_dir=config.files_dir,
                                                   max_bytes=config.import_max_bytes)
        t2 = time.perf_counter()
        t3 = time.perf_counter()
        hits = await archive.archive_search(actor, group["id"], q="drive saturday")
        t4 = time.perf_counter()
        page = await archive.archive_search(actor, group["id"], sender="Clara")
        t5 = time.perf_counter()
    entries = result.messages + result.system_messages
    db_mib = config.db_path.stat().st_size / 2**20
    wal = config.db_path.with_name(config.db_path.name + "-wal")
    print(f"export          {size / 2**20:8.1f} MiB {'zip' if args.zip else 'txt'}, {entries:,} entries"
          f" ({args.platform}), {result.media_files:,} media files stored")
    print(f"import          {t1 - t0:8.2f} s   {result.messages / (t1 - t0):10,.0f} messages/s"
          f"  {entries / (t1 - t0):10,.0f} entries/s   (budget ≥ 20,000 messages/s)")
    print(f"peak RSS        {rss_after:8.1f} MiB (before the import {rss_before:.1f} MiB; budget ≤ 150 MiB)")
    print(f"repeat import   {(t2 - t1) * 1000:8.1f} ms  already_imported={again.already_imported}")
    print(f"search 2 words  {(t4 - t3) * 1000:8.1f} ms  ({len(hits.items)} shown, more={hits.older is not None})")
    print(f"one sender      {(t5 - t4) * 1000:8.1f} ms  ({len(page.items)} shown)")
    print(f"database        {db_mib:8.1f} MiB (+ WAL {wal.stat().st_size / 2**20 if wal.exists() else 0:.1f} MiB)")
    print(f"counts          messages={result.messages} system={result.system_messages} media={result.media}"
          f" participants={result.participants}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--platform", choices=["android", "ios"], default="android")
    parser.add_argument("--zip", action="store_true", help="zip the export with media files")
    parser.add_argument("--media", type=int, default=500, help="media files in the zip (at most 10,000)")
    parser.add_argument("--seconds", type=int, default=0, help="ignored (run_all passes it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    main()
