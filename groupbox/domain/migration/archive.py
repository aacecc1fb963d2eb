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
from typing import Any

from groupbox.access import Actor, can, require
from groupbox.db.engine import DB
from groupbox.domain.groups.service import group_get
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


def clean_query(raw: str | None) -> str | None:
    """Words typed into the search box -> a safe FTS5 query: every word must appear, each also
    as the start of a longer word ("train" finds "training"). Nothing of FTS5's syntax leaks."""
    words = _WORD_RE.findall(raw or "")[:MAX_QUERY_TERMS]
    if not words:
        return None
    return " ".join(f'"{word}"*' for word in words)


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


def _at_text(value: datetime) -> str:
    """UTC as stored in TIMESTAMPTZ columns ('2024-01-13 07:00:00+00:00'), for comparisons."""
    return as_utc(value).isoformat(" ")


# -- reading ------------------------------------------------------------------------------------
async def _done_imports(group_id: str) -> list[dict]:
    return await DB.fetch(
        "SELECT * FROM archive_import WHERE group_id = ? AND status = 'done' ORDER BY finished_at DESC", group_id
    )


async def archive_overview(actor: Actor, group_id: str) -> dict:
    """The group's finished imports, totals, the first and last day, and the senders. Reads only
    what the import stored: nothing here grows with the number of messages."""
    group = await group_get(actor, group_id)
    require(actor, "group.view", group)
    imports = await _done_imports(group_id)
    rows = await DB.fetch(
        "SELECT DISTINCT s.sender FROM archive_sender s JOIN archive_import i ON i.id = s.import_id"
        " WHERE i.group_id = ? AND i.status = 'done'",
        group_id,
    )
    firsts = [i["first_at"] for i in imports if i["first_at"] is not None]
    lasts = [i["last_at"] for i in imports if i["last_at"] is not None]
    return {
        "imports": imports,
        "messages": sum(i["messages"] for i in imports),
        "system_messages": sum(i["system_messages"] for i in imports),
        "media": sum(i["media"] for i in imports),
        "first_at": min(firsts) if firsts else None,
        "last_at": max(lasts) if lasts else None,
        "senders": sorted((r["sender"] for r in rows), key=str.casefold),
        "can_import": can(actor, "group.admin", group),
    }


async def archive_counts(group_id: str) -> dict:
    """Totals for a dashboard line (no permission check: callers already hold the group)."""
    row = await DB.fetchone(
        "SELECT COUNT(*) AS imports, COALESCE(SUM(messages), 0) AS messages, MIN(first_at) AS first_at,"
        " MAX(last_at) AS last_at FROM archive_import WHERE group_id = ? AND status = 'done'",
        group_id,
    )
    return row


@dataclass
class SearchResult:
    items: list[dict] = field(default_factory=list)
    older: int | None = None  # message id to continue from (`before=`), when there is more
    newer: int | None = None  # message id to go back from (`after=`)
    query: str | None = None
    words: list[str] = field(default_factory=list)


_COLUMNS = (
    "m.id, m.at, m.kind, m.sender, m.text, m.media_name, m.media_omitted, m.deleted, m.file_id,"
    " f.content_type, f.size, f.display_name AS file_name"
)
_FROM = (
    " FROM archive_message m JOIN archive_import i ON i.id = m.import_id"
    " LEFT JOIN file f ON f.id = m.file_id AND f.deleted_at IS NULL"
)


async def archive_search(actor: Actor, group_id: str, *, q: str | None = None, sender: str | None = None,
                         date_from: str | None = None, date_to: str | None = None,
                         before: int | str | None = None, after: int | str | None = None,
                         limit: int | str | None = PAGE) -> SearchResult:
    """Archive entries, newest first: words in the text (FTS5), one sender, a range of days
    (inclusive, in the group's zone); `before`/`after` page from an entry's id.

    Every page costs about the same however big the archive is: without words it walks the
    (group, time) index from the cursor (keyset paging, no OFFSET); with words it reads at most
    SEARCH_WINDOW of the full-text index's hits past the cursor, in id order (within an import
    that is the export's order, which is time order). A window that ends before the page is full
    ends the page there, with `older`/`newer` pointing past it."""
    group = await group_get(actor, group_id)
    require(actor, "group.view", group)
    limit = clean_limit(limit)
    match = clean_query(q)
    start = clean_day(date_from, group["timezone"], "from")
    end = clean_day(date_to, group["timezone"], "to")
    if start and end and end < start:
        raise Invalid(_("The end date is before the start date."), field="to")
    before, after = clean_cursor(before, "before"), clean_cursor(after, "after")
    where = ["m.group_id = ?", "i.status = 'done'"]
    params: list[Any] = [group_id]
    if sender:
        where.append("m.sender = ?")
        params.append(sender.strip())
    if start:
        where.append("m.at >= ?")
        params.append(_at_text(start))
    if end:
        where.append("m.at < ?")
        params.append(_at_text(end + timedelta(days=1)))
    cursor_id = before if before is not None else after
    ascending = before is None and after is not None
    if match:
        rows, edge = await _search_page(group_id, where, params, match, cursor_id, ascending, limit, start, end)
    else:
        rows, edge = await _list_page(group_id, where, params, cursor_id, ascending, limit), None
    more = len(rows) > limit
    rows = rows[:limit]
    if ascending:
        rows.reverse()
    words = _WORD_RE.findall(q or "")[:MAX_QUERY_TERMS]
    for row in rows:
        row["media_kind"] = _media_kind(row.get("content_type"))
        row["parts"] = highlight(row["text"], words)
    result = SearchResult(items=rows, query=match, words=words)
    further = rows[0 if ascending else -1]["id"] if more and rows else edge  # where the next page starts
    if ascending:
        result.older = rows[-1]["id"] if rows else None  # the anchor itself is older
        result.newer = further
    else:
        result.older = further
        result.newer = rows[0]["id"] if rows and cursor_id is not None else None
    return result


async def _list_page(group_id: str, where: list[str], params: list[Any], cursor_id: int | None, ascending: bool,
                     limit: int) -> list[dict]:
    """A page by time, from the cursor's (at, id) on the (group_id, at) index."""
    where, params = list(where), list(params)
    if cursor_id is not None:
        anchor = await DB.fetchone("SELECT at || '' AS at_text FROM archive_message WHERE id = ? AND group_id = ?",
                                   cursor_id, group_id)
        if anchor is None:
            raise NotFound(_("Not found"))
        where.append("(m.at, m.id) > (?, ?)" if ascending else "(m.at, m.id) < (?, ?)")
        params += [anchor["at_text"], cursor_id]
    order = "ASC" if ascending else "DESC"
    return await DB.fetch(
        f"SELECT {_COLUMNS}{_FROM} WHERE {' AND '.join(where)} ORDER BY m.at {order}, m.id {order} LIMIT ?",
        *params, limit + 1,
    )


async def _search_page(group_id: str, where: list[str], params: list[Any], match: str, cursor_id: int | None,
                       ascending: bool, limit: int, start: datetime | None,
                       end: datetime | None) -> tuple[list[dict], int | None]:
    """A page of full-text hits in id order, from a bounded window of the index; returns the rows
    (up to limit + 1) and, when the window ran out first, the last id it looked at."""
    low, high = await _id_span(group_id, start, end)
    if ascending:
        low = max(low, (cursor_id or 0) + 1)
    elif cursor_id is not None:
        high = min(high, cursor_id - 1)
    order = "ASC" if ascending else "DESC"
    window = (f"SELECT rowid AS id FROM archive_fts WHERE archive_fts MATCH ? AND rowid BETWEEN ? AND ?"
              f" ORDER BY rowid {order} LIMIT {SEARCH_WINDOW}")
    rows = await DB.fetch(
        f"WITH hits AS MATERIALIZED ({window}) SELECT {_COLUMNS}{_FROM} JOIN hits ON hits.id = m.id"
        f" WHERE {' AND '.join(where)} ORDER BY m.id {order} LIMIT ?",
        match, low, high, *params, limit + 1,
    )
    if len(rows) > limit:
        return rows, None
    seen = await DB.fetchone(f"SELECT COUNT(*) AS n, {'MAX' if ascending else 'MIN'}(id) AS edge FROM ({window})",
                             match, low, high)
    return rows, seen["edge"] if seen["n"] == SEARCH_WINDOW else None


async def _id_span(group_id: str, start: datetime | None, end: datetime | None) -> tuple[int, int]:
    """The ids a search may look at: the group's finished imports, on the days asked for. Within an
    import ids follow the export's order, which is time order, so an import's messages (on a range
    of days) are one stretch of ids, found at its two ends on an index. Keeps a search in one
    group from wading through another group's archive."""
    since = _at_text(start) if start else ""
    until = _at_text(end + timedelta(days=1)) if end else "~"  # "~" sorts after every timestamp
    ends: list[int] = []
    for imported in await _done_imports(group_id):
        if (imported["last_at"] and _at_text(imported["last_at"]) < since) or (
                imported["first_at"] and _at_text(imported["first_at"]) >= until):
            continue  # none of this import's days are in the range
        for order in ("ASC", "DESC"):
            if start is None and end is None:
                sql = f"SELECT id FROM archive_message WHERE import_id = ? ORDER BY position {order} LIMIT 1"
                params: tuple = (imported["id"],)
            else:
                sql = ("SELECT id FROM archive_message INDEXED BY archive_message_group_at WHERE group_id = ?"
                       f" AND at >= ? AND at < ? AND import_id = ? ORDER BY at {order}, id {order} LIMIT 1")
                params = (group_id, since, until, imported["id"])
            row = await DB.fetchone(sql, *params)
            ends += [row["id"]] if row else []
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
    row = await DB.fetchone(
        "SELECT f.* FROM file f WHERE f.id = ? AND f.group_id = ? AND f.source = 'import' AND f.deleted_at IS NULL"
        " AND EXISTS (SELECT 1 FROM archive_message m JOIN archive_import i ON i.id = m.import_id"
        "             WHERE m.file_id = f.id AND i.status = 'done')",
        file_id, group_id,
    )
    if row is None:
        raise NotFound(_("Not found"))
    row["inline"] = row["content_type"] in INLINE_TYPES or row["content_type"] in PLAYABLE_TYPES
    return row
