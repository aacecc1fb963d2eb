"""The web's areas, listed once: each area's tab on a group, its section on the group dashboard,
and its card on /me. Nothing registers itself at import; `create_app` checks this list when it
builds the app, and the pages ask here (the imports happen when first asked, so page modules can
import `pages.groups` without a cycle).

Orders follow SPEC §9: Important now, Upcoming events, Open actions, Official announcements,
Sign-ups, Discussions, Files, Members; the migration kit last, for admins.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from groupbox.i18n import N_


@dataclass(frozen=True)
class DashboardSection:
    """A section of the group dashboard, contributed by an area (events, sign-ups, files…).
    `load(actor, group)` returns the template's context, or None to hide the section. `template`
    renders it with that context as `ctx`; "" where groupbox/web/sections.py does, by `key`."""

    order: int
    key: str
    load: Any  # async (actor, group) -> dict | None
    template: str = ""


# (order, key, label): the page lives at /groups/{id}/{key}; labels go through _() when shown.
GROUP_TABS: tuple[tuple[int, str, str], ...] = (
    (10, "events", N_("Events")),
    (20, "announcements", N_("Announcements")),
    (30, "tasks", N_("Tasks")),
    (40, "polls", N_("Polls")),
    (50, "signups", N_("Sign-ups")),
    (60, "discussions", N_("Discussions")),
    (70, "files", N_("Files")),
)

# The tabs a phone shows first, in this order; the others fold under "More" (`ui.tabs`).
PHONE_TABS: tuple[str, ...] = ("overview", "events", "discussions")


@cache
def dashboard_sections() -> tuple[DashboardSection, ...]:
    from groupbox.web.pages import (
        announcements,
        events,
        files,
        group_important,
        migration,
        polls,
        signups,
        tasks,
        threads,
    )

    return tuple(sorted((
        DashboardSection(10, "important", group_important.important_now),
        DashboardSection(20, "upcoming", events.upcoming_section),
        DashboardSection(30, "my-tasks", tasks.my_tasks_section),
        DashboardSection(40, "official", announcements.official_section),
        DashboardSection(45, "polls", polls.open_polls_section),
        DashboardSection(50, "signups", signups.open_signups_section),
        DashboardSection(60, "discussions", threads.discussions_section),
        DashboardSection(70, "files", files.files_section, "groups/sections/files.html"),
        DashboardSection(95, "migration", migration.migration_section, "migration/_section.html"),
    ), key=lambda section: section.order))


@cache
def me_sections() -> tuple[Any, ...]:
    """Cards on /me: async (request, actor) -> {key: context}; shown to whole-profile devices."""
    from groupbox.web.pages import calendar, email, language, pairing, passkeys, remote

    return (email.email_card, passkeys.passkeys_card, calendar.calendar_card, pairing.pairing_card,
            language.language_card, remote.servers_card)


def check() -> None:
    """Fail at start, not on the first page view, if an area's part is missing."""
    dashboard_sections()
    me_sections()
