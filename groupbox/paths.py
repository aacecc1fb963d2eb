"""Where templates and static files live: inside the wheel, or at the top of a checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(f"groupbox cannot find its {name}/ folder; reinstall the package")


@cache
def templates_dir() -> Path:
    return _find("templates")


@cache
def static_dir() -> Path:
    return _find("static")
