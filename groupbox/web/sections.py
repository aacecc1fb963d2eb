"""The group dashboard's sections as Python (what templates/groups/sections/ wrote for "Important
now", "Upcoming", "My tasks", "Official announcements", "Polls", "Sign-ups" and "Discussions"), and
the macros and include they used: `ui.empty_state`, `ui.also_above`, `ui.tabs` and the "Needs you"
cards (`ui.needs_cards`, what templates/home/_needs.html was, which home uses too). Around the rows
(groupbox/web/rows.py), each section's include, call block and filters cost ~0.1 ms, most of an
uncached dashboard's template time (issue 17). Same HTML as the templates wrote, byte for byte
(compared on every page that shows them, and on random sections, both languages, before the
templates went). Each section takes its context (`ctx`) and reads the page's `group`,
`important_ids` (what "Important now" shows with its action) and `bring_people` from the
template's context, as the templates did."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from groupbox import i18n
from groupbox.web.filters import esc


def sections(env: Environment, ui: Mapping[str, Callable[..., Markup]]) -> dict[str, Callable[..., Markup]]:
    """Template globals `ui_<name>` (ui.html binds `empty_state`, `also_above`, `needs_cards` and `tabs`
    as `ui.<name>`), and `ui_dashboard_sections`: the sections, by key (areas.py)."""
    f = env.getattr
    icon, link_button, card, section = ui["ui_icon"], ui["ui_link_button"], ui["ui_card"], ui["ui_section"]
    event_row, announcement_card, thread_item = ui["ui_event_row"], ui["ui_announcement_card"], ui["ui_thread_item"]
    my_task_card, open_poll_card, signup_sheet = ui["ui_my_task_card"], ui["ui_open_poll_card"], ui["ui_signup_sheet"]
    action_card = ui["ui_action_card"]

    def empty_state(text: str, action_label: str | None = None, action_href: str | None = None,
                    kind: str = "primary") -> Markup:
        """A calm empty section: what is missing, and the one action that fills it."""
        action = link_button(action_label, action_href, kind, icon_name="plus") if action_label and action_href else ""
        return Markup(f'<div class="empty">\n<p>{esc(text)}</p>{action}</div>')

    def also_above(items: Iterable[Any], title_key: str, where: str) -> Markup:
        """Where items shown with their action further up also belong: a line with a link to each."""
        items = list(items)
        if not items:
            return Markup("")
        links = ", ".join(f'<a href="#a-{esc(f(item, "id"))}">{esc(item[title_key])}</a>' for item in items)
        lead = i18n._("Above, in {section}:", section=where)
        return Markup(f'<p class="also">{icon("chevron-right")}<span>{esc(lead)} {links}</span></p>')

    @pass_context
    def needs_cards(context: Context, needs: list, limit: int, groups: Mapping[str, Any], next_url: str | None,
                    hide_group: Any = False, fold_id: str = "needs") -> Markup:
        """The cards of "Needs you" / "Important now" (ranked items), the first `limit` of them:
        what was shared before I joined (`detail.older`) folds under one line, so a new joiner
        sees the event they came for first. A connected server's item is
        home/_remote_action.html's card."""
        from groupbox.domain.actions.service import fold_older

        current, older = fold_older(needs)
        back = next_url or "/#needs"
        out = []
        for item in current[:limit]:
            if f(item, "remote"):
                remote = context.environment.get_template("home/_remote_action.html")
                out.append(remote.render({**context.get_all(), "item": item, "home": {"groups": groups},
                                          "next_url": next_url}))
            else:
                out.append(action_card(context, item, groups, back, hide_group))
        if older:
            if any(f(f(item, "detail"), "object") != "file" for item in older):
                words = i18n._n("{n} older item to confirm", "{n} older items to confirm", len(older))
            else:
                words = i18n._n("{n} older file to confirm", "{n} older files to confirm", len(older))
            hint = i18n._("shared before you joined")
            cards = "".join(str(action_card(context, item, groups, back, hide_group)) for item in older)
            out.append(f'<details class="fold" id="older-{esc(fold_id)}">\n<summary>{esc(words)}<span class="fold__hint">'
                       f' · {esc(hint)}</span></summary>\n<div class="fold__body">\n{cards}</div>\n</details>\n')
        return Markup("".join(out))

    @pass_context
    def important_section(context: Context, ctx: Any) -> Markup:
        """What this group needs from me, each card with its action."""
        items = ctx["items"]  # a dict's key (`f` would give its method, as `ctx.items` would)
        home = f(ctx, "home")
        body = [str(needs_cards(context, items, f(ctx, "limit"), f(home, "groups"), f(ctx, "next_url"), True,
                                "important"))]
        if not items:
            body.append(empty_state(i18n._("Nothing needs you in this group right now.")))
        if f(ctx, "more"):
            more = i18n._("{n} more on your home page.", n=f(ctx, "more"))
            body.append(f'<p class="muted">{esc(more)}</p>')
        text = "".join(body)
        return section(i18n._("Important now"), count=len(items) if items else None, urgent=True, id="important",
                       caller=lambda: text)

    def tabs(items: Iterable[tuple[str, str, str]], active: str | None, label: str | None = None,
             keep: int | None = 3) -> Markup:
        """A group's tabs, as links (each is its own page, not ARIA tabs): `items` are (key, label,
        href); `keep` lead on a phone and the rest fold under "More" (a <details>, no JS), whose
        summary names the current page when it is one of them. From 721 px every tab is in the row."""
        items = list(items)
        folded = items[keep:] if keep is not None and len(items) > keep + 1 else []
        name = label or i18n._("Sections")
        out = [f'<nav class="tabs{" tabs--more" if folded else ""}" aria-label="{esc(name)}">\n<ul>']
        for index, (key, text, href) in enumerate(items):
            extra = ' class="tabs__extra"' if folded and index >= keep else ""
            here = ' aria-current="page"' if key == active else ""
            out.append(f'<li{extra}><a href="{esc(href)}"{here}>{esc(text)}</a></li>')
        if folded:
            current = next((item for item in folded if item[0] == active), None)
            if current:
                hint = i18n._("current page")
                summary = (f' class="is-current">{esc(current[1])}<span class="visually-hidden"> ({esc(hint)})'
                           f'</span>')
            else:
                more = i18n._("More")
                summary = f">{esc(more)}"
            out.append(f'<li class="tabs__more"><details>\n<summary{summary}</summary>\n<ul class="tabs__menu">')
            for key, text, href in folded:
                here = ' aria-current="page"' if key == active else ""
                out.append(f'<li><a href="{esc(href)}"{here}>{esc(text)}</a></li>')
            out.append("</ul>\n</details></li>")
        out.append("</ul>\n</nav>")
        return Markup("".join(out))

    def page(context: Context) -> tuple[Any, str, Any, str]:
        group = context.get("group")
        important = context.get("important_ids")
        return group, f"/groups/{f(group, 'id')}", important if important is not None else (), (
            "secondary" if context.get("bring_people") else "primary")

    def cards_or_above(items: list, important: Any, title_key: str, card_of: Callable[[Any], Markup]) -> str:
        """Each item's card, but those "Important now" shows with their action: a line pointing up."""
        above = [item for item in items if f(item, "id") in important]
        cards = "".join(str(card_of(item)) for item in items if item not in above)
        note = also_above(above, title_key, i18n._("Important now"))
        return f"{cards}{note}\n"

    @pass_context
    def upcoming_section(context: Context, ctx: Any) -> Markup:
        lead = page(context)[3]
        events, tz, is_admin, can_act = f(ctx, "events"), f(ctx, "tz"), f(ctx, "is_admin"), f(ctx, "can_act")
        base = f"/groups/{f(f(ctx, 'group'), 'id')}"
        if events:
            body = "".join(event_row(e, tz, is_admin, can_act) for e in events)
        elif f(ctx, "can_create"):
            empty = empty_state(i18n._("No events yet — create the first one."), i18n._("New event"),
                                base + "/events/new", kind=lead)
            body = f"{empty}\n"
        else:
            nothing = empty_state(i18n._("Nothing planned yet."))
            body = f"{nothing}\n"
        return section(i18n._("Upcoming"), id="upcoming", more_href=base + "/events", more_label=i18n._("All events"),
                       caller=lambda: body)

    @pass_context
    def my_tasks_section(context: Context, ctx: Any) -> Markup:
        group, base, important, _lead = page(context)
        tz, back = f(group, "timezone"), base + "#my-tasks"
        body = cards_or_above(f(ctx, "tasks"), important, "title", lambda t: my_task_card(context, t, tz, back))
        return section(i18n._("My tasks"), count=f(ctx, "count"), id="my-tasks",
                       more_href=base + "/tasks?mine=1" if f(ctx, "more") else None, caller=lambda: body)

    @pass_context
    def official_section(context: Context, ctx: Any) -> Markup:
        base = f"/groups/{f(f(ctx, 'group'), 'id')}"
        is_admin, back = f(ctx, "is_admin"), base + "#official"
        body = "".join(announcement_card(context, a, is_admin, back) for a in f(ctx, "announcements"))
        return section(i18n._("Official announcements"), id="official", more_href=base + "/announcements",
                       more_label=i18n._("All"), caller=lambda: body)

    @pass_context
    def polls_section(context: Context, ctx: Any) -> Markup:
        group, base, important, _lead = page(context)
        tz, member_count = f(group, "timezone"), f(ctx, "member_count")
        body = cards_or_above(f(ctx, "polls"), important, "question", lambda p: open_poll_card(p, tz, member_count))
        return section(i18n._("Polls"), count=f(ctx, "count"), id="polls",
                       more_href=base + "/polls" if f(ctx, "more") else None, caller=lambda: body)

    @pass_context
    def signups_section(context: Context, ctx: Any) -> Markup:
        group, base, _important, _lead = page(context)
        back = base + "#signups"
        body = "".join(signup_sheet(context, sheet, f(group, "timezone"), back, False) for sheet in f(ctx, "sheets"))
        return section(i18n._("Sign-ups"), id="signups", more_href=base + "/signups" if f(ctx, "more") else None,
                       caller=lambda: body)

    @pass_context
    def discussions_section(context: Context, ctx: Any) -> Markup:
        _group, base, _important, lead = page(context)
        threads, legacy = f(ctx, "threads"), f(ctx, "legacy")
        if threads or legacy:
            rows = "".join(str(thread_item(t)) for t in [*threads, *([legacy] if legacy else [])])
            listed = f'<ul class="list">\n{rows}</ul>\n'
            body = str(card("flush", caller=lambda: listed))
        else:
            empty = empty_state(i18n._("No discussions yet — ask a question or start planning something."),
                                i18n._("Start a thread"), base + "/discussions/new", kind=lead)
            body = f"{empty}\n"
        return section(i18n._("Discussions"), id="discussions", more_href=base + "/discussions" if f(ctx, "total") else None,
                       more_label=i18n._("All threads"), caller=lambda: body)

    by_key = {"important": important_section, "upcoming": upcoming_section, "my-tasks": my_tasks_section, "official": official_section,
              "polls": polls_section, "signups": signups_section, "discussions": discussions_section}
    return {"ui_empty_state": empty_state, "ui_also_above": also_above, "ui_needs_cards": needs_cards,
            "ui_tabs": tabs, "ui_dashboard_sections": by_key}
