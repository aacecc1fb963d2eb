"""The rows and cards the dashboards repeat, as Python: an event's row, an announcement's card, a
thread's row, a sign-up sheet, a task's buttons and due date, a poll's status line and the group
dashboard's task and poll cards (what events/_row.html, announcements/_card.html,
threads/_macros.html, signups/_sheet.html, tasks/_move.html, tasks/_macros.html, polls/_status.html
and the loops of groups/sections/ wrote), and the rows of the home page's "Coming up", "Changed",
"Official updates" and "Catch up" (the loops of home/dashboard.html). An include copies the page's whole context and a macro
call costs more than the line it writes: together they were half of an uncached group dashboard
(issue 17). Same HTML as the templates wrote, byte for byte (compared on every page that shows
them, both languages, before the templates went; tests/unit/test_rows.py pins it). A msgid stays
outside f-strings, where Babel finds it. Rows are dicts or objects: fields are read the way
templates read them (`env.getattr`), so a missing one is empty, as it was."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from groupbox import i18n, timefmt
from groupbox.web.filters import esc


def rows(env: Environment, primitives: Mapping[str, Callable[..., Markup]]) -> dict[str, Callable[..., Markup]]:
    """The row renderers, as template globals `ui_<name>` (ui.html binds them as `ui.<name>`)."""
    f = env.getattr
    icon, badge, pill, count = primitives["ui_icon"], primitives["ui_badge"], primitives["ui_pill"], primitives["ui_count"]
    button, link_button, card, card_meta = (primitives["ui_button"], primitives["ui_link_button"], primitives["ui_card"],
                                            primitives["ui_card_meta"])
    status_pill, date_tile, capacity = primitives["ui_status_pill"], primitives["ui_date_tile"], primitives["ui_capacity"]
    group_dot, server_badge = primitives["ui_group_dot"], primitives["ui_server_badge"]

    def changed(old: str, new: str) -> Markup:
        """`ui.changed`: what an event was, struck through, and what it is now."""
        was, now = i18n._("was"), i18n._("now")
        return Markup(f'<span class="changed"><span class="visually-hidden">{esc(was)} </span><del>{esc(old)}</del>'
                      f' <span class="arrow" aria-hidden="true">→</span><span class="visually-hidden"> {esc(now)}'
                      f'</span> <strong>{esc(new)}</strong></span>')

    # -- events ------------------------------------------------------------------------------
    def was_at(before: Any, after: Any, tz: str | None) -> str:
        """When a moved event was: its time, and its day only when it moved to another one (a row's
        date tile shows the new day)."""
        if timefmt.day(before, tz) == timefmt.day(after, tz):
            return timefmt.hm(before, tz)
        return f"{timefmt.day(before, tz)} {timefmt.hm(before, tz)}"

    def event_row(e: Any, tz: str | None, is_admin: Any = False, can_act: Any = False) -> Markup:
        """One event as a row card: date tile | title, time · place (or what changed) | my answer."""
        cancelled, is_changed, my_rsvp = f(e, "cancelled"), f(e, "changed"), f(e, "my_rsvp")
        out = [f'<div class="row">\n{date_tile(timefmt.local(f(e, "starts_at"), tz))}\n<div class="row__body">\n'
               f'<h3 class="row__title"><a href="{esc(f(e, "url"))}">{esc(f(e, "title"))}</a></h3>']
        if cancelled:
            if f(e, "cancel_reason"):
                out.append(f'<p class="row__sub">{esc(f(e, "cancel_reason"))}</p>')
        elif is_changed:
            c = f(e, "change")
            old = was_at(f(c, "old_starts_at"), f(c, "new_starts_at"), tz)
            old += f" · {f(c, 'old_location')}" if f(c, "old_location") else ""
            new = timefmt.hm(f(c, "new_starts_at"), tz) + (f" · {f(c, 'new_location')}" if f(c, "new_location") else "")
            label = i18n._("Changed:")
            out.append(f'<p class="row__sub"><span class="text-changed">{esc(label)}</span> {changed(old, new)}</p>')
        else:
            ends = f"–{esc(timefmt.hm(f(e, 'ends_at'), tz))}" if f(e, "ends_at") else ""
            place = f" · {esc(f(e, 'location'))}" if f(e, "location") else ""
            answer_by = ""
            if (f(e, "rsvp_deadline") and not f(e, "deadline_passed") and not my_rsvp and f(e, "rsvp_required")
                    and can_act):
                words = i18n._("answer by {when}", when=timefmt.when(f(e, "rsvp_deadline"), tz))
                answer_by = f' · <span class="text-urgent">{esc(words)}</span>'
            out.append(f'<p class="row__sub">{esc(timefmt.hm(f(e, "starts_at"), tz))}{ends}{place}{answer_by}</p>')
        counts = f(e, "counts")
        if is_admin and not cancelled and (f(e, "rsvp_required") or f(counts, "answered")):
            answers = i18n._("{yes} yes · {maybe} maybe · {no_answer} no answer", yes=f(counts, "yes"),
                             maybe=f(counts, "maybe"), no_answer=f(counts, "no_answer"))
            guests = f(counts, "guests")
            plus = ""
            if guests:
                plus = " · " + esc(i18n._("+1 guest") if guests == 1 else i18n._("+{n} guests", n=guests))
            out.append(f'<p class="row__sub">{esc(answers)}{plus}</p>')
        end = (status_pill("cancelled") if cancelled else status_pill(f(my_rsvp, "status")) if my_rsvp
               else status_pill(None) if can_act and f(e, "rsvp_required") and not f(e, "is_past") else "")
        out.append(f'</div>\n<div class="row__end">{end}</div>\n</div>\n')
        body = "".join(out)
        return card("cancelled" if cancelled else ("changed" if is_changed else None),
                    extra_class="is-cancelled" if cancelled else "", caller=lambda: body)

    # -- announcements -----------------------------------------------------------------------
    @pass_context
    def announcement_card(context: Context, a: Any, is_admin: Any, back: str) -> Markup:
        """One announcement as a card, with "Got it" where it asks me to confirm."""
        def meta_body() -> str:
            new = badge(i18n._("New"), "info") if not f(a, "read") else ""
            author = f"<span>{esc(f(a, 'author_name'))}</span>" if f(a, "author_name") else ""
            return f"{new}{author}<span>{esc(timefmt.ago(f(a, 'created_at')))}</span>"

        out = [card_meta(official=f(a, "official"), urgent=f(a, "urgent"), caller=meta_body),
               f'<h3 class="card__title"><a href="{esc(f(a, "url"))}">{esc(f(a, "title"))}</a></h3>\n']
        if f(a, "excerpt"):
            out.append(f'<p class="card__detail">{esc(f(a, "excerpt"))}</p>')
        if f(a, "files"):
            names = ", ".join(esc(f(file, "display_name")) for file in f(a, "files"))
            out.append(f'<p class="card__detail cluster">{icon("paperclip")}<span>{names}</span></p>')
        if f(a, "ack_required"):
            if f(a, "needs_my_ack"):
                got_it = button(i18n._("Got it"), attrs={"aria-label": i18n._("Got it: {title}", title=f(a, "title"))})
                out.append(f'<form class="card__actions" method="post" action="/announcements/{esc(f(a, "id"))}/ack">'
                           f'{esc(context.get("csrf_input", ""))}<input type="hidden" name="next" value="{esc(back)}">'
                           f'{got_it}</form>\n')
            elif f(a, "acked"):
                confirmed = i18n._("You confirmed you read it.")
                out.append(f'<p class="card__detail text-ok">{esc(confirmed)}</p>\n')
            if is_admin:
                words = i18n._("{n} of {total} confirmed", n=f(a, "ack_count"), total=f(a, "ack_expected"))
                out.append(f'<p class="card__detail">{esc(words)}</p>')
        body = "".join(out)
        return card("official" if f(a, "official") else None, caller=lambda: body)

    # -- discussions -------------------------------------------------------------------------
    def thread_item(t: Any) -> Markup:
        """One thread in a list: its title, the last message and my unread count (never a feed)."""
        marks = (" " + badge(i18n._("Old chat"), "changed") if f(t, "legacy_channel") else "") + (
            " " + badge(i18n._("Off-topic")) if f(t, "off_topic") else "")
        legacy = (f'<span class="list-row__sub text-changed">{esc(f(t, "legacy_note"))}</span>'
                  if f(t, "legacy_channel") else "")
        last = f(t, "last_message")
        if last:
            sub = (f'<span class="list-row__sub">{esc(f(last, "author"))}: “{esc(f(last, "excerpt"))}” · '
                   f'{esc(timefmt.ago(f(last, "created_at")))}</span>')
        else:
            none = i18n._("No messages")
            sub = f'<span class="list-row__sub">{esc(none)}</span>'
        unread = ""
        if f(t, "unread"):
            label = i18n._("unread")
            unread = f'<span class="list-row__end">{count(f(t, "unread"), label=label)}</span>'
        return Markup(f'<li><a class="list-row" href="{esc(f(t, "url"))}">\n<span class="list-row__body">\n'
                      f'<span class="list-row__title">{esc(f(t, "title"))}{marks}</span>{legacy}{sub}</span>'
                      f'{unread}</a></li>')

    # -- tasks -------------------------------------------------------------------------------
    def task_due(t: Any, tz: str | None) -> Markup:
        """ "due Sat 10:00", "due today 17:30", "overdue since yesterday 13:06" for task `t`."""
        w = timefmt.when(f(t, "due_at"), tz)
        w = w[0].lower() + w[1:] if w.startswith(("Today", "Tomorrow", "Yesterday")) else w
        if f(t, "overdue"):
            overdue = i18n._("overdue since {when}", when=w)
            return Markup(f'<span class="text-urgent">{esc(overdue)}</span>')
        return Markup(esc(i18n._("due {when}", when=w)))

    @pass_context
    def task_move(context: Context, t: Any, back: str) -> Markup:
        """The no-JS buttons that move task `t`; `back` is where the form returns to."""
        if not f(t, "may_move"):
            return Markup("")
        title, status = f(t, "title"), f(t, "status")
        out = [f'<form class="card__actions" method="post" action="/tasks/{esc(f(t, "id"))}">\n'
               f'{esc(context.get("csrf_input", ""))}\n<input type="hidden" name="back" value="{esc(back)}">']
        if status != "done":
            out.append(button(i18n._("Done"), name="status", value="done", icon_name="check",
                                     attrs={"aria-label": i18n._("Mark “{title}” done", title=title)}))
        if status == "open":
            out.append(button(i18n._("Start"), "secondary", name="status", value="doing",
                                     attrs={"aria-label": i18n._("Start “{title}”", title=title)}))
        elif status == "doing":
            out.append(button(i18n._("Back to open"), "secondary", name="status", value="open",
                                     attrs={"aria-label": i18n._("Move “{title}” back to open", title=title)}))
        else:
            out.append(button(i18n._("Reopen"), "secondary", name="status", value="open",
                                     attrs={"aria-label": i18n._("Reopen “{title}”", title=title)}))
        out.append("</form>")
        return Markup("".join(out))

    @pass_context
    def my_task_card(context: Context, t: Any, tz: str | None, back: str) -> Markup:
        """A task of mine on the group dashboard: what it is, when it is due, and its buttons."""
        doing = i18n._("You're on it") if f(t, "status") == "doing" else i18n._("Assigned to you")
        due = f" · {task_due(t, tz)}" if f(t, "due_at") else ""
        body = (f'{card_meta(kind="task")}\n<h3 class="card__title"><a href="{esc(f(t, "url"))}">{esc(f(t, "title"))}'
                f'</a></h3>\n<p class="card__detail">{esc(doing)}{due}</p>\n{task_move(context, t, back)}')
        return card("urgent" if f(t, "overdue") else None, id="t-" + str(f(t, "id")), caller=lambda: body)

    # -- polls -------------------------------------------------------------------------------
    def poll_status(p: Any, tz: str | None, member_count: Any = None) -> Markup:
        """One line about poll `p`: deadline or closed, and turnout."""
        if f(p, "closed"):
            state = i18n._("Closed")
        elif f(p, "closes_at"):
            state = i18n._("Closes {when}", when=timefmt.when(f(p, "closes_at"), tz))
        else:
            state = i18n._("No deadline")
        turnout = (i18n._("{n} of {total} voted", n=f(p, "voter_count"), total=member_count) if member_count
                   else i18n._("{n} voted", n=f(p, "voter_count")))
        return Markup(f"{esc(state)} · {esc(turnout)}")

    def open_poll_card(p: Any, tz: str | None, member_count: Any = None) -> Markup:
        """An open poll on the group dashboard: its question, status line and the button to vote."""
        url, question = f(p, "url"), f(p, "question")
        you_voted = i18n._("you voted") if f(p, "voted") else ""
        voted = f'<span class="text-ok">{esc(you_voted)}</span>' if you_voted else ""
        if f(p, "may_vote") and not f(p, "voted"):
            action = link_button(i18n._("Vote"), url, "primary",
                                 attrs={"aria-label": i18n._("Vote: {question}", question=question)})
        elif f(p, "may_vote"):
            action = link_button(i18n._("Change vote"), url, "secondary",
                                 attrs={"aria-label": i18n._("Change vote: {question}", question=question)})
        else:
            action = link_button(i18n._("See the poll"), url, "secondary")
        body = (f'{card_meta(kind="poll", caller=lambda: voted)}<h3 class="card__title"><a href="{esc(url)}">'
                f'{esc(question)}</a></h3>\n<div class="card__foot">\n<p class="card__detail">'
                f'{poll_status(p, tz, member_count)}</p>{action}</div>\n')
        return card(id="p-" + str(f(p, "id")), caller=lambda: body)

    # -- sign-ups ----------------------------------------------------------------------------
    @pass_context
    def signup_sheet(context: Context, sheet: Any, tz: str | None, back: str, detailed: Any = False) -> Markup:
        """A sign-up sheet card. Each slot is a list row; with `detailed`, notes show and "Take"
        carries an optional note."""
        csrf = esc(context.get("csrf_input", ""))
        hidden_back = f'<input type="hidden" name="back" value="{esc(back)}">'
        hx = "h2" if detailed else "h3"
        closed, closes_at, event, may_commit = f(sheet, "closed"), f(sheet, "closes_at"), f(sheet, "event"), f(sheet, "may_commit")
        heading = esc(i18n._("Slots")) if detailed else f'<a href="{esc(f(sheet, "url"))}">{esc(f(sheet, "title"))}</a>'
        closed_pill = " " + pill(i18n._("Closed")) if closed else ""
        out = [f'<{hx} class="card__heading card__title">{heading}{closed_pill}</{hx}>']
        if not detailed and (event or closes_at):
            parts = []
            if event:
                parts.append(esc(f(event, "title")))
                if f(event, "starts_at"):
                    parts.append(f" · {esc(timefmt.when(f(event, 'starts_at'), tz))}")
            if event and closes_at and not closed:
                parts.append(" · ")
            if closes_at and not closed:
                parts.append(esc(i18n._("sign up by {when}", when=timefmt.when(closes_at, tz))))
            out.append(f'<p class="card__detail">{"".join(parts)}</p>')
        out.append('<ul class="list">\n')
        for s in f(sheet, "slots"):
            label, taken, cap, people, mine, full = (f(s, "label"), f(s, "taken"), f(s, "capacity"), f(s, "people"),
                                                     f(s, "mine"), f(s, "full"))
            sid = esc(f(s, "id"))
            sub = [f"{esc(timefmt.when(f(s, 'starts_at'), tz))} · " if f(s, "starts_at") else "",
                   esc(i18n._("{taken} of {capacity}", taken=taken, capacity=cap))]
            if people and not detailed:
                sub.append(" · " + ", ".join(esc(f(p, "display_name")) for p in people))
            if detailed and not full and taken:
                sub.append(" · " + esc(i18n._("{n} open", n=f(s, "open"))))
            meter = capacity(taken, cap, i18n._("{label}: {taken} of {capacity} taken", label=label, taken=taken,
                                                capacity=cap))
            out.append(f'<li class="list-row">\n<div class="list-row__body">\n<span class="list-row__title">{esc(label)}'
                       f'</span>\n<span class="list-row__sub">{"".join(sub)}</span>\n{meter}')
            if detailed and people:
                names = " · ".join(esc(f(p, "display_name")) + (f" (“{esc(f(p, 'note'))}”)" if f(p, "note") else "")
                                   for p in people)
                out.append(f'<span class="list-row__sub">{names}</span>')
            if detailed and may_commit and mine:
                give_back = button(i18n._("Give my place back"), "link",
                                   attrs={"aria-label": i18n._("Give back my place: {label}", label=label)})
                out.append(f'<form method="post" action="/signups/slots/{sid}/withdraw">{csrf}{hidden_back}'
                           f'{give_back}</form>')
            if detailed and may_commit and not mine and not full:
                note_label, placeholder = i18n._("Note for “{label}” (optional)", label=label), i18n._("Note (optional)")
                take = button(i18n._("Take"), "primary", attrs={"aria-label": i18n._("Take a place: {label}", label=label)})
                out.append(f'<form method="post" action="/signups/slots/{sid}/take" class="row">\n{csrf}{hidden_back}\n'
                           f'<label class="visually-hidden" for="note-{sid}">{esc(note_label)}</label>\n'
                           f'<input class="input" id="note-{sid}" name="note" type="text" size="8" maxlength="200"'
                           f' placeholder="{esc(placeholder)}">\n{take}\n</form>')
            out.append("</div>")
            if mine or full or (may_commit and not detailed):
                if mine:
                    end = pill(i18n._("You're in"), "ok")
                elif full:
                    end = pill(i18n._("Full"), "ok")
                else:
                    take = button(i18n._("Take"), "secondary",
                                  attrs={"aria-label": i18n._("Take a place: {label}", label=label)})
                    end = (f'<form method="post" action="/signups/slots/{sid}/take" class="inline">{csrf}{hidden_back}'
                           f'{take}</form>')
                out.append(f'<div class="list-row__end">{end}</div>')
            out.append("</li>")
        out.append("</ul>\n")
        body = "".join(out)
        return card(caller=lambda: body)

    # -- home --------------------------------------------------------------------------------
    def group_label(g: Any) -> str:
        return f'{group_dot(g)} {esc(f(g, "short") or f(g, "name"))}'

    def home_event_row(e: Any, g: Any) -> Markup:
        """A coming-up event on the home page: date tile, title, my answer, the group, and when and
        where (or what moved), the official word about its change, my sign-up places."""
        tz, cancelled = f(g, "timezone"), f(e, "cancelled")
        c = f(e, "change") or f(e, "home_change")
        answer = (status_pill("cancelled") if cancelled else status_pill(f(e, "my_rsvp"))
                  if f(e, "rsvp_required") or f(e, "my_rsvp") else "")
        out = [f'<li id="e-{esc(f(e, "id"))}"><a class="list-row{" is-cancelled" if cancelled else ""}"'
               f' href="{esc(f(e, "url"))}">\n{date_tile(timefmt.local(f(e, "starts_at"), tz))}\n'
               f'<span class="list-row__body">\n<span class="list-row__title">{esc(f(e, "title"))}</span>'
               f'<span class="list-row__sub">{answer} {group_label(g)}']
        if cancelled:
            pass
        elif c and not f(c, "cancelled") and f(c, "old_starts_at"):
            old_place, new_place = f(c, "old_location"), f(c, "new_location")
            old = was_at(f(c, "old_starts_at"), f(c, "new_starts_at"), tz)
            old += f" · {old_place}" if old_place and old_place != new_place else ""
            new = timefmt.hm(f(c, "new_starts_at"), tz) + (f" · {new_place}" if new_place and old_place != new_place else "")
            moved = i18n._("moved")
            out.append(f' · <span class="text-changed">{esc(moved)}</span> {changed(old, new)}')
        else:  # the place's name (before a comma); its address is on the event's page
            place = f' · {esc(f(e, "location").split(",")[0])}' if f(e, "location") else ""
            out.append(f" · {esc(timefmt.hm(f(e, 'starts_at'), tz))}{place}")
        if f(e, "remote"):
            out.append(" " + server_badge(f(f(e, "server"), "name")))
        out.append("</span>")
        news = f(e, "news")
        if news:  # the official word about this change: who said it, when
            author = f" {esc(f(news, 'author'))} ·" if f(news, "author") else ""
            official = badge(i18n._("Official"), "official")
            out.append(f'<span class="list-row__sub">{official}{author} {esc(timefmt.ago(f(news, "at")))}</span>')
        if f(e, "my_slots"):
            mine = i18n._("You: {slots}", slots=", ".join(f(e, "my_slots")))
            out.append(f'<span class="list-row__sub text-ok">{esc(mine)}</span>')
        out.append("</span>\n</a></li>")
        return Markup("".join(out))

    def changed_card(c: Any, g: Any) -> Markup:
        """What changed since my last visit: a new official announcement, or a moved or cancelled event."""
        kind, tz = f(c, "type"), f(g, "timezone")
        title = f'<h3 class="card__title"><a href="{esc(f(c, "url"))}">{esc(f(c, "title"))}</a></h3>\n'
        if kind == "announcement":
            meta = card_meta(group=g, official=True, urgent=f(c, "urgent"),
                             caller=lambda: f"<span>{esc(timefmt.ago(f(c, 'at')))}</span>")
            body = f"{meta}{title}"
            return card("official", id="c-" + str(f(c, "id")), caller=lambda: body)
        if kind == "moved":
            old = timefmt.when(f(c, "old_starts_at"), tz) + (f" · {f(c, 'old_location')}" if f(c, "old_location") else "")
            new = timefmt.when(f(c, "new_starts_at"), tz) + (f" · {f(c, 'new_location')}" if f(c, "new_location") else "")
            detail = f'<p class="card__detail">{changed(old, new)}</p>\n'
        else:
            reason = f" · {esc(f(c, 'reason'))}" if f(c, "reason") else ""
            detail = f'<p class="card__detail"><del>{esc(timefmt.when(f(c, "new_starts_at"), tz))}</del>{reason}</p>\n'
        body = f"{card_meta(group=g, kind=kind)}{title}{detail}"
        return card("changed" if kind == "moved" else "cancelled", id="c-" + str(f(c, "id")), caller=lambda: body)

    def official_row(a: Any, g: Any) -> Markup:
        """A recent official announcement on the home page, as a line."""
        urgent = badge(i18n._("Urgent"), "urgent") + " " if f(a, "urgent") else ""
        server = " " + server_badge(f(f(a, "server"), "name")) if f(a, "remote") else ""
        author = f" · {esc(f(a, 'author_name'))}" if f(a, "author_name") else ""
        return Markup(f'<li><a class="list-row" href="{esc(f(a, "url"))}"><span class="list-row__body">\n'
                      f'<span class="list-row__title">{esc(f(a, "title"))}</span>\n'
                      f'<span class="list-row__sub">{urgent}{group_label(g)}{server}{author} · '
                      f'{esc(timefmt.ago(f(a, "created_at")))}</span>\n</span></a></li>')

    def catch_up_row(c: Any, g: Any) -> Markup:
        """A group's discussions since my last visit: how many new messages, and mentions of me."""
        mentions = f(c, "mentions")
        at_me = ""
        if mentions:
            word = i18n._n("mention", "mentions", mentions)
            at_me = (f'<strong class="text-urgent">@{esc(mentions)}<span class="visually-hidden"> {esc(word)}'
                     f'</span></strong> · ')
        new = i18n._n("{n} new", "{n} new", f(c, "messages"))
        return Markup(f'<li><a class="list-row list-row--line" href="/groups/{esc(f(c, "group_id"))}/discussions">'
                      f'<span class="list-row__body">\n<span class="list-row__title">{group_label(g)}</span>\n'
                      f'<span class="list-row__sub">{at_me}{esc(new)}</span>\n</span><span class="list-row__end">'
                      f'{icon("chevron-right")}</span></a></li>')

    return {f"ui_{fn.__name__}": fn for fn in (changed, event_row, announcement_card, thread_item, task_due, task_move,
                                               my_task_card, poll_status, open_poll_card, signup_sheet, home_event_row,
                                               changed_card, official_row, catch_up_row)}
