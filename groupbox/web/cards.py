"""The most repeated cards of the dashboards, as Python: a "Needs you" card (what
templates/home/_action.html was) and the RSVP buttons on it (`ui.rsvp_buttons`). Home shows a
dozen such cards and a group's dashboard a few; as a template include around two `{% call %}`
blocks each card cost ~70 µs, an eighth of Anna's uncached home (issue 17). Same HTML as the
templates wrote, byte for byte (tests/unit/test_ui_primitives.py); a msgid stays outside
f-strings, where Babel finds it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from groupbox import i18n, timefmt
from groupbox.web.filters import esc


def cards(primitives: Mapping[str, Callable[..., Markup]]) -> dict[str, Callable[..., Markup]]:
    """`ui_rsvp_buttons` and `ui_action_card`, built on the ui primitives (`filters.primitives`)."""
    icon, button, link_button = primitives["ui_icon"], primitives["ui_button"], primitives["ui_link_button"]
    card, card_meta = primitives["ui_card"], primitives["ui_card_meta"]

    def buttons(csrf: Any, action_url: str, current: str | None = None, describedby: str | None = None,
                next: str | None = None) -> Markup:  # noqa: A002 - the macro's name for it
        chosen_one = current if current in ("yes", "maybe", "no") else None
        described = f' aria-describedby="{esc(describedby)}"' if describedby else ""
        hidden = f'<input type="hidden" name="next" value="{esc(next)}">' if next else ""
        out = [f'<form class="rsvp" method="post" action="{esc(action_url)}">\n{esc(csrf)}{hidden}']
        for value, text in (("yes", i18n._("Yes")), ("maybe", i18n._("Maybe")), ("no", i18n._("No"))):
            chosen = chosen_one == value
            primary = chosen or (chosen_one is None and value == "yes")
            pressed = "" if chosen_one is None else f' aria-pressed="{"true" if chosen else "false"}"'
            out.append(f'<button class="btn {"btn--primary" if primary else "btn--secondary"}" type="submit"'
                       f' name="status" value="{value}"{pressed}{described}>{icon("check") if chosen else ""}'
                       f'<span>{esc(text)}</span></button>')
        out.append("</form>")
        return Markup("".join(out))

    @pass_context
    def rsvp_buttons(context: Context, action_url: str, current: str | None = None, describedby: str | None = None,
                     next: str | None = None) -> Markup:  # noqa: A002
        return buttons(context.get("csrf_input", ""), action_url, current, describedby, next)

    def title(item: Any) -> str:
        return f'<h3 class="card__title"><a href="{esc(item.url)}">{esc(item.title)}</a></h3>'

    @pass_context
    def action_card(context: Context, item: Any, groups: Mapping[str, Any], back: str, hide_group: Any = False) -> Markup:
        """One "Needs you" card: group · kind, title, the deadline in words, and the action itself."""
        csrf = context.get("csrf_input", "")
        group = groups.get(item.group_id, {})
        tz = group.get("timezone")
        detail, kind = item.detail, item.kind
        urgent, official = detail.get("urgent", False), detail.get("official", False)

        def meta_body() -> str:
            if kind == "rsvp" and detail.get("rsvp_deadline"):
                words = i18n._("answer by {when}", when=timefmt.when(detail["rsvp_deadline"], tz))
                return f'<span class="{"text-urgent" if item.score >= 0.5 else "text-changed"}">{esc(words)}</span>'
            return ""

        def body() -> str:
            out = [card_meta(group=None if hide_group else group, kind=kind, official=official, urgent=urgent,
                             caller=meta_body)]
            if kind != "acknowledge":
                out.append(title(item))
            if kind == "rsvp":
                place = f' · {esc(detail["location"])}' if detail.get("location") else ""
                out.append(f'<p class="card__detail">{esc(timefmt.when(detail.get("starts_at"), tz))}{place}</p>\n'
                           f'{buttons(csrf, "/events/" + item.id + "/rsvp", None, next=back)}\n')
            elif kind == "vote":
                words = (i18n._("Poll closes {when}", when=timefmt.when(item.due_at, tz)) if item.due_at
                         else i18n._("Open poll"))
                vote = link_button(i18n._("Vote"), item.url, kind="primary",
                                   attrs={"aria-label": i18n._("Vote: {question}", question=item.title)})
                out.append(f'<div class="card__foot">\n<p class="card__detail'
                           f'{" text-urgent" if item.score > 0.5 else ""}">{esc(words)}</p>\n{vote}\n</div>\n')
            elif kind == "acknowledge":
                # The title opens it (a file's page has its download); the card's one button confirms.
                read = button(i18n._("I've read it"), attrs={"aria-label": i18n._("I've read “{name}”", name=item.title)})
                out.append(f'<form method="post" action="{esc(detail["ack_url"])}" class="card__split">'
                           f'{esc(csrf)}<input type="hidden" name="next" value="{esc(back)}">\n'
                           f'{title(item)}\n{read}\n</form>\n')
            elif kind == "task":
                words = i18n._("Due {when}", when=timefmt.when(item.due_at, tz)) if item.due_at else i18n._("Assigned to you")
                done = button(i18n._("Done"), "secondary", name="status", value="done", icon_name="check",
                              attrs={"aria-label": i18n._("Mark “{title}” done", title=item.title)})
                urgent_due = " text-urgent" if item.due_at and item.score >= 0.5 else ""
                out.append(f'<form class="card__foot" method="post" action="/tasks/{esc(item.id)}">{esc(csrf)}'
                           f'<input type="hidden" name="back" value="{esc(back)}">\n'
                           f'<p class="card__detail{urgent_due}">{esc(words)}</p>\n{done}\n</form>\n')
            elif kind == "commitment":
                signed = i18n._("You signed up")
                out.append(f'<p class="card__detail">{esc(signed)} · {esc(timefmt.when(item.due_at, tz))}</p>\n')
            elif kind in ("mention", "question") and detail.get("excerpt"):
                out.append(f'<p class="card__quote">“{esc(detail["excerpt"])}”</p>')
            return "".join(out)

        return card("urgent" if urgent else None, extra_class="action action--" + kind, id="a-" + item.id, caller=body)

    return {"ui_rsvp_buttons": rsvp_buttons, "ui_action_card": action_card}
