"""The single routes table: every controller of pages, API and protocol, in one list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from groupbox.access import Actor


def handlers() -> list:
    from groupbox.web.api import auth as api_auth
    from groupbox.web.api import groups as api_groups
    from groupbox.web.api import system as api_system
    from groupbox.web.pages import auth as pages_auth
    from groupbox.web.pages import groups as pages_groups
    from groupbox.web.pages import home as pages_home
    from groupbox.web.pages import join as pages_join
    from groupbox.web.pages import me as pages_me

    return [
        *pages_home.HANDLERS,
        *pages_auth.HANDLERS,
        *pages_join.HANDLERS,
        *pages_groups.HANDLERS,
        *pages_me.HANDLERS,
        *api_system.HANDLERS,
        *api_auth.HANDLERS,
        *api_groups.HANDLERS,
    ]


def unread_counter() -> Callable[[Actor], Awaitable[int]] | None:
    """The notification count shown on the bell (None until notifications exist)."""
    return None
