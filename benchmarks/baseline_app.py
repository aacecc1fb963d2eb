"""The floor groupbox is measured against: a bare Litestar app under granian, no middleware.

    .venv/bin/python -m granian --interface asgi --workers 1 --port 8100 benchmarks.baseline_app:app

`GET /plain` returns a short text (framework + server overhead only). `GET /page?kb=N` renders a
Jinja2 page of about N KB (N may be fractional, e.g. 2.2) shaped like a groupbox page: a base
layout with header and nav, imported macros, sections of cards with badges, meta lines and lists,
and a list of group rows. The card and row counts for a size are calibrated once per N by
rendering, so the body lands within one row (~100 bytes) of the asked size.

`GET /events` is a server-sent-event stream; `POST /notify` sends one event to every open stream
of the worker (an `asyncio.Event` in process: the floor for send → delivery).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from jinja2 import DictLoader, Environment, select_autoescape
from litestar import Litestar, MediaType, get, post
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import ServerSentEvent, Template
from litestar.template import TemplateConfig

TEMPLATES = {
    "base.html": """{% import "ui.html" as ui %}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}Baseline{% endblock %} · groupbox</title>
<link rel="stylesheet" href="/static/app.3f9a2c1e.css">
<script type="module" src="/static/app.8b1d2e4f.js"></script>
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="topbar">
<a class="brand" href="/">{{ ui.icon("home") }}<span>Baseline server</span></a>
<nav class="nav" aria-label="Main">
{% for item in nav %}<a class="nav__item{% if item.current %} is-current{% endif %}" href="{{ item.href }}"{% if item.current %} aria-current="page"{% endif %}>{{ ui.icon(item.icon) }}<span>{{ item.label }}</span></a>
{% endfor %}</nav>
</header>
<main id="main" class="page">
{% block header %}{% endblock %}
{% block content %}{% endblock %}
</main>
<footer class="footer"><p>Baseline · a page shaped like groupbox</p></footer>
</body>
</html>
""",
    "ui.html": """{% macro icon(name, label=None) -%}
<svg class="icon icon-{{ name }}" {% if label %}role="img" aria-label="{{ label }}"{% else %}aria-hidden="true"{% endif %} focusable="false"><use href="/static/icons.svg#i-{{ name }}"></use></svg>
{%- endmacro %}
{% macro badge(text, kind="neutral") -%}
<span class="badge badge--{{ kind }}">{{ text }}</span>
{%- endmacro %}
{% macro group_chip(group) -%}
<span class="group-chip g{{ group.color_index % 8 }}"><span class="dot" aria-hidden="true"></span>{{ group.name }}</span>
{%- endmacro %}
{% macro section(title, count=None) -%}
<section class="section"><h2 class="section__title"><span>{{ title }}</span>
{%- if count is not none %} <span class="count count--muted">{{ count }}</span>{% endif %}</h2>
{{ caller() }}
</section>
{%- endmacro %}
{% macro card(item) -%}
<article class="card{% if item.urgent %} card--urgent{% endif %}" id="item-{{ item.id }}">
<p class="card__meta">{% if item.urgent %}{{ badge("Urgent", "urgent") }}{% endif %}{{ group_chip(item.group) }}<span class="kind">{{ icon(item.kind) }}{{ item.kind|capitalize }}</span></p>
<h3 class="card__title"><a href="/items/{{ item.id }}">{{ item.title }}</a></h3>
<p class="card__when">{{ icon("clock") }}<time datetime="{{ item.when_iso }}">{{ item.when }}</time> · {{ item.place }}</p>
<ul class="card__list">
{% for person in item.people %}<li class="person"><span class="avatar g{{ loop.index % 8 }}" aria-hidden="true">{{ person[:1] }}</span>{{ person }}{% if loop.first %} {{ badge("Organiser", "official") }}{% endif %}</li>
{% endfor %}</ul>
<div class="card__actions"><form method="post" action="/items/{{ item.id }}/rsvp"><input type="hidden" name="_csrf_token" value="{{ form_token }}"><button class="button button--primary" name="answer" value="yes">Going</button><button class="button" name="answer" value="no">Can't</button></form></div>
</article>
{%- endmacro %}
""",
    "page.html": """{% extends "base.html" %}
{% import "ui.html" as ui %}
{% block title %}Home{% endblock %}
{% block header %}<h1 class="page-title">Hi {{ viewer }}</h1>{% endblock %}
{% block content %}
{% for section in sections %}
{% call ui.section(section.title, section.cards|length) %}
{% for item in section.cards %}{{ ui.card(item) }}
{% endfor %}
{% endcall %}
{% endfor %}
{% if groups %}{% call ui.section("Your groups", groups|length) %}
<ul class="list">
{% for group in groups %}<li class="list__row"><a href="/groups/{{ group.id }}">{{ ui.group_chip(group) }}</a></li>
{% endfor %}</ul>
{% endcall %}{% endif %}
{% endblock %}
""",
}

NAV = [
    {"href": "/", "icon": "home", "label": "Home", "current": True},
    {"href": "/groups", "icon": "users", "label": "Groups", "current": False},
    {"href": "/calendar", "icon": "calendar", "label": "Calendar", "current": False},
    {"href": "/me", "icon": "user", "label": "You", "current": False},
]
KINDS = ["event", "poll", "task", "note"]
PEOPLE = ["Anna Schmidt", "Ben Okafor", "Clara Jensen", "Dev Patel"]


def _item(n: int) -> dict[str, object]:
    return {
        "id": f"it{n:06d}",
        "urgent": n % 5 == 0,
        "group": {"name": f"Under-11s team {n % 3}", "color_index": n},
        "kind": KINDS[n % len(KINDS)],
        "title": f"Saturday away game & car-pool plan #{n}",
        "when_iso": "2025-11-29T10:30:00+01:00",
        "when": "Sat 29 Nov, 10:30",
        "place": "Sportpark Spandau, pitch 2",
        "people": PEOPLE[: 2 + n % 3],
    }


def _context(cards: int, rows: int = 0) -> dict[str, object]:
    items = [_item(n) for n in range(cards)]
    half = (len(items) + 1) // 2
    return {
        "viewer": "Owner",
        "nav": NAV,
        "form_token": "x" * 43,
        "sections": [
            {"title": "Needs you", "cards": items[:half]},
            {"title": "Coming up", "cards": items[half:]},
        ],
        "groups": [{"id": f"g{n:04d}", "name": f"Group {n:04d}", "color_index": n} for n in range(rows)],
    }


environment = Environment(loader=DictLoader(TEMPLATES), autoescape=select_autoescape(default=True))
_shape_for_kb: dict[float, tuple[int, int]] = {}


def shape_for(kb: float) -> tuple[int, int]:
    """(cards, rows) that make a page of about `kb` KB, measured once per size by rendering."""
    if kb not in _shape_for_kb:
        page = environment.get_template("page.html")

        def size(cards: int, rows: int) -> int:
            return len(page.render(_context(cards, rows)).encode())

        empty = size(0, 0)
        per_card = (size(8, 0) - empty) / 8
        per_row = (size(0, 20) - size(0, 10)) / 10
        list_overhead = size(0, 1) - empty - per_row  # the "Your groups" section itself
        target = kb * 1024 - empty
        cards = max(0, int(target // per_card))
        rest = target - cards * per_card
        rows = 0
        if rest > (list_overhead + per_row) / 2:
            rows = max(1, round((rest - list_overhead) / per_row))
        _shape_for_kb[kb] = (cards, rows)
    return _shape_for_kb[kb]


@get("/plain", media_type=MediaType.TEXT, sync_to_thread=False)
def plain() -> str:
    return "ok: the baseline answers\n"


@get("/page", sync_to_thread=False)
def page(kb: float = 12) -> Template:
    kb = round(min(max(kb, 0.5), 512), 1)
    return Template(template_name="page.html", context=_context(*shape_for(kb)))


_listeners: set[asyncio.Queue[str]] = set()


@get("/events", sync_to_thread=False)
def events() -> ServerSentEvent:
    async def stream() -> AsyncIterator[str]:
        inbox: asyncio.Queue[str] = asyncio.Queue()
        _listeners.add(inbox)
        try:
            while True:
                yield await inbox.get()
        finally:
            _listeners.discard(inbox)

    return ServerSentEvent(stream())


@post("/notify", status_code=204, sync_to_thread=False)
def notify() -> None:
    for inbox in _listeners:
        inbox.put_nowait("new")


app = Litestar(
    route_handlers=[plain, page, events, notify],
    template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment)),
    debug=False,
)
