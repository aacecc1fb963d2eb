"""WhatsApp chat export parser (SPEC §13): streaming, dependency-free, careful with zips.

Use it in two passes over the same source; memory stays flat however big the export is:

    with ExportSource.open(path) as source:     # .txt or .zip; refuses unsafe input up front
        info = detect(source)                    # pass 1: line format, date order, language
        counts = Counts()
        for entry in parse(source, info):        # pass 2: one Entry at a time
            counts.add(entry)

Public API:
    ExportSource.open(path, *, max_total_bytes=500 MiB, max_media_bytes=100 MiB) -> ExportSource
        .lines() -> Iterator[str]          re-iterable, streams the chat text, newline stripped
        .media_names() -> list[str]        file names of the zip's other members
        .open_media(name) -> BinaryIO      one member, size-capped (a read error is BadZipFile)
        .chat_name_hint -> str | None      from "WhatsApp Chat with X.txt" / "WhatsApp Chat - X.zip"
    detect(source, date_order=None) -> ExportInfo     date_order: None | "dmy" | "mdy" | "ymd"
    parse(source, info) -> Iterator[Entry]
    Entry(index, at, sender, text, kind, media_name, media_omitted, deleted)   frozen
    ExportInfo(date_order, language, platform, chat_name, clock, line_format)  frozen
    Counts() / Counts.add(entry) / Counts.of(entries)
    WhatsAppImportError(ValueError): .message is short and fit to show a person.

`ExportSource` and the zip checks live in `whatsapp_source.py` (re-exported here); the line
prefix (dates, times, 12 h clocks, frames) in `whatsapp_header.py`; what WhatsApp writes in each
language (media placeholders, deletions, notices) in the tables of `whatsapp_phrases.py`, read
by the matchers of `whatsapp_text.py`.

Rules:
- Not an export: no line among the first 20 non-empty ones has a known date/time prefix. A file
  whose first such line has a date and time in a shape the parser does not know is refused
  naming that line: `line N: "<the line>" — <hint>`.
- The line format (frame, separators, year position, seconds, 12/24 h clock) is fixed from the
  first message lines; afterwards only a line of that exact shape starts an entry, so a body
  line such as "31.12.24 we meet at 10" stays in its message. A line that starts with a date and
  a time in the export's frame but in another shape is refused the same way, never merged into
  the message before it. Invisible marks (BOM, LRM/RLM, bidi controls) before or inside a
  prefix do not hide it, and are dropped from senders and texts.
- Date order: the `date_order` argument; else every entry line read in pass 1 rules orders out
  (a first field over 12 is no month, a second field over 12 no month either, a four-digit
  first field is the year); lines that rule out both day- and month-first refuse the import.
  Where the file cannot decide: a 12 h clock written "AM"/"PM" with slashes in English (or an
  unknown language) is month first (US); everything else is day first. Two-digit years written
  first need `date_order="ymd"`. A date impossible in the chosen order refuses the import.
- Entry.at is naive local time exactly as written; the importer localises it.
- kind="system" for WhatsApp's own lines: Android lines without "Name: "; iOS lines without a
  sender, or whose text comes under the chat's name, or is marked (U+200E) and reads like a
  notice of any known language. System entries have sender None.
- Media: Entry.media_name is an attached file name (`<attached: x>`, `x (file attached)`, ...);
  media_omitted marks `<Media omitted>`, `image omitted` and kin; text keeps only the caption.
  Deleted placeholders are messages with deleted=True, their sender kept and empty text.
- Encoding: UTF-8 with or without BOM, and UTF-16 with a BOM. Anything else (Latin-1, UTF-16
  without BOM) is refused: guessing would put wrong characters into a read-only archive. The
  first 64 KiB are checked when opening; a bad byte later fails `parse` mid-stream, so the
  caller treats an import as all or nothing (SPEC §13).
- Zips: refused whole for a damaged/truncated archive, an unsafe member path (absolute, drive,
  "..", also via backslashes), symlinks, encryption, a member over 1 MiB packed more than 100:1,
  more than `max_total_bytes` unpacked, or no chat text. Nothing is ever extracted to disk.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from groupbox.domain.migration.whatsapp_header import (
    DATE_ORDERS,
    MARKS,
    ORDER_WORDS,
    DateOrder,
    LineFormat,
    ampm_spaced,
    first_orders,
    fits,
    format_of,
    line_error,
    looks_like_entry,
    loose_match,
    prefix_example,
    timestamp,
)
from groupbox.domain.migration.whatsapp_source import (
    MAX_LINE,
    MAX_MEDIA_BYTES,
    MAX_TOTAL_BYTES,
    ExportSource,
    WhatsAppImportError,
)
from groupbox.domain.migration.whatsapp_text import (
    LRM_RLM,
    NAME_MAX,
    attached,
    encryption_notice,
    file_attached,
    language_clue,
    notice,
    omitted_tail,
    placeholder,
    split_sender,
    unmarked,
)

__all__ = [
    "MAX_MEDIA_BYTES",
    "MAX_TOTAL_BYTES",
    "Counts",
    "DateOrder",
    "Entry",
    "ExportInfo",
    "ExportSource",
    "LineFormat",
    "WhatsAppImportError",
    "detect",
    "parse",
]

SNIFF_LINES = 20  # a message line must appear among the first non-empty lines
FORMAT_SAMPLE = 25  # message lines that fix the line format
_LANGUAGE_VOTES = 3  # hits for one language before the first pass stops looking
_LANGUAGE_LINES = 5000  # entry lines searched for language clues at most (they come early)

Kind = Literal["message", "system"]


@dataclass(frozen=True, slots=True)
class Entry:
    index: int
    at: datetime
    sender: str | None
    text: str
    kind: Kind = "message"
    media_name: str | None = None
    media_omitted: bool = False
    deleted: bool = False

    @property
    def has_media(self) -> bool:
        return self.media_name is not None or self.media_omitted


@dataclass(frozen=True)
class ExportInfo:
    date_order: DateOrder
    language: str | None  # a key of whatsapp_phrases.LANGUAGES ("en", "pt-BR", ...) or None
    platform: Literal["android", "ios"]
    chat_name: str | None
    clock: Literal["12h", "24h"]
    line_format: LineFormat = field(repr=False)


@dataclass
class Counts:
    """SPEC §13 import counts, and how many messages are deletion placeholders."""

    messages: int = 0
    system_messages: int = 0
    media: int = 0
    participants: int = 0
    deleted: int = 0
    _senders: set[str] = field(default_factory=set, repr=False, compare=False)

    def add(self, entry: Entry) -> None:
        if entry.kind == "system":
            self.system_messages += 1
        else:
            self.messages += 1
            self.deleted += entry.deleted
            if entry.sender not in self._senders:
                self._senders.add(entry.sender)
                self.participants += 1
        if entry.media_name is not None or entry.media_omitted:
            self.media += 1

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> Counts:
        counts = cls()
        for entry in entries:
            counts.add(entry)
        return counts


# --- Pass 1 -------------------------------------------------------------------------------------


def detect(source: ExportSource, date_order: str | None = None) -> ExportInfo:
    """Scan line prefixes to fix the format, date order, language and chat name."""
    if date_order is not None and date_order not in DATE_ORDERS:
        raise ValueError(f"date_order must be one of {DATE_ORDERS}, not {date_order!r}")
    scan = _Scan(source.chat_name_hint, date_order)
    samples: list[tuple[LineFormat, re.Match[str], int, str]] = []
    fmt: LineFormat | None = None
    strict = None
    nonempty = 0
    for number, line in enumerate(source.lines(), 1):
        if fmt is None:
            if not line or line.isspace():
                continue
            nonempty += 1
            m = loose_match(line)
            if m is None:
                if not samples and (looks_like_entry(line, True) or looks_like_entry(line, False)):
                    raise line_error(number, line, "groupbox cannot read this date and time format; "
                                                   "export the chat again from WhatsApp, unedited")
                if not samples and nonempty >= SNIFF_LINES:
                    raise WhatsAppImportError("This file is not a WhatsApp chat export.")
                continue
            samples.append((format_of(m), m, number, line))
            if len(samples) < FORMAT_SAMPLE:
                continue
            fmt = scan.take_samples(samples)
            strict = fmt.pattern().match
        else:
            m = strict(line)
            if m is None:
                continue
            scan.take(m, number, line, fmt)
        if scan.enough(fmt):
            break
    if fmt is None:
        if not samples:
            if nonempty == 0:
                raise WhatsAppImportError("The file is empty.")
            raise WhatsAppImportError("This file is not a WhatsApp chat export.")
        fmt = scan.take_samples(samples)
    return scan.info(fmt)


class _Scan:
    """What the first pass has learnt so far."""

    def __init__(self, chat_name_hint: str | None, date_order: str | None):
        self.forced = date_order
        self.orders: set[str] = set()
        self.votes: Counter[str] = Counter()
        self.language_known = False
        self.language_lines = 0
        self.chat_name: str | None = None
        self.chat_name_hint = chat_name_hint
        self.spaced: bool | None = None  # "p. m." rather than "PM"

    def take_samples(self, samples: list[tuple[LineFormat, re.Match[str], int, str]]) -> LineFormat:
        fmt = Counter(s[0] for s in samples).most_common(1)[0][0]
        self.orders = first_orders(fmt)
        for key, m, number, line in samples:
            if key == fmt:
                self.take(m, number, line, fmt)
        return fmt

    def take(self, m: re.Match[str], number: int, line: str, fmt: LineFormat) -> None:
        self._rule_out(int(m["a"]), int(m["b"]), int(m["c"]), number, line, fmt)
        rest = line[m.end() :]
        if not self.language_known:
            language = language_clue(rest)
            if language is not None:
                self.votes[language] += 1
                self.language_known = self.votes[language] >= _LANGUAGE_VOTES
            self.language_lines += 1
            if self.language_lines >= _LANGUAGE_LINES:
                self.language_known = True  # what was found by now is all there will be
        if fmt.ios and self.chat_name is None:
            text = rest.lstrip(MARKS)
            i = text.find(": ")
            if 0 < i <= NAME_MAX and encryption_notice(text, i):
                self.chat_name = unmarked(text[:i]).strip()
        if self.spaced is None and fmt.twelve_hour:
            self.spaced = ampm_spaced(m)

    def _rule_out(self, a: int, b: int, c: int, number: int, line: str, fmt: LineFormat) -> None:
        if self.forced is not None:
            return
        left = {order for order in self.orders if fits(order, a, b, c, fmt)}
        if not left:
            if any(fits(order, a, b, c, fmt) for order in first_orders(fmt)):
                raise line_error(number, line, "the dates in this file mix day-first and month-first "
                                               "order; choose the date order (dmy, mdy or ymd)")
            order = next(iter(self.orders))
            raise line_error(number, line, f"this date is impossible with the {ORDER_WORDS[order]}")
        self.orders = left

    def enough(self, fmt: LineFormat | None) -> bool:
        return (
            fmt is not None
            and self.language_known
            and (self.forced is not None or len(self.orders) == 1)
            and (not fmt.ios or self.chat_name is not None)
        )

    def info(self, fmt: LineFormat) -> ExportInfo:
        language = self.votes.most_common(1)[0][0] if self.votes else None
        if language is None and "à" in fmt.joiner:
            language = "fr"
        elif language is None and fmt.twelve_hour and self.spaced:
            language = "es"  # "9:05 p. m." is how Spanish writes a 12 h clock
        order = self.forced
        if order is None and len(self.orders) == 1:
            order = next(iter(self.orders))
        elif order is None:
            us = fmt.twelve_hour and not self.spaced and fmt.date_sep == "/" and language in (None, "en")
            order = "mdy" if us else "dmy"
        return ExportInfo(
            date_order=order,  # type: ignore[arg-type]
            language=language,
            platform="ios" if fmt.ios else "android",
            chat_name=self.chat_name or self.chat_name_hint,
            clock="12h" if fmt.twelve_hour else "24h",
            line_format=fmt,
        )


# --- Pass 2 -------------------------------------------------------------------------------------


def parse(source: ExportSource, info: ExportInfo) -> Iterator[Entry]:
    """Yield entries in file order. Lines before the first entry are dropped (never messages)."""
    fmt = info.line_format
    match = fmt.pattern().match
    order = info.date_order
    ios = fmt.ios
    chat_name = info.chat_name
    index = 0
    at: datetime | None = None
    head = ""
    more: list[str] = []
    size = 0
    example = ""
    for number, line in enumerate(source.lines(), 1):
        m = match(line)
        if m is not None:
            stamp = timestamp(m, order, number, line)
            if at is not None:
                yield _entry(index, at, head, more, ios, chat_name)
                index += 1
                if more:
                    more = []
            else:
                example = prefix_example(line, m)
            at = stamp
            head = line[m.end() :]
            size = len(head)
        elif looks_like_entry(line, ios):
            like = f' ("{example.strip()}")' if example else ""
            raise line_error(number, line, "this line starts like a message, but its date and time are "
                                           f"not written like the export's other lines{like}; "
                                           "was the file edited?")
        elif at is not None:
            size += len(line) + 1
            if size > MAX_LINE:
                raise line_error(number, line, "a message is longer than WhatsApp allows; "
                                               "this does not look like an export")
            more.append(line)
    if at is not None:
        yield _entry(index, at, head, more, ios, chat_name)


def _entry(
    index: int, at: datetime, head: str, more: list[str], ios: bool, chat_name: str | None
) -> Entry:
    marked = head.startswith(LRM_RLM)
    head = head.lstrip(MARKS)
    sender, raw = split_sender(head)
    if sender is None:
        return Entry(index, at, None, _join(head, more), "system")
    marked = marked or raw.startswith(LRM_RLM)
    body = unmarked(raw)
    media_name = None
    omitted = deleted = False
    kind = placeholder(body)
    if kind is not None:
        omitted, deleted = kind == "media_omitted", kind == "deleted"
        body = ""
    elif "<" in body and (found := attached(body)) is not None:
        media_name, body = found
    elif body.endswith(")") and (name := file_attached(body)) is not None:
        media_name, body = name, ""
    elif not raw.isascii() and (caption := omitted_tail(raw)) is not None:
        omitted, body = True, caption
    elif ios and notice(body, sender == chat_name, marked):
        return Entry(index, at, None, _join(body, more), "system")
    return Entry(index, at, sender, _join(body, more), "message", media_name, omitted, deleted)


def _join(first: str, more: list[str]) -> str:
    text = first
    if more:
        text = first + "\n" + "\n".join(more) if first else "\n".join(more)
    return unmarked(text)
