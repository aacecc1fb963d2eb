"""The "Needs you" card and the RSVP buttons in Python (`groupbox.web.cards`, issue 17) write what
templates/home/_action.html and the `ui.rsvp_buttons` macro wrote (compared over every kind, both
languages, with and without a group, escaping included, before those were removed)."""

from datetime import UTC, datetime

from markupsafe import Markup

from groupbox import i18n
from groupbox.domain.actions.service import ActionItem

AT = datetime(2031, 5, 17, 10, 0, tzinfo=UTC)  # beyond a week from any day these tests run: a full date
GROUPS = {"g1": {"id": "g1", "name": "FC Kreuzberg U12 Parents", "short": "FC Kreuzberg U12", "color_index": 3,
                 "timezone": "Europe/Berlin"}}
CHIP = '<span class="group-chip g3"><span class="dot" aria-hidden="true"></span>FC Kreuzberg U12</span>'


def card(app, item: ActionItem, language: str = "en", **context) -> str:
    template = app.template_engine.engine.from_string(
        '{{ ui_action_card(item, home.groups, next_url or "/#needs", hide_group) }}')
    token = i18n._current.set(language)
    try:
        return template.render(item=item, home={"groups": GROUPS}, csrf_input=Markup('<input name="c">'), **context)
    finally:
        i18n._current.reset(token)


def test_an_rsvp_card_escapes_and_answers_in_place(app):
    item = ActionItem("e1", "rsvp", "g1", "Match <A>", "/events/e1", AT, AT, 3.0,
                      {"starts_at": AT, "location": "Pitch & co", "rsvp_deadline": AT}, score=0.2)
    assert card(app, item) == (
        '<article class="card action action--rsvp" id="a-e1">\n<p class="card__meta">' + CHIP
        + '<span class="kind">RSVP</span><span class="text-changed">answer by Sat 17 May 12:00</span></p>'
        '<h3 class="card__title"><a href="/events/e1">Match &lt;A&gt;</a></h3>'
        '<p class="card__detail">Sat 17 May 12:00 · Pitch &amp; co</p>\n'
        '<form class="rsvp" method="post" action="/events/e1/rsvp">\n<input name="c">'
        '<input type="hidden" name="next" value="/#needs"><button class="btn btn--primary" type="submit"'
        ' name="status" value="yes"><span>Yes</span></button><button class="btn btn--secondary" type="submit"'
        ' name="status" value="maybe"><span>Maybe</span></button><button class="btn btn--secondary"'
        ' type="submit" name="status" value="no"><span>No</span></button></form>\n\n</article>')


def test_a_task_card_in_german(app):
    item = ActionItem("t1", "task", "g1", "Bring cake", "/tasks/t1", AT, AT, 2.0, {"status": "open"}, score=0.9)
    html = card(app, item, "de")
    assert html.startswith('<article class="card action action--task" id="a-t1">\n<p class="card__meta">' + CHIP
                           + '<span class="kind">Aufgabe</span></p><h3 class="card__title">'
                           '<a href="/tasks/t1">Bring cake</a></h3><form class="card__foot" method="post"'
                           ' action="/tasks/t1"><input name="c"><input type="hidden" name="back" value="/#needs">\n'
                           '<p class="card__detail text-urgent">Fällig Sa., 17. Mai 12:00</p>\n'
                           '<button class="btn btn--secondary" type="submit" name="status" value="done"'
                           ' aria-label="„Bring cake“ als erledigt markieren"><svg class="icon icon-check"')
    assert html.endswith('<span>Erledigt</span></button>\n</form>\n\n</article>')


def test_an_urgent_announcement_on_its_groups_page(app):
    item = ActionItem("a1", "acknowledge", "g1", "Rules", "/announcements/a1", None, AT, 4.0,
                      {"official": True, "urgent": True, "ack_url": "/announcements/a1/ack"})
    assert card(app, item, hide_group=True, next_url="/groups/g1#important") == (
        '<article class="card card--urgent action action--acknowledge" id="a-a1">\n<p class="card__meta">'
        '<span class="badge badge--official">Official</span><span class="badge badge--urgent">Urgent</span>'
        '<span class="kind">Acknowledge</span></p><form method="post" action="/announcements/a1/ack"'
        ' class="card__split"><input name="c"><input type="hidden" name="next" value="/groups/g1#important">\n'
        '<h3 class="card__title"><a href="/announcements/a1">Rules</a></h3>\n<button class="btn btn--primary"'
        ' type="submit" aria-label="I&#39;ve read “Rules”"><span>I&#39;ve read it</span></button>\n</form>\n\n'
        '</article>')


def test_polls_commitments_and_mentions(app):
    vote = card(app, ActionItem("p1", "vote", "g1", "Q?", "/polls/p1", None, AT, 2.0, score=0.7))
    assert ('<div class="card__foot">\n<p class="card__detail text-urgent">Open poll</p>\n'
            '<a class="btn btn--primary" href="/polls/p1" aria-label="Vote: Q?"><span>Vote</span></a>\n</div>\n') in vote
    signed = card(app, ActionItem("s1", "commitment", "g1", "Drive · Sat", "/signups/s1", AT, AT, 1.5))
    assert '<p class="card__detail">You signed up · Sat 17 May 12:00</p>\n' in signed
    mention = card(app, ActionItem("m1", "mention", "g9", "Lisa in “Kit”", "/threads/t#m-m1", None, AT, 1.0,
                                   {"excerpt": "@Anna <b>can</b> you?"}))
    assert mention.endswith('<a href="/threads/t#m-m1">Lisa in “Kit”</a></h3>'
                            '<p class="card__quote">“@Anna &lt;b&gt;can&lt;/b&gt; you?”</p>\n</article>')
    assert "group-chip" not in mention  # a group the page does not know: no chip
    quiet = card(app, ActionItem("m2", "question", "g1", "Mark in “X”", "/threads/x", None, AT, 2.0, {"excerpt": ""}))
    assert quiet.endswith("</a></h3>\n</article>")


def test_rsvp_buttons_mark_the_answer_given(app):
    template = app.template_engine.engine.from_string(
        '{% import "macros/ui.html" as ui with context %}{{ ui.rsvp_buttons("/e/1/rsvp", cur, describedby="q") }}')
    html = template.render(cur="maybe")
    assert html.startswith('<form class="rsvp" method="post" action="/e/1/rsvp">\n<button class="btn btn--secondary"'
                           ' type="submit" name="status" value="yes" aria-pressed="false" aria-describedby="q">')
    assert ('<button class="btn btn--primary" type="submit" name="status" value="maybe" aria-pressed="true"'
            ' aria-describedby="q"><svg class="icon icon-check"') in html
    assert template.render(cur="later").count('aria-pressed') == 0  # not an answer: as none given
