"""The WhatsApp archive of a group: reading and searching it (SPEC §13). Importing an export
lives in `archive_import.py`; the validators of both are here.

Rules:
- Admins import; everyone in the group reads and searches. The archive is read-only: there is
  no way to post into it, and it is shown as an archive, never as a live chat.
- Readers only ever see finished ('done') imports; the archive's media are served only through
  it, to people in the group.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from groupbox.access import Actor, can, require
from groupbox.domain.groups.service import group_get
from groupbox.domain.migration import store
from groupbox.errors import Invalid, NotFound
from groupbox.i18n import _
from groupbox.timefmt import clean_moment
from groupbox.util import as_utc

PAGE = 50
MAX_PAGE = 200
MAX_QUERY_TERMS = 12
MAX_ID = 2**63 - 1  # SQLite's largest integer
SEARCH_WINDOW = 5000  # full-text hits one page may look at: a common word costs what a rare one does
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
PLAYABLE_TYPES = {"audio/ogg", "audio/mpeg", "audio/mp4", "audio/aac", "video/mp4"}
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f/\\]")
_WORD_RE = re.compile(r"\w+", re.UNICODE)


# -- validation ---------------------------------------------------------------------------------
def clean_date_order(raw: str | None) -> str | None:
    order = (raw or "").strip().lower()
    if order in ("", "auto"):
        return None
    if order not in ("dmy", "mdy", "ymd"):
        raise Invalid(_("Date order must be dmy (day first), mdy (month first) or ymd (year first)."),
                      field="date_order")
    return order


def clean_source_name(raw: str | None) -> str:
    """A file name fit to show and to keep the chat's name hint: no folders, no control characters."""
    name = _CONTROL_RE.sub("", (raw or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return name[:150] or "export"


def clean_query(raw: str | None) -> list[str]:
    """Words typed into the search box -> the words to search for: every one must appear, each
    also as the start of a longer word ("train" finds "training"). No search syntax passes."""
    return _WORD_RE.findall(raw or "")[:MAX_QUERY_TERMS]


def clean_day(raw: str | None, tz: str, field: str) -> datetime | None:
    """'2024-03-01' (a day in the group's zone) -> the UTC instant that day starts."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise Invalid(_("Use a date like 2024-03-01."), field=field) from None
    return clean_moment(day, tz, field)


def clean_cursor(raw: int | str | None, field: str) -> int | None:
    """A message id to page from (`before=`, `after=`): a whole number SQLite can hold."""
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = -1
    if not 0 <= value <= MAX_ID:
        raise Invalid(_("That is not a place in the archive to page from."), field=field)
    return value


def clean_limit(raw: int | str | None) -> int:
    try:
        return max(1, min(int(raw if raw not in (None, "") else PAGE), MAX_PAGE))
    except (TypeError, ValueError):
        raise Invalid(_("Ask for between 1 and {n} entries.", n=MAX_PAGE), field="limit") from None


# -- reading ------------------------------------------------------------------------------------
async def archive_overview(actor: Actor, group_id: str) -> dict:
    """The group's finished imports, totals, the first and last day, and the senders. Reads only
    what the import stored: nothing here grows with the number of messages."""
    group = await group_get(actor, group_id)
    require(actor, "group.view", group)
    imports = await store.imports_done(group_id)
    senders = await store.senders_done(group_id)
    firsts = [i["first_at"] for i in imports if i["first_at"] is not None]
    lasts = [i["last_at"] for i in imports if i["last_at"] is not None]
    return {
        "imports": imports,
        "messages": sum(i["messages"] for i in imports),
        "system_messages": sum(i["system_messages"] for i in imports),
        "media": sum(i["media"] for i in imports),
        "first_at": min(firsts) if firsts else None,
        "last_at": max(lasts) if lasts else None,
        "senders": sorted(senders, key=str.casefold),
        "can_import": can(actor, "group.admin", group),
    }


async def archive_counts(group_id: str) -> dict:
    """Totals for a dashboard line (no permission check: callers already hold the group)."""
    return await store.archive_totals(group_id)


@dataclass
class SearchResult:
    items: list[dict] = field(default_factory=list)
    older: int | None = None  # message id to continue from (`before=`), when there is more
    newer: int | None = None  # message id to go back from (`after=`)
    query: str | None = None
    words: list[str] = field(default_factory=list)


async def archive_search(actor: Actor, group_id: str, *, q: str | None = None, sender: str | None = None,
                         date_from: str | None = None, date_to: str | None = None,
                         before: int | str | None = None, after: int | str | None = None,
                         limit: int | str | None = PAGE) -> SearchResult:
    """Archive entries, newest first: words in the text (full text), one sender, a range of days
    (inclusive, in the group's zone); `before`/`after` page from an entry's id.

    Every page costs about the same however big the archive is: without words it walks the
    (group, time) index from the cursor (keyset paging, no OFFSET); with words it reads at most
    SEARCH_WINDOW of the full-text index's hits past the cursor, in id order (within an import
    that is the export's order, which is time order). A window that ends before the page is full
    ends the page there, with `older`/`newer` pointing past it."""
    group = await group_get(actor, group_id)
    require(actor, "group.view", group)
    limit = clean_limit(limit)
    words = clean_query(q)
    start = clean_day(date_from, group["timezone"], "from")
    end = clean_day(date_to, group["timezone"], "to")
    if start and end and end < start:
        raise Invalid(_("The end date is before the start date."), field="to")
    before, after = clean_cursor(before, "before"), clean_cursor(after, "after")
    until = end + timedelta(days=1) if end else None
    who = sender.strip() if sender else None
    cursor_id = before if before is not None else after
    ascending = before is None and after is not None
    if words:
        low, high = await _id_span(group_id, start, until)
        if ascending:
            low = max(low, min((cursor_id or 0) + 1, MAX_ID))
        elif cursor_id is not None:
            high = min(high, cursor_id - 1)
        rows, edge = await store.messages_search(group_id, words, sender=who, since=start, until=until, low=low,
                                                 high=high, ascending=ascending, limit=limit + 1,
                                                 window=SEARCH_WINDOW)
    else:
        cursor = None
        if cursor_id is not None:
            at = await store.message_at(cursor_id, group_id)
            if at is None:
                raise NotFound(_("Not found"))
            cursor = (at, cursor_id)
        rows, edge = await store.messages_page(group_id, sender=who, since=start, until=until, cursor=cursor,
                                               ascending=ascending, limit=limit + 1), None
    more = len(rows) > limit
    rows = rows[:limit]
    if ascending:
        rows.reverse()
    for row in rows:
        row["media_kind"] = _media_kind(row.get("content_type"))
        row["parts"] = highlight(row["text"], words)
    result = SearchResult(items=rows, query=" ".join(words) or None, words=words)
    further = rows[0 if ascending else -1]["id"] if more and rows else edge  # where the next page starts
    if ascending:
        result.older = rows[-1]["id"] if rows else None  # the anchor itself is older
        result.newer = further
    else:
        result.older = further
        result.newer = rows[0]["id"] if rows and cursor_id is not None else None
    return result


async def _id_span(group_id: str, start: datetime | None, until: datetime | None) -> tuple[int, int]:
    """The ids a search may look at: the group's finished imports, on the days asked for. Within an
    import ids follow the export's order, which is time order, so an import's messages (on a range
    of days) are one stretch of ids, found at its two ends on an index. Keeps a search in one
    group from wading through another group's archive."""
    ends: list[int] = []
    for imported in await store.imports_done(group_id):
        if (start and imported["last_at"] and as_utc(imported["last_at"]) < start) or (
                until and imported["first_at"] and as_utc(imported["first_at"]) >= until):
            continue  # none of this import's days are in the range
        for last in (False, True):
            found = await store.import_id_end(imported["id"], group_id, since=start, until=until, last=last)
            ends += [found] if found is not None else []
    return (min(ends), max(ends)) if ends else (1, 0)


def _media_kind(content_type: str | None) -> str | None:
    if not content_type:
        return None
    if content_type in INLINE_TYPES:
        return "image"
    if content_type in PLAYABLE_TYPES:
        return content_type.split("/")[0]
    return "file"


def highlight(text: str, words: list[str]) -> list[tuple[str, bool]]:
    """Split text into (piece, is_match) for <mark>: the words the search matched, as the full-text
    index matched them (at the start of a word, without case or accents: "quien" marks "Quién").
    The pieces are plain text; the template escapes each, so a mark never lands inside markup."""
    folded_words = {w for w in (_fold(word)[0] for word in words) if w}
    if not folded_words or not text:
        return [(text, False)]
    folded, origin = _fold(text)
    alternatives = "|".join(re.escape(w) for w in sorted(folded_words, key=len, reverse=True))
    pattern = re.compile(rf"(?<![^\W_])(?:{alternatives})[^\W_]*")
    parts: list[tuple[str, bool]] = []
    last = 0
    for m in pattern.finditer(folded):
        start, end = origin[m.start()], origin[m.end() - 1] + 1
        while end < len(text) and not _fold_char(text[end]):
            end += 1  # a combining accent belongs to the letter before it
        if start > last:
            parts.append((text[last:start], False))
        parts.append((text[start:end], True))
        last = end
    if last < len(text):
        parts.append((text[last:], False))
    return parts or [(text, False)]


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """One character as FTS5's unicode61 tokenizer with remove_diacritics 2 compares it."""
    return "".join(c for c in unicodedata.normalize("NFD", ch.lower()) if not unicodedata.combining(c))


def _fold(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, where it came from in `text`."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        f = ch.lower() if ch.isascii() else _fold_char(ch)
        out.append(f)
        origin.extend([i] * len(f))
    return "".join(out), origin


async def archive_media(actor: Actor, group_id: str, file_id: str) -> dict:
    """A media file of a finished import, for people in the group; NotFound otherwise."""
    group = await group_get(actor, group_id)
    require(actor, "group.view", group)
    row = await store.media_file(file_id, group_id)
    if row is None:
        raise NotFound(_("Not found"))
    row["inline"] = row["content_type"] in INLINE_TYPES or row["content_type"] in PLAYABLE_TYPES
    return row
