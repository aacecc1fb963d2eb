"""The ui.html names that are Python (`groupbox.web.filters.primitives`, issue 17) write what the
macros they replaced wrote, edge cases included, called from a template exactly as before (these
tests pass against templates/macros/ui.html as it was at c0d2851, with the macros)."""

import pytest

from groupbox import i18n

ICONS = "/static/icons.svg?v="


def render(app, source: str, **context) -> str:
    env = app.template_engine.engine
    return env.from_string('{% import "macros/ui.html" as ui with context %}' + source).render(**context)


def test_one_line_primitives(app):
    assert render(app, '{{ ui.badge(_("Official"), "official") }}') == (
        '<span class="badge badge--official">Official</span>')
    assert render(app, '{{ ui.pill("<b>") }}') == '<span class="pill pill--neutral">&lt;b&gt;</span>'
    assert render(app, '{{ ui.count(0) }}|{{ ui.count(3, True, "new") }}') == (
        '<span class="count">0</span>|<span class="count count--urgent">3<span class="visually-hidden"> new'
        '</span></span>')
    icon = render(app, '{{ ui.icon("bell") }}|{{ ui.icon("check", label="Done") }}')
    assert icon.startswith('<svg class="icon icon-bell" aria-hidden="true" focusable="false"><use href="' + ICONS)
    assert '<svg class="icon icon-check" role="img" aria-label="Done" focusable="false">' in icon


def test_groups_as_dicts_with_or_without_a_short_name(app):
    short = {"id": "g1", "name": "FC Kreuzberg U12 Parents", "short": "FC Kreuzberg U12", "color_index": 11}
    plain = {"id": "g2", "name": "Class 4B & friends"}
    assert render(app, '{{ ui.group_chip(g) }}', g=short) == (
        '<span class="group-chip g3"><span class="dot" aria-hidden="true"></span>FC Kreuzberg U12</span>')
    assert render(app, '{{ ui.group_chip(g, href="/groups/g2") }}{{ ui.group_dot(g) }}', g=plain) == (
        '<a class="group-chip g0" href="/groups/g2"><span class="dot" aria-hidden="true"></span>'
        'Class 4B &amp; friends</a><span class="dot g0" aria-hidden="true"></span>')


@pytest.mark.parametrize(("status", "modifier", "words"), [
    ("yes", "yes", "Going"), ("no", "no", "Not going"), ("cancelled", "cancelled", "Cancelled"),
    (None, "none", "No answer"), ("", "none", "No answer"),
])
def test_status_pills(app, status, modifier, words):
    assert render(app, "{{ ui.status_pill(s) }}", s=status) == f'<span class="pill pill--{modifier}">{words}</span>'


def test_buttons_leave_out_what_is_not_given(app):
    html = render(app, '{{ ui.button("Take", "secondary", attrs={"aria-label": "Take: A&B", "data-x": none}) }}')
    assert html == '<button class="btn btn--secondary" type="submit" aria-label="Take: A&amp;B"><span>Take</span></button>'
    html = render(app, '{{ ui.button("Done", name="status", value=0, icon_name="check", block=True) }}')
    assert html.startswith('<button class="btn btn--primary btn--block" type="submit" name="status" value="0">'
                           '<svg class="icon icon-check"')
    assert render(app, '{{ ui.link_button("All", "/a?b=1&c=2") }}') == (
        '<a class="btn btn--secondary" href="/a?b=1&amp;c=2"><span>All</span></a>')
    with pytest.raises(ValueError, match="Invalid character"):
        render(app, '{{ ui.button("x", attrs={"on click": "y"}) }}')


def test_capacity_is_a_meter_only_with_a_capacity(app):
    assert render(app, '{{ ui.capacity(4, 3, "Cake") }}') == (
        '<meter class="capacity" min="0" max="3" value="3" aria-label="Cake">4 of 3</meter>')
    assert render(app, '[{{ ui.capacity(1, 0, "Cake") }}]') == "[]"


def test_cards_and_sections_wrap_their_call_body(app):
    source = ('{% call ui.section("Needs you", count=2, id="needs", urgent=True, more_href="/x") %}'
              '{% call ui.card("urgent flush", id="a-1", label="Card") %}'
              '{% call ui.card_meta(group={"name": "Choir"}, kind="rsvp", official=True) %}<span>Mark</span>'
              '{% endcall %}body{% endcall %}{% endcall %}')
    assert render(app, source) == (
        '<section class="section" id="needs" aria-labelledby="needs-title">\n'
        '<h2 class="section__title" id="needs-title"><span>Needs you</span>'
        ' <span class="count count--urgent">2</span> <a href="/x">See all</a></h2>\n'
        '<article class="card card--urgent card--flush" id="a-1" aria-label="Card">\n'
        '<p class="card__meta"><span class="badge badge--official">Official</span>'
        '<span class="group-chip g0"><span class="dot" aria-hidden="true"></span>Choir</span>'
        '<span class="kind">RSVP</span><span>Mark</span></p>body\n</article>\n</section>')
    # No count (None or ""), no link, and a card_meta without a body.
    assert render(app, '{% call ui.section("S", count="") %}x{% endcall %}') == (
        '<section class="section">\n<h2 class="section__title"><span>S</span></h2>\nx\n</section>')
    assert render(app, '{{ ui.card_meta(kind="moved") }}') == (
        '<p class="card__meta"><span class="kind kind--changed">Moved</span></p>')


def test_they_speak_the_requests_language(app):
    with i18n.using("de"):
        assert render(app, '{{ ui.status_pill("yes") }}{{ ui.kind_label("task") }}') == (
            '<span class="pill pill--yes">Dabei</span><span class="kind">Aufgabe</span>')


def test_the_primitives_escape_as_markupsafe_does():
    """`filters.esc` (a str where escape() makes a Markup) escapes what escape() escapes."""
    from markupsafe import Markup, escape

    from groupbox.web.filters import esc

    class Html:
        def __html__(self):
            return "<b>safe</b>"

    for value in ("<a href='x'>&\"", "", "plain", Markup("<i>kept</i>"), 3, None, Html()):
        assert str(esc(value)) == str(escape(value)), value


def test_attributes_are_written_as_jinjas_xmlattr_writes_them(app):
    from jinja2.filters import do_xmlattr
    from jinja2.nodes import EvalContext

    env = app.template_engine.engine
    for attrs in ({"aria-label": 'Take "A" & <b>'}, {"aria-label": ""}, {"data-x": "1", "aria-label": "y"},
                  {"aria-label": None}, {"title": 3}, {}):
        html = render(app, "{{ ui.button('Go', attrs=attrs) }}", attrs=attrs)
        assert html == f'<button class="btn btn--primary" type="submit"{do_xmlattr(EvalContext(env), attrs)}><span>Go</span></button>'
    with pytest.raises(ValueError):
        render(app, "{{ ui.button('Go', attrs={'a b': 'x'}) }}")
