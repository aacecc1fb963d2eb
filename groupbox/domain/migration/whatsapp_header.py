"""The line prefix that starts every entry of a WhatsApp export: date, time and frame (SPEC §13).

Shapes read, in any combination:
- frame: iOS `[DATE TIME] ` or Android `DATE TIME - `;
- date: three numbers split by `/`, `.`, `-` (or `. `), 1–2 digit day and month, a 2- or
  4-digit year first or last, an optional final `.` (`2022. 06. 30.`); any digits Unicode
  calls decimal (Arabic-Indic too);
- between date and time: `, `, ` `, `، ` and an optional short word (`à`, `um`, `kl.`);
- time: `21:05`, `21.05`, with or without seconds; a 12 h clock's marker after
  (`9:05 PM`, `9:05 p. m.`, with a narrow no-break space) or before (`오후 2:05`), from
  the phrase tables;
- invisible marks (BOM, LRM/RLM, bidi embeddings and isolates) anywhere between the parts.

A file's entries all share one exact shape (`LineFormat`), fixed from its first entry lines.
A later line that starts with a date and a time in the same frame but not in that shape is
neither an entry nor a continuation: the import is refused naming the line (`line_error`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Literal

from groupbox.domain.migration.whatsapp_phrases import LANGUAGES
from groupbox.domain.migration.whatsapp_source import WhatsAppImportError

DateOrder = Literal["dmy", "mdy", "ymd"]
DATE_ORDERS: tuple[DateOrder, ...] = ("dmy", "mdy", "ymd")

# Invisible marks WhatsApp (or the phone) writes around names, numbers and line starts.
MARKS = "\ufeff\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
DROP_MARKS = str.maketrans("", "", MARKS)
_M = f"[{MARKS}]*+"  # possessive: a run of marks or spaces is never re-read (no quadratic lines)
_SP = "[ \u00a0\u202f]"
_GAP = f"[ \u00a0\u202f{MARKS}]"  # white space, with marks between


def _clock_words() -> dict[str, str]:
    words: dict[str, str] = {}
    for table in LANGUAGES.values():
        for half in ("am", "pm"):
            for word in table.get(half, ()):
                words.setdefault(_clock_key(word), half)
    return words


def _clock_key(word: str) -> str:
    return re.sub(r"[\s.\u00a0\u202f]", "", word).casefold()


_CLOCK_WORDS = _clock_words()
_LISTED_AMPM = "|".join(
    re.escape(word).replace(r"\ ", f"{_SP}*")
    for word in sorted({w for t in LANGUAGES.values() for h in ("am", "pm") for w in t.get(h, ())},
                       key=len, reverse=True)
)
# Latin a/p + m in every spelling ("AM", "p.m.", "a. m.", "p.\u00a0m."), then the tables' words.
_AMPM = rf"(?i:[ap]\.?{_SP}?m\.?(?![^\W\d_])|{_LISTED_AMPM})"

_LOOSE = re.compile(
    rf"{_M}(?P<open>\[)?{_M}"
    rf"(?P<a>\d{{4}}|\d{{1,2}}){_M}(?P<sep>[./-])(?P<sep_sp>{_SP}?){_M}(?P<b>\d{{1,2}}){_M}"
    rf"(?P=sep)(?P=sep_sp){_M}(?P<c>\d{{4}}|\d{{1,2}})(?P<end>\.)?{_M}"
    rf"(?P<join>(?:[,،]{_GAP}*+|{_M}{_SP}{_GAP}*+)(?:(?!{_AMPM})[^\W\d_]{{1,4}}\.?{_GAP}++)?){_M}"
    rf"(?:(?P<pre>{_AMPM}){_SP}*{_M})?"
    rf"(?P<h>\d{{1,2}})(?P<tsep>[:.])(?P<mi>\d{{2}})(?:(?P=tsep)(?P<s>\d{{2}}))?{_M}"
    rf"(?:{_SP}*(?P<post>{_AMPM}))?{_M}"
    rf"(?(open)\]{_M}(?:{_SP}|$)|{_SP}(?P<dash>[-–]){_M}(?:{_SP}|$))"
)
# Starts like an entry (a date, soon a time, a frame) without being one of the shapes above.
_HEADERISH = re.compile(
    rf"{_M}(?P<open>\[)?{_M}\d{{1,4}}{_M}[./\-,]{_SP}?{_M}\d{{1,2}}{_M}[./\-,]{_SP}?{_M}\d{{1,4}}"
    rf"[^\d\n]{{0,12}}?\d{{1,2}}[:.h]\d{{2}}(?:[:.]\d{{2}})?{_M}"
    rf"(?:{_SP}*+[^\s\d\[\]\-–]{{1,10}}(?:{_SP}[^\s\d\[\]\-–]{{1,2}}\.)?)?{_M}"  # "odp.", "p. m."
    rf"(?(open){_SP}*+\]|{_SP}[-–](?:{_SP}|$))"
)
_HEADERISH_START = frozenset("[" + MARKS)


@dataclass(frozen=True, slots=True)
class LineFormat:
    """The exact prefix every entry line of one export shares."""

    ios: bool
    date_sep: str  # "/", ".", "-", ". "
    date_end: str  # "." after the last field ("2022. 06. 30."), else ""
    long_field: int | None  # which date field has four digits (0: year first, 2: year last)
    joiner: str  # between date and time: ", ", " ", " à ", "، "
    time_sep: str  # ":" or "."
    seconds: bool
    ampm: Literal["", "before", "after"]  # where a 12 h clock's marker stands
    dash: str  # Android's separator before "Name: "; "" on iOS

    @property
    def twelve_hour(self) -> bool:
        return self.ampm != ""

    def pattern(self) -> re.Pattern[str]:
        return _compile(self)


def loose_match(line: str) -> re.Match[str] | None:
    """Any known entry prefix, whatever its shape (the first pass looks for these)."""
    return _LOOSE.match(line)


def format_of(m: re.Match[str]) -> LineFormat:
    long_field = 0 if len(m["a"]) == 4 else 2 if len(m["c"]) == 4 else None
    return LineFormat(
        ios=m["open"] is not None,
        date_sep=m["sep"] + (" " if m["sep_sp"] else ""),
        date_end=m["end"] or "",
        long_field=long_field,
        joiner=re.sub(r"[ \u00a0\u202f]+", " ", m["join"].translate(DROP_MARKS)),
        time_sep=m["tsep"],
        seconds=m["s"] is not None,
        ampm="before" if m["pre"] else "after" if m["post"] else "",
        dash=m["dash"] or "",
    )


@lru_cache(maxsize=32)
def _compile(fmt: LineFormat) -> re.Pattern[str]:
    # The loose pattern's group names; the parts this format lacks match empty.
    sep = re.escape(fmt.date_sep[0]) + (_SP if len(fmt.date_sep) > 1 else "")
    fields = [r"\d{4}" if i == fmt.long_field else r"\d{1,2}" for i in range(3)]
    joiner = "".join(f"{_M}{_SP}{_GAP}*+" if ch == " " else re.escape(ch) + _M for ch in fmt.joiner)
    tsep = re.escape(fmt.time_sep)
    return re.compile(
        _M + (r"\[" if fmt.ios else "") + _M
        + rf"(?P<a>{fields[0]}){_M}{sep}{_M}(?P<b>{fields[1]}){_M}{sep}{_M}(?P<c>{fields[2]})"
        + re.escape(fmt.date_end) + _M + joiner + _M
        + (rf"(?P<pre>{_AMPM}){_SP}*{_M}" if fmt.ampm == "before" else "(?P<pre>)")
        + rf"(?P<h>\d{{1,2}}){tsep}(?P<mi>\d{{2}})"
        + (rf"{tsep}(?P<s>\d{{2}})" if fmt.seconds else "(?P<s>)") + _M
        + (rf"{_SP}*(?P<post>{_AMPM}){_M}" if fmt.ampm == "after" else "(?P<post>)")
        + (rf"\]{_M}(?:{_SP}|$)" if fmt.ios else rf"{_SP}{re.escape(fmt.dash)}{_M}(?:{_SP}|$)")
    )


def looks_like_entry(line: str, ios: bool) -> bool:
    """A line that starts with a date and a time in this export's frame (iOS brackets or
    Android's dash), whether or not its shape is one the parser knows."""
    if not line or not (line[0] in _HEADERISH_START or line[0].isdigit()):
        return False
    m = _HEADERISH.match(line)
    return m is not None and (m["open"] is not None) == ios


def ampm_spaced(m: re.Match[str]) -> bool:
    """"p. m." (Spanish and kin), not "PM"/"p.m." (English)."""
    word = m["pre"] or m["post"] or ""
    return any(ch in " \u00a0\u202f" for ch in word.strip(" \u00a0\u202f"))


# --- Day, month and year ------------------------------------------------------------------------


def fits(order: str, a: int, b: int, c: int, fmt: LineFormat) -> bool:
    """Whether a date's three numbers make sense in this order (the day is checked against its
    month later, when the entry is read)."""
    if order == "ymd":
        return fmt.long_field != 2 and 1 <= b <= 12 and 1 <= c <= 31
    if fmt.long_field == 0:
        return False
    day, month = (a, b) if order == "dmy" else (b, a)
    return 1 <= day <= 31 and 1 <= month <= 12


def first_orders(fmt: LineFormat) -> set[str]:
    """The orders auto-detection weighs: year first only when the year has four digits there
    (two-digit years first cannot be told from day first: that takes --date-order ymd)."""
    return {"ymd"} if fmt.long_field == 0 else {"dmy", "mdy"}


def timestamp(m: re.Match[str], order: str, number: int, line: str) -> datetime:
    """The entry's wall-clock time, from a match of `LineFormat.pattern()`."""
    a, b, c, pre, h, mi, s, post = m.groups()  # that pattern's only groups, in this order
    if order == "ymd":
        year, month, day = a, b, c
    elif order == "mdy":
        month, day, year = a, b, c
    else:
        day, month, year = a, b, c
    y = int(year)
    if y < 100:
        y += 2000
    if not FIRST_YEAR <= y <= LAST_YEAR:
        raise line_error(number, line, f"WhatsApp did not write the year {y}; the export may use a calendar "
                                       "groupbox cannot read (set the phone to the Gregorian calendar)")
    hour = int(h)
    word = pre or post
    if word:
        hour = 99 if hour > 12 else hour % 12 + (12 if clock_half(word) == "pm" else 0)
    try:
        return datetime(y, int(month), int(day), hour, int(mi), int(s) if s else 0)
    except ValueError:
        raise line_error(number, line, f"this date or time is impossible with the {ORDER_WORDS[order]};"
                                       " choose another date order") from None


def clock_half(word: str) -> str:
    key = _clock_key(word)
    return _CLOCK_WORDS.get(key) or ("pm" if key[:1] == "p" else "am")


FIRST_YEAR, LAST_YEAR = 2009, 2199  # WhatsApp's first year; Thai (2566) and Jalali (1402) years fall outside
ORDER_WORDS = {"dmy": "day first (dmy)", "mdy": "month first (mdy)", "ymd": "year first (ymd)"}

# --- Refusals naming a line ---------------------------------------------------------------------

_SHOWN = 80
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def line_error(number: int, line: str, hint: str) -> WhatsAppImportError:
    """`line N: "<the line>" — <hint>`: one line, fit to show a person."""
    shown = _CONTROL_RE.sub(" ", line.translate(DROP_MARKS)).strip()
    if len(shown) > _SHOWN:
        shown = shown[: _SHOWN - 1] + "…"
    return WhatsAppImportError(f'line {number}: "{shown}" — {hint}')


def prefix_example(line: str, m: re.Match[str]) -> str:
    """The prefix of an entry line as written (marks dropped), to show what lines should look like."""
    return line[: m.end()].translate(DROP_MARKS)
