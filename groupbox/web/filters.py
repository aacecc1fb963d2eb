"""Jinja filters and globals: time in a group's zone and the request's language, relative
times, translation, and safe Markdown."""

from __future__ import annotations

from jinja2 import Environment

from groupbox import i18n, timefmt


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
    env.globals.update(_=i18n._, _n=i18n._n, N_=i18n.N_, current_language=i18n.current)
    from groupbox.domain.actions.service import fold_older

    env.filters["fold_older"] = fold_older  # "Needs you" cards: (current, older)
    try:
        from groupbox.text import render_markdown
    except ImportError:  # pragma: no cover - markdown arrives with structured objects
        return
    env.filters["markdown"] = render_markdown
