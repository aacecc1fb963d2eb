"""Jinja filters and globals: time in a group's zone and the request's language, relative
times, translation, and safe Markdown."""

from __future__ import annotations

from jinja2 import Environment

from groupbox import i18n, timefmt

# The kinds of card (`ui.kind_label`), as msgids: the label shown is translated where it is shown,
# not all fourteen on every card (they were half of a group dashboard's translations).
KIND_LABELS = {
    "rsvp": i18n.N_("RSVP"), "vote": i18n.N_("Vote"), "task": i18n.N_("Task"),
    "acknowledge": i18n.N_("Acknowledge"), "mention": i18n.N_("Mention"), "question": i18n.N_("Question"),
    "commitment": i18n.N_("Sign-up"), "moved": i18n.N_("Moved"), "cancelled": i18n.N_("Cancelled"),
    "announcement": i18n.N_("Announcement"), "event": i18n.N_("Event"), "poll": i18n.N_("Poll"),
    "file": i18n.N_("File"), "signup": i18n.N_("Sign-up"),
}


def install(env: Environment) -> None:
    env.filters.update(
        local=timefmt.local,
        hm=timefmt.hm,
        day=timefmt.day,
        long_day=timefmt.long_day,
        weekday=timefmt.weekday,
        month_year=timefmt.month_year,
        when=timefmt.when,
        ago=timefmt.ago,
        number=i18n.number,
    )
    # `_` and `_n` follow the request's language (a context variable), so one environment serves
    # every language; `current_language()` is for <html lang> and `hyphens: auto`.
    env.globals.update(_=i18n._, _n=i18n._n, N_=i18n.N_, current_language=i18n.current, kind_labels=KIND_LABELS)
    from groupbox.domain.actions.service import fold_older

    env.filters["fold_older"] = fold_older  # "Needs you" cards: (current, older)
    try:
        from groupbox.text import render_markdown
    except ImportError:  # pragma: no cover - markdown arrives with structured objects
        return
    env.filters["markdown"] = render_markdown
