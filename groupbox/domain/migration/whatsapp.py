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
    detect(source, date_order=None) -> ExportInfo          date_order: None | "dmy" | "mdy"
    parse(source, info) -> Iterator[Entry]
    Entry(index, at, sender, text, kind, media_name, media_omitted, deleted)   frozen
    ExportInfo(date_order, language, platform, chat_name, clock, line_format)  frozen
    Counts() / Counts.add(entry) / Counts.of(entries)
    WhatsAppImportError(ValueError): .message is short and fit to show a person.

`ExportSource` and the zip checks live in `whatsapp_source.py` (re-exported here); it also
offers `.chat_bytes()` (the chat text's raw bytes, for the importer's duplicate check).

Rules:
- Not an export: no line among the first 20 non-empty ones has a known date/time prefix.
- The line format (platform, separators, year digits, seconds, 12/24 h clock) is fixed from the
  first message lines; afterwards only a line matching that exact prefix starts an entry, so a
  body line such as "31.12.24 we meet at 10" stays in its message.
- Day/month order: the `date_order` argument, else the whole file (a first field over 12 means
  day first, a second field over 12 month first; both at once is refused), else the file's
  clues: dotted dates are day first; a 12 h clock in English (or unknown language) is month
  first (US); everything else is day first. Pass 1 stops early once it knows the order, the
  language and (iOS) the chat's name; a date impossible in the chosen order refuses the import.
- Entry.at is naive local time exactly as written; the importer localises it.
- kind="system" for WhatsApp's own lines: Android lines without "Name: "; iOS lines without a
  sender, or whose LRM-marked text comes under the chat's name or reads like a system notice.
  System entries have sender None.
- Media: Entry.media_name is an attached file name (`<attached: x>`, `x (file attached)`, ...);
  media_omitted marks `<Media omitted>`, `image omitted` and kin; text keeps only the caption.
  Deleted placeholders are messages with deleted=True and empty text. U+200E marks are dropped.
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
from functools import lru_cache
from typing import Literal

from groupbox.domain.migration.whatsapp_source import (
    MAX_LINE,
    MAX_MEDIA_BYTES,
    MAX_TOTAL_BYTES,
    ExportSource,
    WhatsAppImportError,
)

__all__ = [
    "MAX_MEDIA_BYTES",
    "MAX_TOTAL_BYTES",
    "Counts",
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
_NAME_MAX = 100
_LRM = "\u200e"
_COLON_LRM = ": \u200e"
_NAME_STRIP = " \u00a0\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

Kind = Literal["message", "system"]
DateOrder = Literal["dmy", "mdy"]


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


@dataclass(frozen=True, slots=True)
class LineFormat:
    """The exact prefix every entry line of one export shares."""

    ios: bool
    date_sep: str
    joiner: str  # between date and time: ", ", " ", " à ", ", à "
    year_digits: int
    seconds: bool
    twelve_hour: bool
    dash: str  # Android's separator before "Name: "; "" on iOS

    def pattern(self) -> re.Pattern[str]:
        return _compile(self)


@dataclass(frozen=True)
class ExportInfo:
    date_order: DateOrder
    language: str | None  # "en" | "de" | "fr" | "es" | None
    platform: Literal["android", "ios"]
    chat_name: str | None
    clock: Literal["12h", "24h"]
    line_format: LineFormat = field(repr=False)


@dataclass
class Counts:
    """SPEC §13 import counts."""

    messages: int = 0
    system_messages: int = 0
    media: int = 0
    participants: int = 0
    _senders: set[str] = field(default_factory=set, repr=False, compare=False)

    def add(self, entry: Entry) -> None:
        if entry.kind == "system":
            self.system_messages += 1
        else:
            self.messages += 1
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


# --- Line prefixes ------------------------------------------------------------------------------

_AMPM = r"[ \u202f\u00a0]?([AaPp])\.?[ \u202f\u00a0]?[Mm]\.?"
_LOOSE = re.compile(
    r"\u200e?(\[)?(\d{1,2})([./-])(\d{1,2})\3(\d{4}|\d{2})(,? à |,? )"
    r"(\d{1,2}):(\d{2})(:\d{2})?([ \u202f\u00a0]?[AaPp]\.?([ \u202f\u00a0]?)[Mm]\.?)?"
    r"(?(1)\] | ([-–]) )"
)


@lru_cache(maxsize=32)
def _compile(fmt: LineFormat) -> re.Pattern[str]:
    # Always seven groups: day-or-month, month-or-day, year, hour, minute, second, am/pm.
    sep = re.escape(fmt.date_sep)
    return re.compile(
        (r"\u200e?\[" if fmt.ios else r"\u200e?")
        + rf"(\d{{1,2}}){sep}(\d{{1,2}}){sep}(\d{{{fmt.year_digits}}})"
        + re.escape(fmt.joiner)
        + r"(\d{1,2}):(\d{2})"
        + (r":(\d{2})" if fmt.seconds else "()")
        + (_AMPM if fmt.twelve_hour else "()")
        + (r"\] " if fmt.ios else f" {re.escape(fmt.dash)} ")
    )


def _loose_format(m: re.Match[str]) -> LineFormat:
    return LineFormat(
        ios=m[1] is not None,
        date_sep=m[3],
        joiner=m[6],
        year_digits=len(m[5]),
        seconds=m[9] is not None,
        twelve_hour=m[10] is not None,
        dash=m[12] or "",
    )


# --- Message content ----------------------------------------------------------------------------

_OMITTED = (
    "<media omitted>", "<medien ausgeschlossen>", "<médias omis>", "<multimedia omitido>",
    "<media weggelaten>", "<media omessi>", "<mídia oculta>", "<arquivo de mídia oculto>",
    "image omitted", "video omitted", "audio omitted", "sticker omitted", "gif omitted",
    "document omitted", "contact card omitted", "video note omitted",
    "bild weggelassen", "video weggelassen", "audio weggelassen", "sticker weggelassen",
    "gif weggelassen", "dokument weggelassen", "kontaktkarte ausgelassen",
    "image absente", "vidéo absente", "audio omis", "sticker omis", "gif retiré",
    "document manquant", "fiche contact manquante",
    "imagen omitida", "video omitido", "audio omitido", "sticker omitido", "gif omitido",
    "documento omitido", "tarjeta de contacto omitida",
)  # fmt: skip
_DELETED = (
    "this message was deleted", "you deleted this message",
    "diese nachricht wurde gelöscht", "du hast diese nachricht gelöscht",
    "ce message a été supprimé", "vous avez supprimé ce message",
    "se eliminó este mensaje", "eliminaste este mensaje", "este mensaje fue eliminado",
)  # fmt: skip
_MARKERS = {m: "omitted" for m in _OMITTED} | {m: "deleted" for m in _DELETED}
_MARKER_MAX = max(map(len, _MARKERS)) + 2
_ATTACHED_RE = re.compile(
    r"<(?:attached|anhang|pi[eè]ce jointe|adjunto|allegato|bijlage|anexo)\s?:\s?([^<>]+)>", re.I
)
# Android puts the caption on the lines after "NAME.ext (file attached)".
_FILE_ATTACHED_RE = re.compile(
    r"(.+?\.\w{1,10}) \((?:file attached|datei angehängt|fichier joint|archivo adjunto|"
    r"bestand bijgevoegd|file allegato|arquivo anexado)\)\s*",
    re.I,
)
_DOC_OMITTED_RE = re.compile(
    r"(.*?)\s*(?:document omitted|dokument weggelassen|document manquant|documento omitido)", re.I
)
_DOC_SUFFIXES = ("omitted", "weggelassen", "manquant", "omitido")
_QUOTE_RE = re.compile('["“”„«»]')
# iOS writes some system notices under the chat's name or under a person's; their text starts
# with U+200E. This tells them from a person's LRM-marked text (polls, locations).
_SYSTEM_RE = re.compile(
    r"end-to-end|created (?:the )?group|created this group|\bjoined\b|\bleft\b|\badded\b|"
    r"\bremoved\b|changed (?:the|this|their|to)|security code|now an admin|no longer an admin|"
    r"disappearing messages|"
    r"Ende-zu-Ende|hat die Gruppe|erstellt|beigetreten|verlassen|hinzugefügt|entfernt|geändert|"
    r"Sicherheitsnummer|jetzt Admin|"
    r"de bout en bout|a créé|a rejoint|est parti|a quitté|a ajouté|a retiré|a changé|a modifié|"
    r"code de sécurité|désormais admin|"
    r"de extremo a extremo|creó|se unió|salió|añadió|agregó|eliminó a|cambió|"
    r"código de seguridad|ahora eres admin",
    re.I,
)
_ENCRYPTED_RE = re.compile(r"end-to-end|Ende-zu-Ende|de bout en bout|de extremo a extremo")
_LANGUAGE_RE = re.compile(
    r"(?P<en>end-to-end encrypted|<Media omitted>|\(file attached\)|<attached: |"
    r"(?:image|video|audio|sticker|document) omitted$|created group|"
    r"this group's invite link|This message was deleted|You deleted this message)"
    r"|(?P<de>Ende-zu-Ende-verschlüsselt|<Medien ausgeschlossen>|\(Datei angehängt\)|"
    r"<Anhang: |weggelassen$|hat die Gruppe|Nachricht wurde gelöscht|Einladungslink)"
    r"|(?P<fr>chiffrés de bout en bout|<Médias omis>|\(fichier joint\)|<pièce jointe|"
    r"a créé le groupe|message a été supprimé|avez supprimé ce message|lien d.invitation)"
    r"|(?P<es>cifrados de extremo a extremo|<Multimedia omitido>|\(archivo adjunto\)|"
    r"<adjunto: |creó el grupo|eliminó este mensaje|Eliminaste este mensaje|"
    r"(?:imagen|video|audio|sticker|documento) omitid[oa]$|enlace de invitación)"
)
_LANGUAGE_VOTES = 3  # hits for one language before the first pass stops looking
_LANGUAGE_LINES = 5000  # entry lines searched for language clues at most (they come early)

# --- Pass 1 -------------------------------------------------------------------------------------


def detect(source: ExportSource, date_order: str | None = None) -> ExportInfo:
    """Scan line prefixes to fix the format, day/month order, language and chat name."""
    if date_order not in (None, "dmy", "mdy"):
        raise ValueError(f"date_order must be 'dmy' or 'mdy', not {date_order!r}")
    scan = _Scan(source.chat_name_hint, date_order)
    samples: list[tuple[LineFormat, int, int, str]] = []
    fmt: LineFormat | None = None
    strict = None
    nonempty = 0
    for line in source.lines():
        if fmt is None:
            if not line or line.isspace():
                continue
            nonempty += 1
            m = _LOOSE.match(line)
            if m is None:
                if not samples and nonempty >= SNIFF_LINES:
                    raise WhatsAppImportError("This file is not a WhatsApp chat export.")
                continue
            samples.append((_loose_format(m), int(m[2]), int(m[4]), line[m.end() :]))
            if scan.ampm_space is None and m[10]:
                scan.ampm_space = bool(m[11])
            if len(samples) < FORMAT_SAMPLE:
                continue
            fmt = scan.take_samples(samples)
            strict = fmt.pattern().match
        else:
            m = strict(line)
            if m is None:
                continue
            a, b = int(m[1]), int(m[2])
            if not scan.curious and a <= 12 and b <= 12:
                continue  # nothing new to learn from this line
            scan.take(a, b, line[m.end() :], fmt.ios)
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
        self.date_order = date_order
        self.first_big = self.second_big = False
        self.votes: Counter[str] = Counter()
        self.language_known = False
        self.language_lines = 0
        self.curious = True  # still looking for the language or the chat's name
        self.chat_name: str | None = None
        self.chat_name_hint = chat_name_hint
        self.ampm_space: bool | None = None

    def take_samples(self, samples: list[tuple[LineFormat, int, int, str]]) -> LineFormat:
        fmt = Counter(s[0] for s in samples).most_common(1)[0][0]
        for key, a, b, rest in samples:
            if key == fmt:
                self.take(a, b, rest, fmt.ios)
        return fmt

    def take(self, a: int, b: int, rest: str, ios: bool) -> None:
        if a > 12 and not self.first_big:
            self.first_big = True
        if b > 12 and not self.second_big:
            self.second_big = True
        if self.first_big and self.second_big and self.date_order is None:
            raise WhatsAppImportError("The dates in this file mix day-first and month-first order.")
        if not self.language_known:
            m = _LANGUAGE_RE.search(rest)
            if m is not None:
                self.votes[m.lastgroup] += 1
                self.language_known = self.votes[m.lastgroup] >= _LANGUAGE_VOTES
            self.language_lines += 1
            if self.language_lines >= _LANGUAGE_LINES:
                self.language_known = True  # what was found by now is all there will be
        if ios and self.chat_name is None:
            i = rest.find(_COLON_LRM)
            if i > 0 and _ENCRYPTED_RE.search(rest, i):
                self.chat_name = rest[:i].strip(_NAME_STRIP)
        self.curious = not self.language_known or (ios and self.chat_name is None)

    def enough(self, fmt: LineFormat | None) -> bool:
        return (
            fmt is not None
            and self.language_known
            and (self.date_order is not None or self.first_big or self.second_big)
            and (not fmt.ios or self.chat_name is not None)
        )

    def info(self, fmt: LineFormat) -> ExportInfo:
        date_order = self.date_order
        language = self.votes.most_common(1)[0][0] if self.votes else None
        if "à" in fmt.joiner:
            language = "fr"
        elif fmt.twelve_hour and self.ampm_space and language is None:
            language = "es"  # "9:05 p. m." is how Spanish writes a 12 h clock
        if date_order is None:
            us = fmt.twelve_hour and fmt.date_sep != "." and language in (None, "en")
            month_first = self.second_big or (us and not self.first_big)
            date_order = "mdy" if month_first else "dmy"
        return ExportInfo(
            date_order=date_order,  # type: ignore[arg-type]
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
    mdy = info.date_order == "mdy"
    twelve = fmt.twelve_hour
    ios = fmt.ios
    chat_name = info.chat_name
    index = 0
    at: datetime | None = None
    head = ""
    more: list[str] = []
    size = 0
    for number, line in enumerate(source.lines(), 1):
        m = match(line)
        if m is not None:
            stamp = _timestamp(m.groups(), mdy, twelve, number)
            if at is not None:
                yield _entry(index, at, head, more, ios, chat_name)
                index += 1
                if more:
                    more = []
            at = stamp
            head = line[m.end() :]
            size = len(head)
        elif at is not None:
            size += len(line) + 1
            if size > MAX_LINE:
                raise WhatsAppImportError(
                    f"Line {number}: a message is longer than WhatsApp allows; "
                    "this does not look like an export."
                )
            more.append(line)
    if at is not None:
        yield _entry(index, at, head, more, ios, chat_name)


def _timestamp(groups: tuple[str, ...], mdy: bool, twelve: bool, number: int) -> datetime:
    a, b, y, h, mi, s, ap = groups
    year = int(y)
    if year < 100:
        year += 2000
    hour = int(h)
    if twelve:
        hour = 99 if hour > 12 else hour % 12 + (12 if ap in "Pp" else 0)
    try:
        if mdy:
            return datetime(year, int(a), int(b), hour, int(mi), int(s) if s else 0)
        return datetime(year, int(b), int(a), hour, int(mi), int(s) if s else 0)
    except ValueError:
        raise WhatsAppImportError(
            f"Line {number} has an impossible date or time for this export's format."
        ) from None


def _entry(
    index: int, at: datetime, head: str, more: list[str], ios: bool, chat_name: str | None
) -> Entry:
    marked = head.startswith(_LRM)
    if marked:
        head = head.lstrip(_LRM)
    sender, body = _split_sender(head)
    if sender is None:
        return Entry(index, at, None, _join(head, more), "system")
    if body.startswith(_LRM):
        marked = True
    if _LRM in body:
        body = body.replace(_LRM, "")
    media_name = None
    omitted = deleted = False
    marker = _MARKERS.get(body.casefold().rstrip(". ")) if len(body) <= _MARKER_MAX else None
    if marker is not None:
        omitted = marker == "omitted"
        deleted = not omitted
        body = ""
    elif "<" in body and (a := _ATTACHED_RE.search(body)) is not None:
        media_name = a[1].strip()
        body = (body[: a.start()] + body[a.end() :]).strip()
    elif body.endswith(")") and (a := _FILE_ATTACHED_RE.fullmatch(body)) is not None:
        media_name = a[1].strip(_NAME_STRIP)
        body = ""
    elif body.endswith(_DOC_SUFFIXES) and (a := _DOC_OMITTED_RE.fullmatch(body)) is not None:
        omitted = True
        body = a[1]
    elif ios and marked and (sender == chat_name or _SYSTEM_RE.search(body) is not None):
        return Entry(index, at, None, _join(body, more), "system")
    return Entry(index, at, sender, _join(body, more), "message", media_name, omitted, deleted)


def _split_sender(head: str) -> tuple[str | None, str]:
    i = head.find(": ")
    if i < 0:
        if not head.endswith(":"):
            return None, head
        i = len(head) - 1  # "Name:" with the text starting on the next line
    if i == 0 or i > _NAME_MAX:
        return None, head
    if _QUOTE_RE.search(head, 0, i) is not None and len(_QUOTE_RE.findall(head, 0, i)) % 2:
        # The ": " sits inside a quoted subject ('changed the subject to "A: B"'): that is a
        # system line, not a sender. Balanced quotes are a nickname: 'Tom "Coach" Miller: hi'.
        return None, head
    return head[:i].strip(_NAME_STRIP), head[i + 2 :]


def _join(first: str, more: list[str]) -> str:
    text = first
    if more:
        text = first + "\n" + "\n".join(more) if first else "\n".join(more)
    return text.replace(_LRM, "") if _LRM in text else text
