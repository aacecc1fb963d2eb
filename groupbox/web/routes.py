"""The single routes table: every controller of pages, API and protocol, in one list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from groupbox.access import Actor


def handlers() -> list:
    from groupbox.web.api import system as api_system
    from groupbox.web.pages import auth as pages_auth
    from groupbox.web.pages import home as pages_home

    return [
        *pages_home.HANDLERS,
        *pages_auth.HANDLERS,
        *api_system.HANDLERS,
    ]


def unread_counter() -> Callable[[Actor], Awaitable[int]] | None:
    """The notification count shown on the bell (None until notifications exist)."""
    return None
