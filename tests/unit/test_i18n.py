"""German beside English (issue 15, item 9): the catalog is complete, placeholders survive
translation, the browser's languages are weighed as RFC 9110 says, and dates read as people
expect in each language."""

from __future__ import annotations

import gettext
import io
import string
from datetime import UTC, date, datetime, timedelta

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from groupbox import i18n, timefmt
from groupbox.config import ConfigError, load_config
from tools import messages as tooling


@pytest.fixture(scope="module")
def extracted():
    return tooling.extract()


@pytest.fixture(scope="module")
def german():
    with tooling.po_path("de").open("rb") as handle:
        return read_po(handle, locale="de")


def _fields(text: str) -> set[str]:
    """The placeholders of a message, with their conversions ('{ref!r}' stays '{ref!r}'); a
    translation may use one twice."""
    return {f"{name}!{conversion}" if conversion else name
            for _literal, name, _spec, conversion in string.Formatter().parse(text) if name is not None}


def _forms(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


def test_every_string_in_the_code_and_templates_has_a_german_translation(extracted, german):
    missing = [m.id for m in extracted if m.id and (german.get(m.id) is None or not all(_forms(german.get(m.id))))]
    fuzzy = [m.id for m in extracted if m.id and german.get(m.id) is not None and german.get(m.id).fuzzy]
    assert not missing, f"{len(missing)} strings have no German yet (run `make messages`, translate in the .po): {missing[:10]}"
    assert not fuzzy, f"{len(fuzzy)} German strings are marked fuzzy (check them, drop the flag): {fuzzy[:10]}"
    assert len(extracted) > 1000  # the extraction really read the code and the templates


def test_translations_keep_every_placeholder(german):
    wrong = []
    for message in german:
        if not message.id or not message.string:
            continue
        expected = _fields(_ids(message)[-1])
        for form in _forms(message):
            if _fields(form) != expected:
                wrong.append((message.id, form))
    assert not wrong, wrong[:10]


def test_plural_messages_have_both_german_forms(german):
    assert german.plural_forms == "nplurals=2; plural=(n != 1);"
    plurals = [m for m in german if m.id and isinstance(m.id, tuple)]
    assert plurals and all(len(m.string) == 2 and all(m.string) for m in plurals)


def test_the_shipped_mo_file_is_compiled_from_the_current_po(german):
    compiled = io.BytesIO()
    write_mo(compiled, german)
    compiled.seek(0)
    fresh = gettext.GNUTranslations(compiled)
    mo = tooling.po_path("de").with_suffix(".mo")
    with mo.open("rb") as handle:
        shipped = gettext.GNUTranslations(handle)
    assert shipped._catalog == fresh._catalog, "run `make messages` to compile the catalog"


def test_a_plain_install_ships_the_compiled_catalog():
    """The wheel packages the whole `groupbox/` folder, so the .mo inside it installs with pip."""
    import tomllib

    pyproject = tomllib.loads((tooling.ROOT / "pyproject.toml").read_text())
    assert pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["groupbox"]
    assert any(dep.startswith("babel") for dep in pyproject["project"]["dependencies"])
    mo = tooling.po_path("de").with_suffix(".mo")
    assert mo.is_relative_to(tooling.ROOT / "groupbox") and mo.stat().st_size > 50_000
    assert "*.mo" not in (tooling.ROOT / ".gitignore").read_text()
    assert isinstance(i18n.catalog("de"), gettext.GNUTranslations)


def test_strings_made_at_run_time_are_in_the_catalog(german):
    """Labels kept in tables and shown through `_(variable)`: roles, states, categories, tabs."""
    from groupbox.access import ROLES
    from groupbox.domain.calendar.service import ANSWER_LABELS
    from groupbox.domain.identity.trust import LEVELS
    from groupbox.domain.notify.service import CATEGORY_LABELS
    from groupbox.domain.objects.polls import VISIBILITY_LABELS
    from groupbox.web.areas import GROUP_TABS
    from groupbox.web.pages.migration import TONE_LABELS
    from groupbox.web.pages.tasks import COLUMNS, MOVE_DONE

    words = [*ROLES, *ANSWER_LABELS.values(), *LEVELS, *CATEGORY_LABELS.values(), *VISIBILITY_LABELS.values(),
             *(label for _order, _key, label in GROUP_TABS), *TONE_LABELS.values(), *(label for _k, label in COLUMNS),
             *MOVE_DONE.values(), "revoked", "expired", "used up", "active"]
    missing = [word for word in words if not (german.get(word) and german.get(word).string)]
    assert not missing


def test_german_speaks_german_and_english_stays_english():
    assert i18n.gettext("Needs you", "de") == "Wartet auf dich"
    assert i18n.gettext("Needs you", "en") == "Needs you"
    assert i18n.gettext("Hi {name}", "de", name="Anna") == "Hallo Anna"
    assert i18n.ngettext("{n} member", "{n} members", 1, "de") == "1 Mitglied"
    assert i18n.ngettext("{n} member", "{n} members", 24, "de") == "24 Mitglieder"
    assert i18n.ngettext("{n} member", "{n} members", 0, "en") == "0 members"
    assert i18n.gettext("A sentence nobody wrote yet.", "de") == "A sentence nobody wrote yet."
    assert i18n.number(12345, "de") == "12.345" and i18n.number(12345, "en") == "12,345"


def test_the_current_language_follows_the_context():
    assert i18n._("Calendar") == "Calendar"
    with i18n.using("de"):
        assert i18n._("Calendar") == "Kalender"
        assert i18n._n("{n} group", "{n} groups", 2) == "2 Gruppen"
        with i18n.using("en"):
            assert i18n._("Calendar") == "Calendar"
        assert i18n.current() == "de"
    assert i18n.current() == "en"
    with i18n.using(None, fallback="de"):  # nobody chose: the instance's language
        assert i18n._("Calendar") == "Kalender"


@pytest.mark.parametrize(("header", "expected"), [
    ("de-DE,de;q=0.9,en;q=0.8", "de"),
    ("en-GB,en;q=0.9,de;q=0.8", "en"),
    ("fr-FR, de-AT;q=0.7, en;q=0.5", "de"),
    ("en;q=0.5, de;q=0.9", "de"),  # weights, not order
    ("de;q=0.5, en;q=0.5", "de"),  # a tie keeps the header's order
    ("de;q=0, en;q=0.1", "en"),  # q=0: not this one
    ("de;q=0, de-DE", None),  # refused is refused, in any region
    ("fr, it", None),
    ("*", None),
    ("", None),
    (None, None),
    ("de;q=banana", None),
    ("de-DE;q=1.5", "de"),
    (";;;,,,", None),
])
def test_the_browser_language_respects_q_values(header, expected):
    assert i18n.negotiate(header) == expected


def test_a_persons_choice_beats_the_browser_which_beats_the_instance():
    assert i18n.choose("de", "en-GB,en", "en") == "de"
    assert i18n.choose("", "de-DE", "en") == "de"
    assert i18n.choose(None, "fr", "de") == "de"
    assert i18n.choose("", None, "en") == "en"
    assert i18n.choose("xx", None, "en") == "en"


def test_the_instance_language_is_checked(data_dir):
    assert load_config(data_dir, env={"GROUPBOX_LANGUAGE": "de"}).language == "de"
    with pytest.raises(ConfigError, match="language"):
        load_config(data_dir, env={"GROUPBOX_LANGUAGE": "fr"})


SATURDAY = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)  # 10:30 in Berlin


def test_german_dates_read_like_a_german_calendar():
    with i18n.using("de"):
        assert timefmt.day(SATURDAY, "Europe/Berlin") == "Sa., 28. Nov."
        assert timefmt.long_day(SATURDAY, "Europe/Berlin") == "Samstag, 28. November"
        assert timefmt.weekday(SATURDAY, tz="Europe/Berlin") == "Sa"
        assert timefmt.month_year(date(2026, 3, 1)) == "März 2026"
        assert timefmt.hm(SATURDAY, "Europe/Berlin") == "10:30"
        reference = SATURDAY - timedelta(days=3)
        assert timefmt.when(SATURDAY, "Europe/Berlin", reference=reference) == "Sa. 10:30"
        assert timefmt.when(SATURDAY, "Europe/Berlin", reference=SATURDAY) == "Heute 10:30"
        assert timefmt.when(SATURDAY, "Europe/Berlin", reference=SATURDAY - timedelta(days=1)) == "Morgen 10:30"
        assert timefmt.when(SATURDAY, "Europe/Berlin", reference=SATURDAY - timedelta(days=20)) == "Sa., 28. Nov. 10:30"
        assert timefmt.ago(SATURDAY, SATURDAY + timedelta(minutes=5)) == "vor 5 Min."
        assert timefmt.ago(SATURDAY, SATURDAY + timedelta(days=3)) == "vor 3 Tagen"
        assert timefmt.ago(SATURDAY, SATURDAY + timedelta(days=1)) == "gestern"


def test_english_dates_stay_as_they_were():
    assert timefmt.day(SATURDAY, "Europe/Berlin") == "Sat 28 Nov"
    assert timefmt.long_day(SATURDAY, "Europe/Berlin") == "Saturday 28 November"
    assert timefmt.when(SATURDAY, "Europe/Berlin", reference=SATURDAY - timedelta(days=3)) == "Sat 10:30"
    assert timefmt.when(SATURDAY, "Europe/Berlin", reference=SATURDAY) == "Today 10:30"
    assert timefmt.ago(SATURDAY, SATURDAY + timedelta(hours=2)) == "2 h ago"
    assert timefmt.day(SATURDAY, "Europe/Berlin", lang="de") == "Sa., 28. Nov."  # an explicit language wins


def test_dates_are_read_in_the_groups_timezone():
    late = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)
    assert timefmt.day(late, "Europe/Berlin", lang="de") == "So., 29. Nov."
    assert timefmt.hm(late, "Europe/Berlin") == "00:30"
    assert timefmt.day(late, "America/New_York", lang="de") == "Sa., 28. Nov."


def test_lazy_text_is_written_in_each_readers_language():
    title = i18n.lazy("New event: {title}", title="Sommerfest")
    when = i18n.deferred(lambda: timefmt.day(SATURDAY, "Europe/Berlin"))
    body = i18n.lazy("was {old}, now {new}", old=when, new="18:00")
    assert i18n.render(title, "de") == "Neuer Termin: Sommerfest"
    assert i18n.render(title, "en") == "New event: Sommerfest"
    assert i18n.render(body, "de") == "vorher Sa., 28. Nov., jetzt 18:00"
    assert i18n.render(body, "en") == "was Sat 28 Nov, now 18:00"
    assert i18n.render("plain", "de") == "plain"
    with i18n.using("de"):
        assert str(title) == "Neuer Termin: Sommerfest"
