"""Jinja filters: time in a group's zone, relative times, and safe Markdown."""

from __future__ import annotations

from jinja2 import Environment

from groupbox import timefmt


def install(env: Environment) -> None:
    env.filters.update(
        local=timefmt.local,
        hm=timefmt.hm,
        day=timefmt.day,
        when=timefmt.when,
        ago=timefmt.ago,
    )
    try:
        from groupbox.text import render_markdown
    except ImportError:  # pragma: no cover - markdown arrives with structured objects
        return
    env.filters["markdown"] = render_markdown
