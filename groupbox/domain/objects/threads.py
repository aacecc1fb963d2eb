"""Discussions (SPEC §7): threads with messages, @mentions, reactions, and the legacy channel.

Rules:
- Everyone in a group but guests (`act`) starts threads, replies and reacts. A thread starts
  with a title and a first message. Bodies are Markdown, rendered without raw HTML.
- `@Anna Müller`, `@"Anna Müller"` (or `@Anna` when she is the group's only Anna) mentions
  active members of the same group by display name, case-insensitively; when several names
  fit, the longest wins. Mentioned people are notified
  ("mention"); others who took part in the thread get "discussion" ("off_topic" in off-topic
  threads). A new thread tells the whole group ("discussion", a digest by default).
- Reactions come from a small allow-list and toggle; the author hears of them ("reaction",
  muted by default).
- Authors delete their own messages, moderators and up anyone's (`message.delete`); the message
  stays as "message deleted" (its text is gone) and leaves a tombstone.
- Admins mark a thread as the group's legacy channel (one per group) with a read-only-from
  date; from then on it refuses messages and reactions (Conflict, 409).
- Messages of someone who left show as "former member".
- Unread: messages by others newer than my last visit of the thread (or than my joining).
- Replying, reacting, deleting and importing messages live in `messages.py`, which builds on
  the helpers here (starting a thread, mentions, reading, read state).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from groupbox.access import Actor, can, require
from groupbox.db.engine import DB
from groupbox.db.full import best_effort
from groupbox.domain.audit import service as audit
from groupbox.domain.groups import service as groups
from groupbox.domain.notify import service as notify
from groupbox.domain.objects import common
from groupbox.errors import Invalid, NotFound
from groupbox.i18n import _, lazy
from groupbox.text import plain_excerpt
from groupbox.timefmt import clean_moment, day
from groupbox.util import as_utc, new_id, now

TITLE_MAX = 120
BODY_MAX = 10_000
# The reactions people can add: a small set keeps them meaningful and the UI calm.
EMOJI = ("👍", "❤️", "😂", "😮", "😢", "🙏", "🎉", "✅")


# -- validation ---------------------------------------------------------------------------------
def clean_title(raw: str | None) -> str:
    return common.clean_line(raw, field="title", max_len=TITLE_MAX, empty=_("Give the thread a title."))


def clean_body(raw: str | None) -> str:
    body = (raw or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not body:
        raise Invalid(_("Write a message first."), field="body")
    if len(body) > BODY_MAX:
        raise Invalid(_("Please keep it under {n} characters.", n=BODY_MAX), field="body")
    return body


def clean_readonly_from(raw: Any, tz: str) -> datetime | None:
    return clean_moment(raw, tz, "readonly_from", example="2026-12-31 18:00")


# -- mentions -----------------------------------------------------------------------------------
_CODE = re.compile(r"```.*?(```|$)|`[^`\n]*`", re.S)
_AT = re.compile(r"(?<![\w@.])@")


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def parse_mentions(text: str, members: Iterable[tuple[str, str]]) -> list[str]:
    """Member ids mentioned in `text`, given the group's (member id, display name) pairs.
    `@Anna Müller`, `@"Anna Müller"`, and `@Anna` when she is the only Anna; case-insensitive;
    the longest fitting name wins; nothing inside code; `anna@example.org` is no mention."""
    by_name: dict[str, list[str]] = {}
    first_names: dict[str, list[str]] = {}
    for member_id, name in members:
        if name and name.strip():
            by_name.setdefault(_key(name), []).append(member_id)
            first_names.setdefault(_key(name).split(" ")[0], []).append(member_id)
    # `@Samir` finds "Samir Khan" when nobody else in the group is a Samir.
    for first, ids in first_names.items():
        if len(ids) == 1 and first not in by_name:
            by_name[first] = ids
    if not by_name or "@" not in (text or ""):
        return []
    names = sorted(by_name, key=len, reverse=True)
    plain = _CODE.sub(" ", text)
    found: list[str] = []
    for match in _AT.finditer(plain):
        rest = plain[match.end(): match.end() + 200]
        if rest.startswith('"'):
            end = rest.find('"', 1)
            if end > 1:
                found += by_name.get(_key(rest[1:end]), [])
            continue
        if not rest or rest[0].isspace():
            continue
        folded = " ".join(rest.split()).casefold()
        for name in names:
            if folded.startswith(name):
                after = folded[len(name): len(name) + 1]
                if not after or not (after.isalnum() or after == "_"):
                    found += by_name[name]
                    break
    return list(dict.fromkeys(found))


# -- reading ------------------------------------------------------------------------------------
def _is_readonly(thread: dict, at: datetime | None = None) -> bool:
    return bool(thread["legacy_channel"] and thread["readonly_from"] is not None
                and as_utc(thread["readonly_from"]) <= (at or now()))


def _author(row: dict, prefix: str = "author") -> tuple[str, bool]:
    """(name to show, is a former member) for a message or thread row joined with member."""
    if row.get(f"{prefix}_id"):
        if row.get(f"{prefix}_status") == "active":
            return row.get(f"{prefix}_display") or "", False
        return _("former member"), True
    return row.get("author_name") or _("former member"), not row.get("author_name")


def _decorate_thread(thread: dict, group: dict) -> dict:
    thread["legacy_channel"] = bool(thread["legacy_channel"])
    thread["off_topic"] = bool(thread["off_topic"])
    thread["readonly"] = _is_readonly(thread)
    thread["url"] = f"/threads/{thread['id']}"
    thread["group"] = {"id": group["id"], "name": group["name"], "color_index": group["color_index"],
                       "timezone": group["timezone"]}
    thread["legacy_note"] = legacy_note(thread, group["timezone"]) if thread["legacy_channel"] else ""
    return thread


def legacy_note(thread: dict, tz: str) -> str:
    """The group's agreement about its old chat, in words."""
    if not thread.get("readonly_from"):
        return _("This is the old chat, kept here during the move.")
    when = day(thread["readonly_from"], tz)
    if _is_readonly(thread):
        return _("The old chat is read-only since {date}.", date=when)
    return _("The old chat is read-only from {date}.", date=when)


async def _thread_row(thread_id: str) -> dict | None:
    return await DB.fetchone("SELECT * FROM thread WHERE id = ?", thread_id)


async def _visible_thread(actor: Actor, thread_id: str) -> tuple[dict, dict]:
    thread = await _thread_row(thread_id)
    if thread is None or thread["deleted_at"] is not None:
        raise NotFound(_("Not found"))
    group = await groups.group_get(actor, thread["group_id"])
    return thread, group


async def _my_floor(member_id: str) -> datetime:
    row = await DB.fetchone("SELECT joined_at FROM member WHERE id = ?", member_id)
    return row["joined_at"] if row else now()


async def _last_messages(thread_ids: list[str]) -> dict[str, dict]:
    if not thread_ids:
        return {}
    marks = ",".join("?" * len(thread_ids))
    rows = await DB.fetch(
        f"SELECT m.thread_id, m.id, m.body, m.author_id, m.author_name, m.created_at,"
        f" a.display_name AS author_display, a.status AS author_status"
        f" FROM message m LEFT JOIN member a ON a.id = m.author_id"
        f" WHERE m.id IN (SELECT (SELECT x.id FROM message x WHERE x.thread_id = t.id AND x.deleted_at IS NULL"
        f"   ORDER BY x.created_at DESC, x.rowid DESC LIMIT 1) FROM thread t WHERE t.id IN ({marks}))",
        *thread_ids,
    )
    result = {}
    for row in rows:
        name, _former = _author(row)
        result[row["thread_id"]] = {"id": row["id"], "author": name, "excerpt": plain_excerpt(row["body"], 90),
                                    "created_at": row["created_at"]}
    return result


async def threads_list(actor: Actor, group_id: str, limit: int | None = None) -> list[dict]:
    """The group's threads, newest activity first, with message and unread counts (mine)."""
    group = await groups.group_get(actor, group_id)
    me = require(actor, "group.view", group)
    rows = await DB.fetch(
        "SELECT t.*, tr.last_read_at,"
        " (SELECT COUNT(*) FROM message x WHERE x.thread_id = t.id AND x.deleted_at IS NULL"
        "   AND x.created_at > COALESCE(tr.last_read_at, ?) AND (x.author_id IS NULL OR x.author_id != ?)) AS unread"
        " FROM thread t LEFT JOIN thread_read tr ON tr.thread_id = t.id AND tr.member_id = ?"
        " WHERE t.group_id = ? AND t.deleted_at IS NULL"
        " ORDER BY t.last_message_at DESC, t.rowid DESC LIMIT ?",
        await _my_floor(me.member_id), me.member_id, me.member_id, group_id, limit or -1,
    )
    last = await _last_messages([r["id"] for r in rows])
    for row in rows:
        _decorate_thread(row, group)
        row["last_message"] = last.get(row["id"])
    return rows


async def thread_get(actor: Actor, thread_id: str) -> dict:
    """The thread with its group, what I may do, and my unread count."""
    thread, group = await _visible_thread(actor, thread_id)
    me = require(actor, "group.view", group)
    _decorate_thread(thread, group)
    thread["can_post"] = can(actor, "act", thread, group) and not thread["readonly"]
    thread["can_admin"] = can(actor, "group.admin", group)
    thread["my_member_id"] = me.member_id
    return thread


async def thread_messages(actor: Actor, thread_id: str, before: datetime | None = None,
                          limit: int = 200) -> tuple[list[dict], bool]:
    """Messages oldest → newest (the latest `limit`, or those before a time), and whether there
    are earlier ones."""
    thread, group = await _visible_thread(actor, thread_id)
    me = require(actor, "group.view", group)
    where, params = "m.thread_id = ?", [thread_id]
    if before is not None:
        where += " AND m.created_at < ?"
        params.append(as_utc(before))
    rows = await DB.fetch(
        f"SELECT m.id, m.thread_id, m.group_id, m.author_id, m.author_name, m.body, m.source, m.created_at,"
        f" m.edited_at, m.deleted_at, m.deleted_by, m.seq, a.display_name AS author_display, a.status AS author_status"
        f" FROM message m LEFT JOIN member a ON a.id = m.author_id WHERE {where}"
        f" ORDER BY m.created_at DESC, m.rowid DESC LIMIT ?",
        *params, limit + 1,
    )
    has_earlier = len(rows) > limit
    rows = list(reversed(rows[:limit]))
    ids = [r["id"] for r in rows]
    reactions: dict[str, list[dict]] = {}
    mentioned_me: set[str] = set()
    if ids:
        marks = ",".join("?" * len(ids))
        for row in await DB.fetch(
            f"SELECT message_id, emoji, COUNT(*) AS n, MAX(member_id = ?) AS mine FROM reaction"
            f" WHERE message_id IN ({marks}) GROUP BY message_id, emoji", me.member_id, *ids,
        ):
            reactions.setdefault(row["message_id"], []).append(
                {"emoji": row["emoji"], "count": row["n"], "mine": bool(row["mine"])})
        mentioned_me = {r["message_id"] for r in await DB.fetch(
            f"SELECT message_id FROM mention WHERE member_id = ? AND message_id IN ({marks})", me.member_id, *ids)}
    readonly = _is_readonly(thread)
    may_act = can(actor, "act", thread, group) and not readonly
    order = {e: i for i, e in enumerate(EMOJI)}
    for row in rows:
        row["author"], row["former_member"] = _author(row)
        row["deleted"] = row["deleted_at"] is not None
        row["mine"] = row["author_id"] == me.member_id
        row["mentions_me"] = row["id"] in mentioned_me
        row["reactions"] = sorted(reactions.get(row["id"], []), key=lambda r: order.get(r["emoji"], 99))
        row["can_delete"] = not row["deleted"] and can(actor, "message.delete", row, group)
        row["can_react"] = may_act and not row["deleted"]
    return rows, has_earlier


async def thread_mark_read(actor: Actor, thread_id: str) -> None:
    """I have seen the thread up to now (the thread page and the API read call this)."""
    thread, group = await _visible_thread(actor, thread_id)
    me = require(actor, "group.view", group)
    async with best_effort("a thread read"):
        await _mark_read(thread_id, me.member_id, now())


async def legacy_thread(group_id: str) -> dict | None:
    """The group's legacy channel, if it has one (no permission check: callers have one)."""
    return await DB.fetchone(
        "SELECT * FROM thread WHERE group_id = ? AND legacy_channel AND deleted_at IS NULL"
        " ORDER BY created_at LIMIT 1", group_id)


# -- writing ------------------------------------------------------------------------------------
async def _active_members(group_id: str) -> list[dict]:
    return await DB.fetch("SELECT id, display_name FROM member WHERE group_id = ? AND status = 'active'", group_id)


async def _insert_message(thread: dict, author_id: str | None, body: str, stamp: datetime, seq: int,
                          members: list[dict]) -> tuple[str, list[str]]:
    message_id = new_id()
    await DB.execute(
        "INSERT INTO message (id, thread_id, group_id, author_id, body, created_at, seq) VALUES (?,?,?,?,?,?,?)",
        message_id, thread["id"], thread["group_id"], author_id, body, stamp, seq,
    )
    mentioned = [m for m in parse_mentions(body, [(r["id"], r["display_name"]) for r in members]) if m != author_id]
    for member_id in mentioned:
        await DB.execute("INSERT INTO mention (message_id, member_id) VALUES (?,?) ON CONFLICT DO NOTHING",
                         message_id, member_id)
    return message_id, mentioned


async def _mark_read(thread_id: str, member_id: str, stamp: datetime) -> None:
    await DB.execute(
        "INSERT INTO thread_read (thread_id, member_id, last_read_at) VALUES (?,?,?)"
        " ON CONFLICT (thread_id, member_id) DO UPDATE SET last_read_at = excluded.last_read_at",
        thread_id, member_id, stamp,
    )


async def thread_create(actor: Actor, group_id: str, title: str | None, body: str | None, *,
                        off_topic: bool = False) -> dict:
    """Start a thread with its first message; tells the group, and those mentioned."""
    group = await groups.group_get(actor, group_id)
    me = require(actor, "act", group)
    clean = clean_title(title)
    text = clean_body(body)
    members = await _active_members(group_id)
    thread_id = new_id()
    stamp = now()
    async with DB.write():
        seq = await common.next_seq(group_id)
        await DB.execute(
            "INSERT INTO thread (id, group_id, author_id, title, off_topic, created_at, updated_at, last_message_at,"
            " message_count, seq) VALUES (?,?,?,?,?,?,?,?,1,?)",
            thread_id, group_id, me.member_id, clean, bool(off_topic), stamp, stamp, stamp, seq,
        )
        thread = {"id": thread_id, "group_id": group_id}
        message_id, mentioned = await _insert_message(thread, me.member_id, text, stamp, seq, members)
        await _mark_read(thread_id, me.member_id, stamp)
        url = f"/threads/{thread_id}"
        await notify.notify(mentioned, "mention", group_id=group_id, url=f"{url}#m-{message_id}",
                            title=lazy("{who} mentioned you in “{title}”", who=me.display_name, title=clean),
                            body=plain_excerpt(text, 200), object_type="thread", object_id=thread_id,
                            exclude_member=me.member_id)
        others = [m["id"] for m in members if m["id"] not in mentioned]
        await notify.notify(others, "off_topic" if off_topic else "discussion", group_id=group_id, url=url,
                            title=lazy("{who} started “{title}”", who=me.display_name, title=clean),
                            body=plain_excerpt(text, 200), object_type="thread", object_id=thread_id,
                            exclude_member=me.member_id)
    return await thread_get(actor, thread_id)


async def thread_set_legacy(actor: Actor, thread_id: str, legacy: bool, readonly_from: datetime | str | None) -> dict:
    """Admins mark a thread as the group's legacy channel (the old chat, during the move) with
    the date from which it is read-only, or unmark it. One legacy channel per group: marking
    another thread moves the mark."""
    thread, group = await _visible_thread(actor, thread_id)
    require(actor, "group.admin", group)
    when = clean_readonly_from(readonly_from, group["timezone"]) if legacy else None
    stamp = now()
    async with DB.write():
        seq = await common.next_seq(thread["group_id"])
        if legacy:
            await DB.execute("UPDATE thread SET legacy_channel = false, readonly_from = NULL, seq = ?, updated_at = ?"
                             " WHERE group_id = ? AND legacy_channel AND id != ?", seq, stamp, thread["group_id"],
                             thread_id)
        await DB.execute("UPDATE thread SET legacy_channel = ?, readonly_from = ?, seq = ?, updated_at = ? WHERE id = ?",
                         bool(legacy), when, seq, stamp, thread_id)
        await audit.record("thread.legacy" if legacy else "thread.unlegacy", actor=actor, group_id=thread["group_id"],
                           target_type="thread", target_id=thread_id, target_name=thread["title"],
                           detail=f"read-only from {when.isoformat()}" if when else "")
    return await thread_get(actor, thread_id)


# -- home dashboard -----------------------------------------------------------------------------
async def catch_up(actor: Actor, group_ids: Iterable[str] | None, since: datetime) -> dict[str, dict]:
    """Per group: what was said in discussions since `since` by others — how many messages,
    the top 3 threads by messages, and how many mention me."""
    mine = actor.members_in(group_ids)
    result: dict[str, dict] = {}
    since = as_utc(since)
    for group_id, member_id in mine.items():
        rows = await DB.fetch(
            "SELECT m.thread_id AS id, t.title, COUNT(*) AS count, MAX(m.created_at) AS latest"
            " FROM message m JOIN thread t ON t.id = m.thread_id"
            " WHERE m.group_id = ? AND m.created_at > ? AND m.deleted_at IS NULL AND t.deleted_at IS NULL"
            " AND (m.author_id IS NULL OR m.author_id != ?) AND m.source = 'post'"
            " GROUP BY m.thread_id ORDER BY count DESC, latest DESC",
            group_id, since, member_id,
        )
        mentions = await DB.fetchone(
            "SELECT COUNT(*) AS n FROM mention x JOIN message m ON m.id = x.message_id"
            " WHERE x.member_id = ? AND m.created_at > ? AND m.deleted_at IS NULL", member_id, since,
        )
        result[group_id] = {
            "messages": sum(r["count"] for r in rows),
            "threads": [{"id": r["id"], "title": r["title"], "count": r["count"], "url": f"/threads/{r['id']}"}
                        for r in rows[:3]],
            "thread_count": len(rows),
            "mentions": mentions["n"] if mentions else 0,
            "url": f"/groups/{group_id}/discussions",
        }
    return result
