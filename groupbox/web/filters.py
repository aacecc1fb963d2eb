"""Jinja filters and globals: time in a group's zone and the request's language, relative
times, translation, and safe Markdown."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from jinja2 import Environment
from jinja2.filters import do_xmlattr
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

from groupbox import i18n, timefmt

try:  # markupsafe's own escaping, as a str: what escape() wraps in a Markup
    from markupsafe._speedups import _escape_inner
except ImportError:  # pragma: no cover - a markupsafe without its C speedups, or a later one
    _escape_inner = None


def esc(value: Any) -> str:
    """`markupsafe.escape` for a value written into a primitive's f-string: the same text, without
    the Markup object escape() makes for each of the ~700 values a dashboard writes (issue 17)."""
    if _escape_inner is not None and type(value) is str:
        return _escape_inner(value)
    return escape(value)

# The kinds of card (`ui.kind_label`), as msgids: the label shown is translated where it is shown,
# not all fourteen on every card (they were half of a group dashboard's translations).
KIND_LABELS = {
    "rsvp": i18n.N_("RSVP"), "vote": i18n.N_("Vote"), "task": i18n.N_("Task"),
    "acknowledge": i18n.N_("Acknowledge"), "mention": i18n.N_("Mention"), "question": i18n.N_("Question"),
    "commitment": i18n.N_("Sign-up"), "moved": i18n.N_("Moved"), "cancelled": i18n.N_("Cancelled"),
    "announcement": i18n.N_("Announcement"), "event": i18n.N_("Event"), "poll": i18n.N_("Poll"),
    "file": i18n.N_("File"), "signup": i18n.N_("Sign-up"),
}


# "No answer" and the answers of an RSVP as `ui.status_pill` shows them: (modifier, msgid).
_STATUS_PILLS = {"yes": ("yes", i18n.N_("Going")), "maybe": ("maybe", i18n.N_("Maybe")),
                 "no": ("no", i18n.N_("Not going")), "cancelled": ("cancelled", i18n.N_("Cancelled"))}
_NO_ANSWER = ("none", i18n.N_("No answer"))


def primitives(env: Environment) -> dict[str, Callable[..., Markup]]:
    """The smallest and most called of templates/macros/ui.html's macros (`ui.icon`,
    `ui.badge`, ...), as Python: ui.html binds its names to these, so templates call them as
    before and get the same HTML. A Jinja macro call costs ~4 µs before it writes anything, a
    page makes a hundred of them, and these are a line of markup each (issue 17). A msgid
    stays outside f-strings: Babel's extraction does not look inside them."""
    static_url, field = env.globals["static_url"], env.getattr
    evaluation = EvalContext(env)

    def xmlattr(attrs: dict | None) -> str:
        """Jinja's own filter, as `{{ attrs|xmlattr }}` wrote them; the usual one attribute (an
        `aria-label`) written here directly, without the filter's Markup (issue 17)."""
        if not attrs:
            return ""
        if len(attrs) == 1:
            ((key, value),) = attrs.items()
            if type(key) is str and _PLAIN_ATTRIBUTE.fullmatch(key) and type(value) is str:
                return f' {key}="{esc(value)}"'
        return do_xmlattr(evaluation, attrs)

    def icon(name: str, label: str | None = None) -> Markup:
        aria = f'role="img" aria-label="{esc(label)}"' if label else 'aria-hidden="true"'
        return Markup(f'<svg class="icon icon-{esc(name)}" {aria} focusable="false">'
                      f'<use href="{esc(static_url("icons.svg"))}#i-{esc(name)}"></use></svg>')

    def badge(text: str, kind: str = "neutral") -> Markup:
        return Markup(f'<span class="badge badge--{esc(kind)}">{esc(text)}</span>')

    def pill(text: str, kind: str = "neutral") -> Markup:
        return Markup(f'<span class="pill pill--{esc(kind)}">{esc(text)}</span>')

    def group_dot(group: Any) -> Markup:
        return Markup(f'<span class="dot g{(field(group, "color_index") or 0) % 8}" aria-hidden="true"></span>')

    def group_chip(group: Any, href: str | None = None) -> Markup:
        color = (field(group, "color_index") or 0) % 8
        start = f'<a class="group-chip g{color}" href="{esc(href)}">' if href else f'<span class="group-chip g{color}">'
        name = field(group, "short") or field(group, "name")
        return Markup(f'{start}<span class="dot" aria-hidden="true"></span>{esc(name)}{"</a>" if href else "</span>"}')

    def kind_label(kind: str) -> Markup:
        modifier = " kind--changed" if kind == "moved" else " kind--urgent" if kind == "cancelled" else ""
        text = i18n._(KIND_LABELS[kind]) if kind in KIND_LABELS else kind
        return Markup(f'<span class="kind{modifier}">{esc(text)}</span>')

    def status_pill(status: str | None) -> Markup:
        modifier, msgid = _STATUS_PILLS.get(status, _NO_ANSWER) if isinstance(status, str) else _NO_ANSWER
        return Markup(f'<span class="pill pill--{modifier}">{esc(i18n._(msgid))}</span>')

    def date_tile(moment: datetime) -> Markup:
        return Markup(f'<time class="date-tile" datetime="{esc(moment.isoformat())}">'
                      f'<span class="date-tile__wd">{esc(timefmt.weekday(moment).upper())}</span>'
                      f'<span class="date-tile__day">{moment.day}</span></time>')

    def count(n: Any, urgent: bool = False, label: str | None = None) -> Markup:
        hidden = f'<span class="visually-hidden"> {esc(label)}</span>' if label else ""
        return Markup(f'<span class="count{" count--urgent" if urgent else ""}">{esc(n)}{hidden}</span>')

    def button(label: str, kind: str = "primary", type: str = "submit", name: str | None = None,  # noqa: A002
               value: Any = None, icon_name: str | None = None, attrs: dict | None = None, block: bool = False) -> Markup:
        return Markup(f'<button class="btn btn--{esc(kind)}{" btn--block" if block else ""}" type="{esc(type)}"'
                      f'{f" name={_quoted(name)}" if name else ""}{f" value={_quoted(value)}" if value is not None else ""}'
                      f'{xmlattr(attrs)}>{icon(icon_name) if icon_name else ""}<span>{esc(label)}</span></button>')

    def link_button(label: str, href: str, kind: str = "secondary", icon_name: str | None = None,
                    attrs: dict | None = None, block: bool = False) -> Markup:
        return Markup(f'<a class="btn btn--{esc(kind)}{" btn--block" if block else ""}" href="{esc(href)}"'
                      f'{xmlattr(attrs)}>{icon(icon_name) if icon_name else ""}<span>{esc(label)}</span></a>')

    def capacity(taken: int, capacity: int, label: str) -> Markup:
        if not capacity:
            return Markup("")
        text = i18n._("{taken} of {capacity}", taken=taken, capacity=capacity)
        return Markup(f'<meter class="capacity" min="0" max="{esc(capacity)}" value="{min(taken, capacity)}"'
                      f' aria-label="{esc(label)}">{esc(text)}</meter>')

    def server_badge(name: str) -> Markup:
        hint = i18n._("on server")
        return Markup(f'<span class="server-badge">{icon("server")}<span class="visually-hidden">'
                      f'{esc(hint)} </span>{esc(name)}</span>')

    # The three that wrap a {% call %} body: Jinja hands it over as `caller`.
    def card(variant: str | None = None, tag: str = "article", id: str | None = None,  # noqa: A002
             extra_class: str = "", label: str | None = None, caller: Callable[[], str] | None = None) -> Markup:
        classes = "".join(f" card--{esc(v)}" for v in (variant or "").split())
        return Markup(f'<{esc(tag)} class="card{classes}{f" {esc(extra_class)}" if extra_class else ""}"'
                      f'{f" id={_quoted(id)}" if id else ""}{f" aria-label={_quoted(label)}" if label else ""}>\n'
                      f'{caller() if caller else ""}\n</{esc(tag)}>')

    def card_meta(group: Any = None, kind: str | None = None, server: str | None = None, official: bool = False,
                  urgent: bool = False, caller: Callable[[], str] | None = None) -> Markup:
        marks = (badge(i18n._("Official"), "official") if official else "") + (
            badge(i18n._("Urgent"), "urgent") if urgent else "")
        return Markup(
            f'<p class="card__meta">{marks}{group_chip(group) if group else ""}'
            f'{server_badge(server) if server else ""}{kind_label(kind) if kind else ""}'
            f'{caller() if caller else ""}</p>')

    def section(title: str, count: Any = None, id: str | None = None, urgent: bool = False,  # noqa: A002
                more_href: str | None = None, more_label: str | None = None,
                caller: Callable[[], str] | None = None) -> Markup:
        number = (f' <span class="count{" count--urgent" if urgent else " count--muted"}">{esc(count)}</span>'
                  if count is not None and count != "" else "")
        more_label = more_label or i18n._("See all")
        more = f' <a href="{esc(more_href)}">{esc(more_label)}</a>' if more_href else ""
        heading = _quoted(f"{id}-title") if id else ""
        return Markup(
            f'<section class="section"{f" id={_quoted(id)} aria-labelledby={heading}" if id else ""}>\n'
            f'<h2 class="section__title"{f" id={heading}" if id else ""}><span>{esc(title)}</span>'
            f'{number}{more}</h2>\n{caller() if caller else ""}\n</section>')

    return {f"ui_{f.__name__}": f for f in (icon, badge, pill, group_dot, group_chip, kind_label, status_pill,
                                            date_tile, count, button, link_button, capacity, server_badge, card,
                                            card_meta, section)}


_PLAIN_ATTRIBUTE = re.compile(r"[a-z][a-z0-9-]*")  # needs no escaping, and Jinja's filter accepts it


def _quoted(value: Any) -> str:
    return f'"{esc(value)}"'


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
    env.globals.update(primitives(env))
    from groupbox.web.cards import cards

    env.globals.update(cards(env.globals))
    from groupbox.web.rows import rows

    env.globals.update(rows(env, env.globals))
    from groupbox.web.sections import sections

    env.globals.update(sections(env, env.globals))
    from groupbox.domain.actions.service import fold_older

    env.filters["fold_older"] = fold_older  # "Needs you" cards: (current, older)
    try:
        from groupbox.text import render_markdown
    except ImportError:  # pragma: no cover - markdown arrives with structured objects
        return
    env.filters["markdown"] = render_markdown
