"""The WhatsApp export parser (SPEC §13): formats, languages, counts, encodings and zip safety.

Fixture exports live in tests/fixtures/whatsapp (see its README for the invisible characters);
zips are built here at run time from those texts and a few bytes of "media".
"""

from __future__ import annotations

import stat
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from groupbox.domain.migration.whatsapp import (
    Counts,
    Entry,
    ExportInfo,
    ExportSource,
    WhatsAppImportError,
    detect,
    parse,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "whatsapp"
LRM, NNBSP, NBSP = "\u200e", "\u202f", "\u00a0"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def load(path: Path, date_order: str | None = None) -> tuple[ExportInfo, list[Entry]]:
    with ExportSource.open(path) as source:
        info = detect(source, date_order)
        return info, list(parse(source, info))


def fixture(name: str) -> Path:
    return FIXTURES / name


def rows(entries: list[Entry]) -> list[tuple]:
    return [(e.at, e.kind, e.sender, e.text) for e in entries]


def counts(entries: list[Entry]) -> tuple[int, int, int, int]:
    c = Counts.of(entries)
    return c.messages, c.system_messages, c.media, c.participants


def write(tmp_path: Path, text: str, name: str = "chat.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def make_zip(path: Path, members: dict[str, bytes | str], **kwargs) -> Path:
    with zipfile.ZipFile(path, "w", kwargs.pop("compression", zipfile.ZIP_DEFLATED)) as zf:
        for name, data in members.items():
            zf.writestr(name, data, **kwargs)
    return path


def refusal(path: Path, **kwargs) -> str:
    with pytest.raises(WhatsAppImportError) as caught, ExportSource.open(path, **kwargs) as source:
        list(parse(source, detect(source)))
    return caught.value.message


# --- Android ------------------------------------------------------------------------------------


def test_admin_imports_android_english_export_with_24h_day_first_dates():
    info, entries = load(fixture("android_en_24h.txt"))

    assert (info.platform, info.date_order, info.language, info.clock) == (
        "android",
        "dmy",
        "en",
        "24h",
    )
    assert counts(entries) == (6, 9, 2, 3)
    assert [e.index for e in entries] == list(range(15))
    assert [e.kind for e in entries] == [
        "system", "system", "system", "system", "message", "message", "message", "system",
        "system", "message", "message", "system", "message", "system", "system",
    ]  # fmt: skip
    assert entries[0].at == datetime(2024, 1, 13, 18, 0)
    assert entries[0].text.startswith("Messages and calls are end-to-end encrypted.")
    assert entries[0].sender is None
    assert entries[1].text == 'Anna Schmidt created group "FC Kreuzberg U12"'
    assert "joined using this group's invite link" in entries[3].text
    # Multi-line message; body lines that look like dates or another format stay inside it.
    assert rows(entries[4:5]) == [
        (
            datetime(2024, 1, 13, 18, 5),
            "message",
            "Anna Schmidt",
            "Welcome everyone!\nTraining is on Saturday.\n31/12/24 we meet at 10\n"
            "13/01/24, 18:06 we meet again\n[13/01/24, 18:06:00] Anna: quoted",
        )
    ]
    assert (entries[5].sender, entries[5].media_omitted, entries[5].text) == (
        "Ben Okafor",
        True,
        "",
    )
    assert (entries[6].media_name, entries[6].text) == ("IMG-20240113-WA0001.jpg", "Team photo")
    # A quoted subject containing ": " is a system line, not a sender called 'Anna ... "FC'.
    assert entries[7].text == (
        'Anna Schmidt changed the subject from "FC Kreuzberg U12" to "FC Kreuzberg: U12"'
    )
    # Directional marks around a phone number are not part of the sender.
    assert (entries[9].sender, entries[9].deleted, entries[9].text) == ("+49 170 1234567", True, "")
    assert (entries[10].sender, entries[10].deleted) == ("Anna Schmidt", True)
    assert entries[11].text.startswith("Your security code with Ben Okafor changed")
    assert rows(entries[12:]) == [
        (datetime(2024, 1, 14, 10, 0), "message", "Ben Okafor", "Time: 10:00 - bring: boots"),
        (datetime(2024, 1, 14, 10, 1), "system", None, "Ben Okafor left"),
        (datetime(2024, 1, 14, 10, 2), "system", None, "Anna Schmidt removed +49 170 1234567"),
    ]  # fmt: skip


def test_admin_imports_us_export_with_12h_clock_and_narrow_space_before_pm():
    info, entries = load(fixture("android_us_12h.txt"))

    assert (info.date_order, info.clock, info.language) == ("mdy", "12h", "en")
    assert counts(entries) == (4, 2, 1, 2)
    assert rows(entries) == [
        (datetime(2024, 1, 5, 21, 5), "system", None, entries[0].text),
        (datetime(2024, 1, 5, 21, 5), "system", None, 'Coach Mike created group "Lions U10"'),
        (datetime(2024, 1, 5, 21, 6), "message", "Coach Mike", "Practice moved to Saturday"),
        (datetime(2024, 1, 13, 0, 0), "message", "Jenny Park", "Got it 👍"),
        (datetime(2024, 1, 13, 12, 30), "message", "Jenny Park", ""),
        (datetime(2024, 12, 31, 23, 59), "message", "Coach Mike", "Happy new year!\nSee you all"),
    ]
    assert entries[4].media_omitted


def test_admin_imports_android_german_export():
    info, entries = load(fixture("android_de.txt"))

    assert (info.date_order, info.language) == ("dmy", "de")
    assert counts(entries) == (4, 4, 2, 2)
    assert rows(entries) == [
        (datetime(2023, 12, 31, 21, 5), "system", None, entries[0].text),
        (datetime(2023, 12, 31, 21, 5), "system", None,
         "Anna hat die Gruppe „Elternrat 3b: Klassenfahrt“ erstellt."),
        (datetime(2023, 12, 31, 21, 6), "system", None, "Anna hat Ben hinzugefügt."),
        (datetime(2024, 1, 1, 10, 0), "message", "Ben", "Frohes neues Jahr!"),
        (datetime(2024, 1, 1, 10, 1), "message", "Ben", ""),
        (datetime(2024, 1, 1, 10, 2), "message", "Anna", ""),
        (datetime(2024, 1, 1, 10, 3), "message", "Anna", ""),
        (datetime(2024, 1, 1, 10, 4), "system", None, "Ben hat die Gruppe verlassen."),
    ]  # fmt: skip
    assert entries[0].text.startswith("Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt.")
    assert entries[4].media_omitted
    assert entries[5].media_name == "IMG-20240101-WA0003.jpg"
    assert entries[6].deleted


def test_admin_imports_android_french_export_with_four_digit_years_and_a():
    info, entries = load(fixture("android_fr.txt"))

    assert (info.date_order, info.language, info.clock) == ("dmy", "fr", "24h")
    assert counts(entries) == (4, 3, 2, 2)
    assert rows(entries) == [
        (datetime(2024, 12, 31, 21, 5), "system", None, entries[0].text),
        (datetime(2024, 12, 31, 21, 5), "system", None, "Claire a créé le groupe « Chorale : Noël »"),
        (datetime(2024, 12, 31, 21, 6), "system", None, "Claire a ajouté Luc"),
        (datetime(2024, 12, 31, 21, 10), "message", "Luc", "Bonsoir à tous !"),
        (datetime(2025, 1, 1, 9, 0), "message", "Claire", ""),
        (datetime(2025, 1, 1, 9, 1), "message", "Luc", ""),
        (datetime(2025, 1, 1, 9, 2), "message", "Claire", ""),
    ]  # fmt: skip
    assert entries[0].text.startswith("Les messages et les appels sont chiffrés de bout en bout.")
    assert entries[4].media_omitted
    assert entries[5].media_name == "PTT-20250101-WA0002.opus"
    assert entries[6].deleted


def test_admin_imports_android_spanish_export():
    info, entries = load(fixture("android_es.txt"))

    assert (info.date_order, info.language) == ("dmy", "es")
    assert counts(entries) == (4, 4, 2, 2)
    assert rows(entries) == [
        (datetime(2024, 12, 31, 21, 5), "system", None, entries[0].text),
        (datetime(2024, 12, 31, 21, 5), "system", None, 'Lucía creó el grupo "Fútbol sala"'),
        (datetime(2024, 12, 31, 21, 6), "system", None, "Lucía añadió a Diego"),
        (datetime(2024, 12, 31, 21, 7), "message", "Diego", "¡Hola!"),
        (datetime(2025, 1, 1, 10, 0), "message", "Diego", ""),
        (datetime(2025, 1, 1, 10, 1), "message", "Lucía", "Golazo"),
        (datetime(2025, 1, 1, 10, 2), "message", "Lucía", ""),
        (datetime(2025, 1, 1, 10, 3), "system", None, "Diego salió del grupo"),
    ]
    assert entries[0].text.startswith("Los mensajes y las llamadas están cifrados")
    assert entries[4].media_omitted
    assert entries[5].media_name == "VID-20250101-WA0004.mp4"
    assert entries[6].deleted


# --- iOS ----------------------------------------------------------------------------------------


def test_admin_imports_ios_english_export_with_seconds_marks_and_chat_name_system_lines():
    info, entries = load(fixture("ios_en.txt"))

    assert (info.platform, info.date_order, info.clock, info.language) == (
        "ios",
        "mdy",
        "12h",
        "en",
    )
    assert info.chat_name == "Lions U10"
    assert counts(entries) == (6, 4, 3, 2)
    assert rows(entries) == [
        (datetime(2024, 1, 5, 21, 5, 33), "system", None, entries[0].text),
        (datetime(2024, 1, 5, 21, 5, 33), "system", None, 'Coach Mike created group "Lions U10"'),
        (datetime(2024, 1, 5, 21, 5, 34), "system", None, "Coach Mike added Jenny Park"),
        (datetime(2024, 1, 5, 21, 6, 10), "message", "Coach Mike", "Practice on Saturday\nBring water"),
        (datetime(2024, 1, 5, 21, 7, 0), "message", "Jenny Park", ""),
        (datetime(2024, 1, 5, 21, 7, 30), "message", "Jenny Park", ""),
        (datetime(2024, 1, 5, 21, 8, 0), "message", "Coach Mike", "Schedule.pdf • 2 pages"),
        (datetime(2024, 1, 13, 8, 0, 0), "message", "Jenny Park", ""),
        (datetime(2024, 1, 13, 8, 1, 0), "system", None, "Jenny Park left"),
        # A poll carries U+200E marks too, but it is a person's message.
        (datetime(2024, 1, 13, 8, 2, 0), "message", "Coach Mike",
         "POLL:\nWhich day?\nOPTION: Saturday (1 vote)"),
    ]  # fmt: skip
    assert entries[0].text.startswith("Messages and calls are end-to-end encrypted.")
    assert LRM not in "".join(e.text for e in entries)
    assert (entries[4].media_omitted, entries[4].media_name) == (True, None)
    assert entries[5].media_name == "00000012-PHOTO-2024-01-05-21-07-30.jpg"
    assert entries[6].media_omitted
    assert entries[7].deleted


def test_admin_imports_ios_german_export():
    info, entries = load(fixture("ios_de.txt"))

    assert (info.platform, info.date_order, info.language, info.clock) == (
        "ios",
        "dmy",
        "de",
        "24h",
    )
    assert info.chat_name == "Elternrat 3b"
    assert counts(entries) == (5, 3, 2, 2)
    assert rows(entries) == [
        (datetime(2023, 12, 31, 21, 5, 33), "system", None, entries[0].text),
        (datetime(2023, 12, 31, 21, 5, 33), "system", None,
         "Anna hat die Gruppe „Elternrat 3b“ erstellt."),
        (datetime(2023, 12, 31, 21, 6), "system", None, "Anna hat Ben hinzugefügt."),
        (datetime(2024, 1, 1, 10, 0), "message", "Ben", "Frohes neues Jahr!"),
        (datetime(2024, 1, 1, 10, 1), "message", "Ben", ""),
        (datetime(2024, 1, 1, 10, 2), "message", "Anna", ""),
        (datetime(2024, 1, 1, 10, 3), "message", "Anna", ""),
        (datetime(2024, 1, 1, 10, 4), "message", "Anna", "Treffen am\n01.01.24 um 10 Uhr"),
    ]  # fmt: skip
    assert entries[4].media_omitted
    assert entries[5].media_name == "00000013-PHOTO-2024-01-01-10-02-00.jpg"
    assert entries[6].deleted


# --- Day/month order ----------------------------------------------------------------------------


def test_one_late_day_over_twelve_decides_day_first_for_the_whole_file():
    # English with a 12 h clock would fall back to month first; line 42 says otherwise.
    info, entries = load(fixture("late_day_decides.txt"))

    assert (info.date_order, info.clock) == ("dmy", "12h")
    assert counts(entries) == (41, 1, 0, 2)
    assert entries[1].at == datetime(2024, 2, 1, 1, 0)
    assert entries[2].at == datetime(2024, 2, 2, 2, 1)
    assert rows(entries[-1:]) == [
        (datetime(2024, 2, 13, 19, 30), "message", "Noah", "the thirteenth")
    ]


def test_ambiguous_us_english_12h_file_is_month_first_unless_overridden():
    info, entries = load(fixture("android_us_ambiguous.txt"))
    assert info.date_order == "mdy"
    assert [e.at for e in entries] == [
        datetime(2024, 1, 2, 9, 5),
        datetime(2024, 1, 2, 9, 6),
        datetime(2024, 2, 3, 22, 15),
    ]

    info, entries = load(fixture("android_us_ambiguous.txt"), date_order="dmy")
    assert info.date_order == "dmy"
    assert [e.at for e in entries][1:] == [datetime(2024, 2, 1, 9, 6), datetime(2024, 3, 2, 22, 15)]


def test_ambiguous_24h_english_file_is_day_first():
    info, entries = load(fixture("android_en_ambiguous_24h.txt"))
    assert (info.date_order, info.clock) == ("dmy", "24h")
    assert [e.at for e in entries][1:] == [datetime(2024, 1, 2, 18, 1), datetime(2024, 2, 3, 7, 30)]


def test_ambiguous_spanish_12h_file_with_a_m_p_m_is_day_first():
    info, entries = load(fixture("android_es_12h.txt"))
    assert (info.date_order, info.clock, info.language) == ("dmy", "12h", "es")
    assert counts(entries) == (2, 1, 1, 2)
    assert rows(entries)[1:] == [
        (datetime(2024, 1, 5, 21, 6), "message", "Diego", "Hola"),
        (datetime(2024, 2, 6, 0, 15), "message", "Lucía", ""),
    ]


def test_file_mixing_day_first_and_month_first_is_refused(tmp_path):
    path = write(
        tmp_path,
        "13/01/24, 10:00 - Anna: thirteenth of January\n01/13/24, 10:00 - Ben: or is it\n",
    )
    assert "mix day-first and month-first" in refusal(path)
    # Forcing an order leaves one impossible date, which refuses the import too.
    with ExportSource.open(path) as source, pytest.raises(WhatsAppImportError, match="^line 2: "):
        list(parse(source, detect(source, date_order="dmy")))


def test_unknown_date_order_argument_is_a_programming_error(tmp_path):
    with ExportSource.open(fixture("android_de.txt")) as source, pytest.raises(ValueError):
        detect(source, date_order="ydm")


# --- Date and time shapes (issue 16, item 1) -----------------------------------------------------


@pytest.mark.parametrize(
    ("line", "order", "clock", "at"),
    [
        # Year first: Japanese, Chinese, Swedish, Lithuanian, Hungarian, Korean phones.
        ("2022/06/30, 14:05 - Anna: hi", "ymd", "24h", datetime(2022, 6, 30, 14, 5)),
        ("2022-06-30 14:05 - Anna: hej", "ymd", "24h", datetime(2022, 6, 30, 14, 5)),
        ("[2022-06-30 14:05:53] Anna: hej", "ymd", "24h", datetime(2022, 6, 30, 14, 5, 53)),
        ("2022. 06. 30. 14:05 - Anna: szia", "ymd", "24h", datetime(2022, 6, 30, 14, 5)),
        ("2022. 6. 30. 오후 2:05 - Anna: hi", "ymd", "12h", datetime(2022, 6, 30, 14, 5)),
        ("2022/6/30 下午2:05 - Anna: hi", "ymd", "12h", datetime(2022, 6, 30, 14, 5)),
        # Times with dots (Danish, Finnish, Indonesian), dates without a comma before the time.
        ("[26/01/21 21.05.53] Anna: hej", "dmy", "24h", datetime(2021, 1, 26, 21, 5, 53)),
        ("26.01.21 21.05 - Anna: moi", "dmy", "24h", datetime(2021, 1, 26, 21, 5)),
        ("30/06/22 14.05 - Anna: halo", "dmy", "24h", datetime(2022, 6, 30, 14, 5)),
        ("30/06/2022 14:05 - Anna: oi", "dmy", "24h", datetime(2022, 6, 30, 14, 5)),
        ("30.06.22 14:05 - Anna: ahoj", "dmy", "24h", datetime(2022, 6, 30, 14, 5)),
        ("30-06-2022 14:05 - Anna: hoi", "dmy", "24h", datetime(2022, 6, 30, 14, 5)),
        ("30/06/2022 à 14:05 - Anna: salut", "dmy", "24h", datetime(2022, 6, 30, 14, 5)),
        ("[30/06/2022, 14:05:53] Anna: hi", "dmy", "24h", datetime(2022, 6, 30, 14, 5, 53)),
        # 12 h clocks in their spellings, after the time and before it.
        (f"6/30/22, 2:05{NNBSP}PM - Anna: hi", "mdy", "12h", datetime(2022, 6, 30, 14, 5)),
        ("6/30/22, 2:05 p.m. - Anna: hi", "mdy", "12h", datetime(2022, 6, 30, 14, 5)),
        ("[6/30/22, 12:05:53 AM] Anna: hi", "mdy", "12h", datetime(2022, 6, 30, 0, 5, 53)),
        (f"30/6/22, 2:05{NBSP}p.{NBSP}m. - Anna: hola", "dmy", "12h", datetime(2022, 6, 30, 14, 5)),
        ("30/6/22, 2:05 a. m. - Anna: hola", "dmy", "12h", datetime(2022, 6, 30, 2, 5)),
        ("30/06/22, 12:30 pm - Anna: hi", "dmy", "12h", datetime(2022, 6, 30, 12, 30)),
        ("30.06.22 2:05 odp. - Anna: ahoj", "dmy", "12h", datetime(2022, 6, 30, 14, 5)),
        ("30.06.2022 2:05 ÖS - Anna: selam", "dmy", "12h", datetime(2022, 6, 30, 14, 5)),
        ("٣٠/٦/٢٠٢٢، ٢:٠٥ م - Anna: hi", "dmy", "12h", datetime(2022, 6, 30, 14, 5)),
    ],
)
def test_entry_lines_in_the_date_and_time_shapes_phones_write(tmp_path, line, order, clock, at):
    info, [entry] = load(write(tmp_path, line + "\n"))
    assert (info.date_order, info.clock, entry.at, entry.sender) == (order, clock, at, "Anna")


@pytest.mark.parametrize(
    ("name", "order", "clock", "first", "last"),
    [
        ("android_ymd_slash.txt", "ymd", "24h", datetime(2022, 6, 30, 14, 5), datetime(2022, 7, 1, 9, 1)),
        ("android_ymd_iso.txt", "ymd", "24h", datetime(2022, 6, 30, 14, 5), datetime(2022, 7, 1, 9, 1)),
        ("ios_dotted_time.txt", "dmy", "24h", datetime(2021, 1, 26, 21, 5, 53), datetime(2021, 1, 27, 8)),
        ("android_ko_12h_before.txt", "ymd", "12h", datetime(2022, 6, 30, 14, 5), datetime(2022, 7, 1, 9)),
        ("android_en_12h_dots.txt", "mdy", "12h", datetime(2022, 6, 30, 14, 5), datetime(2022, 7, 1, 0, 30)),
    ],
)  # fmt: skip
def test_exports_in_other_date_shapes_read_whole(name, order, clock, first, last):
    info, entries = load(fixture(name))
    assert (info.date_order, info.clock) == (order, clock)
    assert (entries[0].at, entries[-1].at) == (first, last)
    assert entries[0].kind == "system" and entries[0].text.startswith("Messages and calls")
    assert all(e.sender for e in entries[1:] if e.kind == "message")


def test_a_late_month_first_date_decides_for_the_whole_file(tmp_path):
    # A 24 h clock would fall back to day first; line 31 has a second field over 12.
    lines = [f"0{1 + n % 9}/0{1 + n % 8}/24, 10:{n:02d} - Olivia: message {n}" for n in range(30)]
    path = write(tmp_path, "\n".join([*lines, "1/13/24, 11:00 - Noah: the thirteenth of January"]) + "\n")
    info, entries = load(path)
    assert info.date_order == "mdy"
    assert entries[1].at == datetime(2024, 2, 2, 10, 1)
    assert entries[-1].at == datetime(2024, 1, 13, 11, 0)


def test_two_digit_years_written_first_need_the_year_first_order(tmp_path):
    path = write(tmp_path, "22/06/30, 14:05 - Anna: hi\n")
    assert load(path)[1][0].at == datetime(2030, 6, 22, 14, 5)  # cannot be told from day first
    info, [entry] = load(path, date_order="ymd")
    assert (info.date_order, entry.at) == ("ymd", datetime(2022, 6, 30, 14, 5))


def test_a_year_first_file_read_day_first_is_refused_naming_the_line(tmp_path):
    path = write(tmp_path, "2022/06/30, 14:05 - Anna: hi\n")
    with ExportSource.open(path) as source, pytest.raises(WhatsAppImportError) as caught:
        list(parse(source, detect(source, date_order="dmy")))
    assert caught.value.message == (
        'line 1: "2022/06/30, 14:05 - Anna: hi" — this date or time is impossible with the '
        "day first (dmy); choose another date order"
    )


@pytest.mark.parametrize(
    ("line", "year"),
    [("30/6/2565 14:05 - Anna: สวัสดี", 2565), ("۹/۴/۱۴۰۱، ۱۴:۰۵ - Anna: سلام", 1401)],
)
def test_years_of_another_calendar_are_refused_not_imported_wrong(tmp_path, line, year):
    message = refusal(write(tmp_path, line + "\n"))
    assert message.startswith('line 1: "') and f"WhatsApp did not write the year {year}" in message


# --- Invisible marks and lines that only look like entries (items 3 and 6) ----------------------


def test_lines_starting_with_invisible_marks_are_new_entries_and_the_marks_are_dropped():
    info, entries = load(fixture("marks.txt"))
    assert info.date_order == "dmy"
    assert [(e.kind, e.sender, e.text) for e in entries[1:]] == [
        ("message", "Anna", "first"),
        ("message", "Ben", "second, after a left-to-right mark"),
        ("message", "Anna", "third, after a right-to-left mark"),
        ("message", "Ben", "fourth, after a byte order mark in the middle"),
        ("message", "Clara", "fifth, inside an embedding"),
        ("message", "+49 170 1234567", "sixth with a mark\nand a second line"),
        ("system", None, "Clara left"),
    ]
    invisible = set("\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert not invisible & set("".join(e.text + (e.sender or "") for e in entries))


def test_ios_lines_starting_with_invisible_marks_are_new_entries(tmp_path):
    path = write(
        tmp_path,
        "[13/01/24, 18:00:00] Anna: first\n"
        f"\u200f[13/01/24, 18:01:00] Ben: second\n"
        f"\ufeff[13/01/24, 18:02:00] Anna: third\n"
        f"{LRM}[13/01/24, 18:03:00] \u2068Ben\u2069: {LRM}image omitted\n",
    )
    entries = load(path)[1]
    assert [(e.sender, e.text, e.media_omitted) for e in entries] == [
        ("Anna", "first", False), ("Ben", "second", False), ("Anna", "third", False), ("Ben", "", True),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "line",
    [
        "13/01/24 18:06 - Anna: no comma",  # another joiner
        "13/01/2024, 18:06 - Anna: four-digit year",  # another year
        "13.01.24, 18:06 - Anna: dots",  # another separator
        "13/01/24, 18:06:07 - Anna: seconds",
        "13/01/24, 6:06 PM - Anna: a 12 h clock",
        "13/01/24, 18h06 - Anna: a time no phone writes",
        "\u200f13/01/24 18:06 - Anna: behind a mark",
    ],
)
def test_a_line_that_looks_like_an_entry_but_is_not_is_refused_with_its_number(tmp_path, line):
    path = write(tmp_path, f"13/01/24, 18:00 - Anna: hello\nsecond line\n{line}\n13/01/24, 18:07 - Ben: hi\n")
    message = refusal(path)
    shown = line.replace("\u200f", "")
    assert message == (
        f'line 3: "{shown}" — this line starts like a message, but its date and time are not written '
        'like the export\'s other lines ("13/01/24, 18:00 -"); was the file edited?'
    )


def test_body_lines_that_start_with_a_date_but_not_in_the_exports_frame_stay_in_the_message(tmp_path):
    path = write(
        tmp_path,
        "13/01/24, 18:00 - Anna: the plan\n"
        "13/01/24 we meet\n"
        "13/01/24, 18:06 we meet again\n"
        "13/01/24, 18:06 at the - gate\n"
        "[13/01/24, 18:06] Ben: copied from another chat\n",
    )
    [entry] = load(path)[1]
    assert entry.text.count("\n") == 4


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("30/06/2022 14h05 - Anna: Bonjour\n30/06/2022 14h06 - Ben: Salut\n",
         'line 1: "30/06/2022 14h05 - Anna: Bonjour" — groupbox cannot read this date and time format; '
         "export the chat again from WhatsApp, unedited"),
        ("[30/06/2022 14h05] Anna: Bonjour\n",
         'line 1: "[30/06/2022 14h05] Anna: Bonjour" — groupbox cannot read this date and time format; '
         "export the chat again from WhatsApp, unedited"),
        ("Chat history\n\n30/06/2022, 2:05 μμ - Anna: Γεια\n",
         'line 3: "30/06/2022, 2:05 μμ - Anna: Γεια" — groupbox cannot read this date and time format; '
         "export the chat again from WhatsApp, unedited"),
    ],
)  # fmt: skip
def test_an_export_in_a_format_the_importer_does_not_know_is_refused_naming_the_line(tmp_path, text, message):
    assert refusal(write(tmp_path, text)) == message


def test_the_unknown_format_sample_is_refused_in_one_line():
    message = refusal(fixture("unknown_format.txt"))
    assert message.startswith('line 1: "30/06/2022 14h05 - Anna: Bonjour" — ') and "\n" not in message


def test_a_long_refused_line_is_shortened_in_the_message(tmp_path):
    line = "13/01/24 18:06 - Anna: " + "very long " * 30
    message = refusal(write(tmp_path, f"13/01/24, 18:00 - Anna: hello\n{line}\n"))
    quoted = message.split('"')[1]
    assert len(quoted) == 80 and quoted.endswith("…") and message.startswith("line 2: ")


# --- Media markers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "media_name", "omitted", "deleted", "text"),
    [
        ("<Media omitted>", None, True, False, ""),
        ("<Medien ausgeschlossen>", None, True, False, ""),
        ("<Médias omis>", None, True, False, ""),
        ("<Multimedia omitido>", None, True, False, ""),
        ("IMG-20241231-WA0001.jpg (file attached)", "IMG-20241231-WA0001.jpg", False, False, ""),
        ("DOC-20241231-WA0002.pdf (Datei angehängt)", "DOC-20241231-WA0002.pdf", False, False, ""),
        ("PTT-20241231-WA0003.opus (fichier joint)", "PTT-20241231-WA0003.opus", False, False, ""),
        ("VID-20241231-WA0004.mp4 (archivo adjunto)", "VID-20241231-WA0004.mp4", False, False, ""),
        ("Team list (final).pdf (file attached)", "Team list (final).pdf", False, False, ""),
        ("This message was deleted", None, False, True, ""),
        ("You deleted this message", None, False, True, ""),
        ("Diese Nachricht wurde gelöscht", None, False, True, ""),
        ("Du hast diese Nachricht gelöscht.", None, False, True, ""),
        ("Ce message a été supprimé", None, False, True, ""),
        ("Se eliminó este mensaje", None, False, True, ""),
        ("Bring the (file attached) form", None, False, False, "Bring the (file attached) form"),
        ("see the (file attached)", None, False, False, "see the (file attached)"),
        ("image omitted from the flyer", None, False, False, "image omitted from the flyer"),
    ],
)
def test_android_media_and_deleted_markers(tmp_path, body, media_name, omitted, deleted, text):
    path = write(tmp_path, f"31.12.24, 21:05 - Anna: {body}\n")
    [entry] = load(path)[1]
    assert (entry.kind, entry.sender) == ("message", "Anna")
    assert (entry.media_name, entry.media_omitted, entry.deleted, entry.text) == (
        media_name,
        omitted,
        deleted,
        text,
    )


@pytest.mark.parametrize(
    ("body", "media_name", "omitted", "deleted"),
    [
        ("image omitted", None, True, False),
        ("video omitted", None, True, False),
        ("audio omitted", None, True, False),
        ("sticker omitted", None, True, False),
        ("GIF omitted", None, True, False),
        ("document omitted", None, True, False),
        ("Bild weggelassen", None, True, False),
        ("Video weggelassen", None, True, False),
        ("Audio weggelassen", None, True, False),
        ("Sticker weggelassen", None, True, False),
        ("Dokument weggelassen", None, True, False),
        ("image absente", None, True, False),
        ("imagen omitida", None, True, False),
        ("<attached: 00000012-PHOTO-2024-12-31-21-05-33.jpg>",
         "00000012-PHOTO-2024-12-31-21-05-33.jpg", False, False),
        ("<Anhang: 00000013-VIDEO-2024-12-31-21-05-33.mp4>",
         "00000013-VIDEO-2024-12-31-21-05-33.mp4", False, False),
        ("<pièce jointe : 00000014-AUDIO-2024-12-31-21-05-33.opus>",
         "00000014-AUDIO-2024-12-31-21-05-33.opus", False, False),
        (f"<pièce jointe{NBSP}: 00000015-PHOTO-2024-12-31-21-05-33.jpg>",
         "00000015-PHOTO-2024-12-31-21-05-33.jpg", False, False),
        ("<adjunto: 00000016-PHOTO-2024-12-31-21-05-33.jpg>",
         "00000016-PHOTO-2024-12-31-21-05-33.jpg", False, False),
        ("This message was deleted.", None, False, True),
        ("You deleted this message.", None, False, True),
        ("Diese Nachricht wurde gelöscht.", None, False, True),
    ],
)  # fmt: skip
def test_ios_media_and_deleted_markers(tmp_path, body, media_name, omitted, deleted):
    path = write(tmp_path, f"{LRM}[31.12.24, 21:05:33] Anna: {LRM}{body}\n")
    [entry] = load(path)[1]
    assert (entry.kind, entry.sender, entry.text) == ("message", "Anna", "")
    assert (entry.media_name, entry.media_omitted, entry.deleted) == (media_name, omitted, deleted)
    assert Counts.of([entry]).media == (1 if media_name or omitted else 0)


def test_sender_with_a_quoted_nickname_is_still_a_sender(tmp_path):
    path = write(
        tmp_path,
        '31.12.24, 21:05 - Tom "Coach" Miller: Training: 10:00\n'
        "31.12.24, 21:06 - Anna hat den Betreff zu „Team: U12“ geändert.\n"
        "31.12.24, 21:07 - Tom “Coach” Miller: ok\n",
    )
    entries = load(path)[1]
    assert [(e.kind, e.sender, e.text) for e in entries] == [
        ("message", 'Tom "Coach" Miller', "Training: 10:00"),
        ("system", None, "Anna hat den Betreff zu „Team: U12“ geändert."),
        ("message", "Tom “Coach” Miller", "ok"),
    ]


def test_ios_system_line_under_the_chats_name_needs_no_known_phrase(tmp_path):
    path = write(
        tmp_path,
        f"[31.12.24, 21:05:33] Elternrat: {LRM}Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt.\n"
        f"[31.12.24, 21:06:00] Elternrat: {LRM}Something WhatsApp says in Klingon\n"
        "[31.12.24, 21:07:00] Anna: Hallo\n",
    )
    info, entries = load(path)
    assert info.chat_name == "Elternrat"
    assert [(e.kind, e.sender) for e in entries] == [
        ("system", None),
        ("system", None),
        ("message", "Anna"),
    ]


# --- Encodings and refusals ---------------------------------------------------------------------


def test_utf8_bom_crlf_and_utf16_exports_read_the_same(tmp_path):
    text = fixture("android_de.txt").read_text(encoding="utf-8")
    expected = load(fixture("android_de.txt"))[1]
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes(text.encode("utf-16"))
    assert load(bom)[1] == expected
    assert load(utf16)[1] == expected


def test_empty_or_blank_file_is_refused(tmp_path):
    assert refusal(fixture("empty.txt")) == "The file is empty."
    assert refusal(write(tmp_path, "\n  \n\n")) == "The file is empty."


def test_file_that_is_not_an_export_is_refused():
    assert refusal(fixture("not_an_export.txt")) == "This file is not a WhatsApp chat export."


def test_latin1_or_bomless_utf16_file_is_refused(tmp_path):
    assert "not UTF-8" in refusal(fixture("latin1.txt"))
    bomless = tmp_path / "utf16le.txt"
    bomless.write_bytes("31.12.24, 21:05 - Anna: Hallo\n".encode("utf-16-le"))
    assert "not UTF-8" in refusal(bomless)


def test_bad_utf8_after_the_first_64k_fails_the_import_mid_stream(tmp_path):
    good = "".join(f"31.12.24, 21:{i % 60:02d} - Anna: message {i}\n" for i in range(3000))
    path = tmp_path / "late.txt"
    path.write_bytes(good.encode() + "31.12.24, 22:00 - Jürgen: Grüße\n".encode("latin-1"))
    assert "not UTF-8" in refusal(path)


def test_absurdly_long_line_is_refused(tmp_path):
    path = write(tmp_path, "31.12.24, 21:05 - Anna: " + "x" * (2**20 + 10) + "\n")
    assert "longer than WhatsApp allows" in refusal(path)


def test_parse_streams_and_the_source_can_be_read_twice():
    with ExportSource.open(fixture("android_en_24h.txt")) as source:
        first = list(source.lines())
        assert list(source.lines()) == first
        entries = parse(source, detect(source))
        assert next(entries).index == 0
        assert next(entries).text == 'Anna Schmidt created group "FC Kreuzberg U12"'


# --- Zips ---------------------------------------------------------------------------------------


def test_ios_zip_with_media_is_read_and_media_can_be_opened(tmp_path):
    photo = "00000012-PHOTO-2024-01-05-21-07-30.jpg"
    path = make_zip(
        tmp_path / "WhatsApp Chat - Lions U10.zip",
        {"_chat.txt": fixture("ios_en.txt").read_bytes(), photo: JPEG},
    )
    with ExportSource.open(path) as source:
        info = detect(source)
        entries = list(parse(source, info))
        assert source.media_names() == [photo]
        with source.open_media(photo) as media:
            assert media.read() == JPEG
        with pytest.raises(WhatsAppImportError):
            source.open_media("../_chat.txt")
    assert info.chat_name == "Lions U10"
    assert entries == load(fixture("ios_en.txt"))[1]
    assert [e.media_name for e in entries if e.media_name] == [photo]


def test_android_zip_names_the_chat_in_its_text_file(tmp_path):
    path = make_zip(
        tmp_path / "export.zip",
        {
            "WhatsApp Chat with FC Kreuzberg U12.txt": fixture("android_en_24h.txt").read_bytes(),
            "IMG-20240113-WA0001.jpg": JPEG,
            "notes.txt": "a shared text document",
        },
    )
    info, entries = load(path)
    assert info.chat_name == "FC Kreuzberg U12"
    assert counts(entries) == (6, 9, 2, 3)
    with ExportSource.open(path) as source:
        assert source.media_names() == ["IMG-20240113-WA0001.jpg", "notes.txt"]


def test_media_over_the_size_cap_is_not_opened(tmp_path):
    path = make_zip(
        tmp_path / "a.zip", {"_chat.txt": fixture("ios_de.txt").read_bytes(), "big.jpg": JPEG * 10}
    )
    with (
        ExportSource.open(path, max_media_bytes=100) as source,
        pytest.raises(WhatsAppImportError, match="too large"),
    ):
        source.open_media("big.jpg")


@pytest.mark.parametrize(
    "name",
    ["../x.jpg", "media/../../x.jpg", "/etc/passwd", "..\\..\\x.jpg", "C:\\Windows\\x.jpg", "C:x"],
)
def test_zip_with_an_unsafe_path_is_refused(tmp_path, name):
    path = make_zip(tmp_path / "evil.zip", {"_chat.txt": "31.12.24, 21:05 - A: b\n", name: JPEG})
    assert refusal(path) == "The zip contains an unsafe file path and was refused."


def test_zip_with_a_symlink_is_refused(tmp_path):
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("_chat.txt", "31.12.24, 21:05 - A: b\n")
        link = zipfile.ZipInfo("photo.jpg")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    assert refusal(path) == "The zip contains an unsafe file path and was refused."


def test_zip_bomb_is_refused(tmp_path):
    path = make_zip(
        tmp_path / "bomb.zip",
        {"_chat.txt": fixture("ios_en.txt").read_bytes(), "zeros.jpg": bytes(50 * 2**20)},
        compresslevel=1,
    )
    assert path.stat().st_size < 2**20
    assert refusal(path) == "The zip is packed suspiciously tightly and was refused."


def test_zip_larger_than_the_allowed_total_is_refused(tmp_path):
    path = make_zip(
        tmp_path / "big.zip",
        {"_chat.txt": fixture("ios_en.txt").read_bytes(), "a.jpg": JPEG * 100},
        compression=zipfile.ZIP_STORED,
    )
    assert refusal(path, max_total_bytes=2000) == "The zip is too large when unpacked."


def test_truncated_or_fake_zip_is_refused(tmp_path):
    good = make_zip(tmp_path / "good.zip", {"_chat.txt": fixture("ios_en.txt").read_bytes()})
    data = good.read_bytes()
    for cut in (len(data) // 2, len(data) - 10):
        truncated = tmp_path / f"cut{cut}.zip"
        truncated.write_bytes(data[:cut])
        assert refusal(truncated) == "The zip file is damaged or incomplete."
    fake = tmp_path / "fake.zip"
    fake.write_bytes(b"hello, I am not a zip")
    assert refusal(fake) == "The zip file is damaged or incomplete."


def test_zip_with_corrupted_chat_text_fails_the_import(tmp_path):
    good = make_zip(
        tmp_path / "good.zip",
        {"_chat.txt": fixture("ios_en.txt").read_bytes()},
        compression=zipfile.ZIP_STORED,
    )
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(good.read_bytes().replace(b"Practice", b"Prbctice"))
    assert refusal(corrupt) == "The zip file is damaged or incomplete."


def test_zip_without_chat_text_is_refused(tmp_path):
    path = make_zip(tmp_path / "photos.zip", {"IMG-1.jpg": JPEG, "IMG-2.jpg": JPEG})
    assert refusal(path) == "The zip has no WhatsApp chat text file."


def test_zip_with_an_empty_or_latin1_chat_is_refused(tmp_path):
    empty = make_zip(tmp_path / "empty.zip", {"_chat.txt": b""})
    assert refusal(empty) == "The chat file in the zip is empty."
    latin1 = make_zip(tmp_path / "l1.zip", {"_chat.txt": fixture("latin1.txt").read_bytes()})
    assert "not UTF-8" in refusal(latin1)


def test_password_protected_zip_is_refused(tmp_path):
    # zipfile cannot encrypt, so set the "encrypted" flag bit in both headers by hand.
    path = make_zip(tmp_path / "locked.zip", {"_chat.txt": "31.12.24, 21:05 - A: b\n"})
    data = bytearray(path.read_bytes())
    data[data.find(b"PK\x03\x04") + 6] |= 0x1
    data[data.find(b"PK\x01\x02") + 8] |= 0x1
    path.write_bytes(bytes(data))
    assert refusal(path) == "The zip is password-protected."
