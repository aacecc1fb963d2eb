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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from groupbox.access import Actor, can, require
from groupbox.db.engine import DB
from groupbox.domain.groups.service import group_get
from groupbox.errors import Invalid, NotFound
from groupbox.i18n import _
from groupbox.timefmt import zone
from groupbox.util import as_utc

PAGE = 50
MAX_QUERY_TERMS = 12
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
PLAYABLE_TYPES = {"audio/ogg", "audio/mpeg", "audio/mp4", "audio/aac", "video/mp4"}
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f/\\]")
_WORD_RE = re.compile(r"\w+", re.UNICODE)


# -- validation ---------------------------------------------------------------------------------
def clean_date_order(raw: str | None) -> str | None:
    order = (raw or "").strip().lower()
    if order in ("", "auto"):
        return None
    if order not in ("dmy", "mdy"):
        raise Invalid(_("Date order must be dmy (day first) or mdy (month first)."), field="date_order")
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
    return day.replace(tzinfo=zone(tz)).astimezone(UTC)


def _at_text(value: datetime) -> str:
    """UTC as stored in TIMESTAMPTZ columns ('2024-01-13 07:00:00+00:00'), for comparisons."""
    return as_utc(value).isoformat(" ")


# -- reading ------------------------------------------------------------------------------------
async def archive_overview(actor: Actor, group_id: str) -> dict:
    """The group's finished imports, totals, the first and last day, and the senders."""
    group = await group_get(actor, group_id)
    require(actor, "group.view", group)
    imports = await DB.fetch(
        "SELECT * FROM archive_import WHERE group_id = ? AND status = 'done' ORDER BY finished_at DESC", group_id
    )
    senders: list[str] = []
    if imports:
        rows = await DB.fetch(
            "SELECT DISTINCT m.sender FROM archive_message m JOIN archive_import i ON i.id = m.import_id"
            " WHERE m.group_id = ? AND m.sender IS NOT NULL AND i.status = 'done'",
            group_id,
        )
        senders = sorted((r["sender"] for r in rows), key=str.casefold)
    firsts = [i["first_at"] for i in imports if i["first_at"] is not None]
    lasts = [i["last_at"] for i in imports if i["last_at"] is not None]
    return {
        "imports": imports,
        "messages": sum(i["messages"] for i in imports),
        "system_messages": sum(i["system_messages"] for i in imports),
        "media": sum(i["media"] for i in imports),
        "first_at": min(firsts) if firsts else None,
        "last_at": max(lasts) if lasts else None,
        "senders": senders,
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


async def archive_search(actor: Actor, group_id: str, *, q: str | None = None, sender: str | None = None,
                         date_from: str | None = None, date_to: str | None = None, before: int | None = None,
                         after: int | None = None, limit: int = PAGE) -> SearchResult:
    """Archive entries, newest first: words in the text (FTS5), one sender, a range of days
    (inclusive, in the group's zone); `before`/`after` page from an entry's id."""
    group = await group_get(actor, group_id)
    require(actor, "group.view", group)
    limit = max(1, min(int(limit), 200))
    match = clean_query(q)
    start = clean_day(date_from, group["timezone"], "from")
    end = clean_day(date_to, group["timezone"], "to")
    if start and end and end < start:
        raise Invalid(_("The end date is before the start date."), field="to")
    where = ["m.group_id = ?", "i.status = 'done'"]
    params: list[Any] = [group_id]
    if match:
        where.append("m.id IN (SELECT rowid FROM archive_fts WHERE archive_fts MATCH ?)")
        params.append(match)
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
    if cursor_id is not None:
        anchor = await DB.fetchone("SELECT at || '' AS at_text FROM archive_message WHERE id = ? AND group_id = ?",
                                   int(cursor_id), group_id)
        if anchor is None:
            raise NotFound(_("Not found"))
        where.append("(m.at, m.id) > (?, ?)" if ascending else "(m.at, m.id) < (?, ?)")
        params += [anchor["at_text"], int(cursor_id)]
    order = "ASC" if ascending else "DESC"
    rows = await DB.fetch(
        "SELECT m.id, m.at, m.kind, m.sender, m.text, m.media_name, m.media_omitted, m.deleted, m.file_id,"
        " f.content_type, f.size, f.display_name AS file_name"
        " FROM archive_message m JOIN archive_import i ON i.id = m.import_id"
        " LEFT JOIN file f ON f.id = m.file_id AND f.deleted_at IS NULL"
        f" WHERE {' AND '.join(where)} ORDER BY m.at {order}, m.id {order} LIMIT ?",
        *params, limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    if ascending:
        rows.reverse()
    words = _WORD_RE.findall(q or "")[:MAX_QUERY_TERMS]
    for row in rows:
        row["media_kind"] = _media_kind(row.get("content_type"))
        row["parts"] = highlight(row["text"], words)
    result = SearchResult(items=rows, query=match, words=words)
    if rows and ascending:
        result.older = rows[-1]["id"]  # the anchor itself is older
        result.newer = rows[0]["id"] if more else None
    elif rows:
        result.older = rows[-1]["id"] if more else None
        result.newer = rows[0]["id"] if cursor_id is not None else None
    return result


def _media_kind(content_type: str | None) -> str | None:
    if not content_type:
        return None
    if content_type in INLINE_TYPES:
        return "image"
    if content_type in PLAYABLE_TYPES:
        return content_type.split("/")[0]
    return "file"


def highlight(text: str, words: list[str]) -> list[tuple[str, bool]]:
    """Split text into (piece, is_match) for <mark>; words match at the start of a word."""
    if not words or not text:
        return [(text, False)]
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\w*", re.IGNORECASE | re.UNICODE)
    parts: list[tuple[str, bool]] = []
    last = 0
    for m in pattern.finditer(text):
        if m.start() > last:
            parts.append((text[last:m.start()], False))
        parts.append((m.group(0), True))
        last = m.end()
    if last < len(text):
        parts.append((text[last:], False))
    return parts or [(text, False)]


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
