"""Reading an entry's text (SPEC §13): who wrote it, and what WhatsApp's placeholders, attachment
labels and notices in it say, in every language of `whatsapp_phrases.py`. Used by both passes of
`whatsapp.py`; every matcher is built once, from the tables.
"""

from __future__ import annotations

import re

from groupbox.domain.migration.whatsapp_header import DROP_MARKS, MARKS
from groupbox.domain.migration.whatsapp_phrases import LANGUAGES

NAME_MAX = 100
LRM_RLM = ("\u200e", "\u200f")  # what iOS puts before its own notices and placeholders
_NAME_STRIP = " \u00a0" + MARKS
_ANGLES = str.maketrans("‹›〈〉", "<><>")


def _norm(text: str) -> str:
    """A placeholder as compared: no case, no surrounding space, no final dot, ‹› read as <>."""
    if not text.isascii():
        text = text.translate(_ANGLES)
    return text.strip(" \u00a0\u202f\t").rstrip(".").rstrip().casefold()


def _index(*keys: str) -> dict[str, tuple[str, str | None]]:
    """normalised phrase -> (which key, the one language that writes it, or None if several)."""
    out: dict[str, tuple[str, str | None]] = {}
    for language, table in LANGUAGES.items():
        for key in keys:
            for phrase in table.get(key, ()):
                k = _norm(phrase)
                known = out.get(k)
                out[k] = (key, language if known is None or known[1] == language else None)
    return out


def _phrase_re(*keys: str) -> re.Pattern[str]:
    """Any of the phrases, at the start of a word, without case."""
    phrases = sorted({p for t in LANGUAGES.values() for k in keys for p in t.get(k, ())}, key=len, reverse=True)
    return re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, phrases)) + ")", re.IGNORECASE)


_PLACEHOLDERS = _index("media_omitted", "deleted")
_PLACEHOLDER_MAX = max(map(len, _PLACEHOLDERS)) + 8
_ATTACHED = _index("attached")
_FILE_ATTACHED = _index("file_attached")
_NOTICES = _index("system", "encryption")
_NOTICE_RE = _phrase_re("system", "encryption")
_ENCRYPTION_RE = _phrase_re("encryption")
_ATTACHED_RE = re.compile(r"<([^<>:\n]{1,40}?)\s?:\s?([^<>\n]+)>")
# Android puts the caption on the lines after "NAME.ext (file attached)".
_FILE_ATTACHED_RE = re.compile(r"(.+?\.\w{1,10}) \(([^()\n]{2,40})\)\s*")
# File names WhatsApp gives media, whatever the language of the label beside them.
_MEDIA_FILE_RE = re.compile(
    r"\d{8}-[A-Z]+-\d{4}(?:-\d{2}){5}\.\w{1,5}|(?:IMG|VID|AUD|PTT|DOC|STK|GIF)-\d{8}-WA\d{4,}\.\w{1,5}"
)
_QUOTE_RE = re.compile('["“”„«»]')


def unmarked(text: str) -> str:
    """The text without invisible marks (BOM, LRM/RLM, bidi controls)."""
    return text if text.isascii() else text.translate(DROP_MARKS)  # isascii() is O(1) in CPython


def split_sender(head: str) -> tuple[str | None, str]:
    """("Name", text) for "Name: text"; (None, head) for a line without a sender."""
    i = head.find(": ")
    if i < 0:
        if not head.endswith(":"):
            return None, head
        i = len(head) - 1  # "Name:" with the text starting on the next line
    if i == 0 or i > NAME_MAX:
        return None, head
    if _QUOTE_RE.search(head, 0, i) is not None and len(_QUOTE_RE.findall(head, 0, i)) % 2:
        # The ": " sits inside a quoted subject ('changed the subject to "A: B"'): that is a
        # system line, not a sender. Balanced quotes are a nickname: 'Tom "Coach" Miller: hi'.
        return None, head
    return unmarked(head[:i]).strip(_NAME_STRIP), head[i + 2 :]


def placeholder(body: str) -> str | None:
    """"media_omitted" or "deleted" when the whole (unmarked) text is such a placeholder."""
    if len(body) > _PLACEHOLDER_MAX:
        return None
    hit = _PLACEHOLDERS.get(body.casefold())
    if hit is None and body and (body[-1] in ". \u00a0\u202f\t" or body[0] in " \u00a0\u202f\t‹〈"):
        hit = _PLACEHOLDERS.get(_norm(body))  # the rare spelling with a dot, spaces or ‹›
    return hit[0] if hit is not None else None


def attached(body: str) -> tuple[str, str] | None:
    """(file name, the rest as caption) for iOS's "<attached: NAME>" in any language."""
    for a in _ATTACHED_RE.finditer(body):
        name = a[2].strip()
        if _norm(a[1]) in _ATTACHED or _MEDIA_FILE_RE.fullmatch(name):
            return name, (body[: a.start()] + body[a.end() :]).strip()
    return None


def file_attached(body: str) -> str | None:
    """The file name of Android's "NAME (file attached)" in any language."""
    a = _FILE_ATTACHED_RE.fullmatch(body)
    if a is None:
        return None
    name = a[1].strip(_NAME_STRIP)
    return name if _norm(a[2]) in _FILE_ATTACHED or _MEDIA_FILE_RE.fullmatch(name) else None


def omitted_tail(raw: str) -> str | None:
    """iOS writes "Schedule.pdf • 2 pages \u200edocument omitted": the caption before the mark."""
    i = max(raw.rfind(mark) for mark in LRM_RLM)
    if i <= 0:
        return None
    hit = _PLACEHOLDERS.get(_norm(raw[i + 1 :]))
    if hit is None or hit[0] != "media_omitted":
        return None
    return unmarked(raw[:i]).strip()


def notice(body: str, under_chat_name: bool, marked: bool) -> bool:
    """iOS writes notices under the chat's name or under a person's, marked with U+200E; a
    person's own marked text (a poll, a location) reads like no notice."""
    if under_chat_name and marked:
        return True
    return (marked or under_chat_name) and _NOTICE_RE.search(body) is not None


def encryption_notice(text: str, start: int = 0) -> bool:
    return _ENCRYPTION_RE.search(text, start) is not None


def _language_of(text: str) -> str | None:
    """The one language a notice's wording belongs to, if any."""
    for m in _NOTICE_RE.finditer(text):
        hit = _NOTICES.get(_norm(m[0]))
        if hit is not None and hit[1] is not None:
            return hit[1]
    return None


def language_clue(rest: str) -> str | None:
    """The language an entry's text (after its prefix) is written in, when it is WhatsApp's own
    words: a placeholder, an attachment label, a notice. A person's words tell nothing."""
    text = rest.lstrip(MARKS)
    sender, body = split_sender(text)
    if sender is None:
        return _language_of(text)
    clean = unmarked(body)
    if len(clean) <= _PLACEHOLDER_MAX and (hit := _PLACEHOLDERS.get(_norm(clean))) is not None:
        return hit[1]
    if "<" in clean and (a := _ATTACHED_RE.search(clean)) is not None:
        return (_ATTACHED.get(_norm(a[1])) or (None, None))[1]
    if clean.endswith(")") and (a := _FILE_ATTACHED_RE.fullmatch(clean)) is not None:
        return (_FILE_ATTACHED.get(_norm(a[2])) or (None, None))[1]
    if body.startswith(LRM_RLM):
        return _language_of(clean)
    return None
