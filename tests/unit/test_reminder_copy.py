"""Reminder copy for the old chat (SPEC §13): English and German, three tones, tailored to what
is missing, days in the group's zone with the right weekday names, and never a person's name."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from groupbox.domain.migration.copy import (
    LANGUAGES,
    TONES,
    Facts,
    day_name,
    reminder_text,
    sheet_text,
)
from groupbox.domain.migration.service import (
    clean_language,
    clean_readonly_from,
    clean_tone,
    token_from_link,
)
from groupbox.errors import Invalid

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday
LINK = "https://u12.example.org/join/abc"


def facts(**changes) -> Facts:
    values = dict(
        group_name="FC Kreuzberg U12", tz="Europe/Berlin", link=LINK, joined=12, expected=24,
        event_title="League match", event_starts_at=datetime(2025, 3, 8, 9, 0, tzinfo=UTC),  # Sat 10:00 Berlin
        event_deadline=datetime(2025, 3, 6, 17, 0, tzinfo=UTC),  # Thu 18:00 Berlin
        readonly_from=datetime(2025, 3, 14, 23, 0, tzinfo=UTC),  # Sat 15 March, midnight in Berlin
    )
    values.update(changes)
    return Facts(**values)


def test_english_friendly_says_what_is_missing_and_where_the_rsvp_is():
    text = reminder_text("en", "friendly", facts(), NOW)
    assert text.startswith("Hi everyone!")
    assert "12 of 24 have already joined FC Kreuzberg U12 on groupbox." in text
    assert ("The RSVP for “League match” (Saturday 8 March, 10:00) is only in groupbox — please answer by"
            " Thursday 6 March, 18:00.") in text
    assert "From Saturday 15 March, this chat is read-only" in text
    assert text.rstrip().endswith("See you there! 🙂")
    assert LINK in text


def test_german_uses_german_days_months_and_clock():
    text = reminder_text("de", "friendly", facts(), NOW)
    assert "12 von 24 sind schon bei FC Kreuzberg U12 auf groupbox dabei." in text
    assert "„League match“ (Samstag, 8. März, 10:00 Uhr)" in text
    assert "bitte bis Donnerstag, 6. März, 18:00 Uhr antworten" in text
    assert "Ab Samstag, 15. März ist dieser Chat nur noch zum Lesen da" in text
    assert "Saturday" not in text and "March" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_three_tones_differ_and_all_carry_the_link(language):
    texts = {tone: reminder_text(language, tone, facts(), NOW) for tone in TONES}
    assert len(set(texts.values())) == 3
    assert all(LINK in t for t in texts.values())
    assert ("Last call" if language == "en" else "Letzte Erinnerung") in texts["last_call"]


def test_copy_adapts_to_what_is_known():
    everyone = reminder_text("en", "firm", facts(joined=24), NOW)
    assert "All 24 have joined" in everyone
    unknown_size = reminder_text("en", "firm", facts(expected=None), NOW)
    assert "12 of us have already joined" in unknown_size and " of 24" not in unknown_size
    nobody = reminder_text("de", "firm", facts(joined=0), NOW)
    assert "FC Kreuzberg U12 ist jetzt auf groupbox." in nobody and "0 von" not in nobody
    no_deadline = reminder_text("en", "friendly", facts(event_deadline=None), NOW)
    assert "(Saturday 8 March, 10:00) is only in groupbox — please answer there." in no_deadline
    bare = reminder_text("en", "friendly", facts(event_title=None, event_starts_at=None, readonly_from=None), NOW)
    assert "RSVP" not in bare and "read-only" not in bare
    past = reminder_text("en", "firm", facts(readonly_from=datetime(2025, 3, 1, tzinfo=UTC)), NOW)
    assert "This chat is read-only now" in past


def test_copy_never_names_a_person():
    """Facts carry no names at all; the only words that could be names are the group's and the
    event's, which admins chose for everyone to see."""
    assert set(Facts.__dataclass_fields__) == {
        "group_name", "tz", "link", "joined", "expected", "event_title", "event_starts_at", "event_deadline",
        "readonly_from"}


def test_days_are_read_in_the_groups_zone():
    late = datetime(2025, 3, 7, 23, 30, tzinfo=UTC)  # already Saturday in Berlin
    assert day_name(late, "en", "Europe/Berlin") == "Saturday 8 March"
    assert day_name(late, "de", "America/New_York") == "Freitag, 7. März"
    assert day_name(date(2025, 12, 24), "de") == "Mittwoch, 24. Dezember"


def test_sheet_words_in_both_languages():
    en = sheet_text("en", "U12", datetime(2025, 6, 1, 10, tzinfo=UTC), "Europe/Berlin")
    de = sheet_text("de", "U12", None, "Europe/Berlin")
    assert en["title"] == "Join U12 on groupbox" and len(en["lines"]) == 3 and "Sunday 1 June" in en["valid"]
    assert de["title"] == "U12 ist jetzt auf groupbox" and de["valid"] == ""
    assert sheet_text("fr", "U12", None, "UTC")["lang"] == "en"


@pytest.mark.parametrize(("raw", "expected"), [
    ("https://gb.example.org/join/TOKEN_abc-1", "TOKEN_abc-1"),
    ("  https://gb.example.org/join/TOKEN \n", "TOKEN"),
    ("http://127.0.0.1:8000/join/TOKEN/", "TOKEN"),
    ("TOKEN", "TOKEN"),
])  # fmt: skip
def test_a_pasted_link_gives_its_token(raw, expected):
    assert token_from_link(raw) == expected


def test_clean_inputs_refuse_with_the_field_named():
    assert clean_language(None) == "en" and clean_language(" DE ") == "de"
    assert clean_tone("last call") == "last_call" and clean_tone("last-call") == "last_call"
    for fn, raw, field in ((clean_language, "fr", "language"), (clean_tone, "rude", "tone"),
                           (token_from_link, "", "link")):
        with pytest.raises(Invalid) as caught:
            fn(raw)
        assert caught.value.field == field
    assert clean_readonly_from("2025-03-15", "Europe/Berlin") == datetime(2025, 3, 14, 23, 0, tzinfo=UTC)
    assert clean_readonly_from("", "Europe/Berlin") is None
    with pytest.raises(Invalid):
        clean_readonly_from("15.03.2025", "Europe/Berlin")
