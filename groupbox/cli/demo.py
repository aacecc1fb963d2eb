"""`groupbox demo`: load the demo data (SPEC §17)."""

from __future__ import annotations

from pathlib import Path

from groupbox.cli.common import fail


def load_demo(data_dir: Path, json_mode: bool = False) -> dict:
    fail("demo data is not available in this build yet")


def demo_links(data) -> dict | None:
    """Fresh links into the demo (None when this instance has no demo data)."""
    return None
