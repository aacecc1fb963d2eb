"""The routes table: every controller module under web/pages, web/api and web/protocol exports
`HANDLERS`; this gathers them in one ordered list (pages, then API, then protocol)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable

from groupbox.access import Actor

PACKAGES = ("groupbox.web.pages", "groupbox.web.api", "groupbox.web.protocol")


def handlers() -> list:
    collected: list = []
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            module = importlib.import_module(f"{package_name}.{info.name}")
            collected.extend(getattr(module, "HANDLERS", []))
    return collected


def unread_counter() -> Callable[[Actor], Awaitable[int]] | None:
    """The notification count shown on the bell."""
    from groupbox.domain.notify import service as notify

    return notify.unread_count
