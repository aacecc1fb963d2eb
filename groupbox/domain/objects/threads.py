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
from groupbox.domain.groups import store as groups_store
from groupbox.domain.notify import service as notify
from groupbox.domain.objects import common
from groupbox.domain.objects.store import threads as store
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
    return await store.thread_row(thread_id)


async def _visible_thread(actor: Actor, thread_id: str) -> tuple[dict, dict]:
    thread = await _thread_row(thread_id)
    if thread is None or thread["deleted_at"] is not None:
        raise NotFound(_("Not found"))
    group = await groups.group_get(actor, thread["group_id"])
    return thread, group


async def _my_floor(member_id: str) -> datetime:
    row = await groups.member_row(member_id)
    return row["joined_at"] if row else now()


async def _last_messages(thread_ids: list[str]) -> dict[str, dict]:
    if not thread_ids:
        return {}
    rows = await store.last_messages(thread_ids)
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
    rows = await store.threads_of_group(group_id, me.member_id, await _my_floor(me.member_id), limit)
    return await _with_last_messages(rows, group)


async def threads_overview(actor: Actor, group_id: str, size: int) -> dict:
    """The group dashboard's view: the `size` threads of newest activity and the old chat, each
    with its last message and my unread count, and how many threads there are. Only the threads
    shown are read (issue 17: not all fifty with their unread counts and last messages)."""
    group = await groups.group_get(actor, group_id)
    me = require(actor, "group.view", group)
    floor = await _my_floor(me.member_id)
    active = await store.threads_of_group(group_id, me.member_id, floor, size, legacy=False)
    legacy = (await store.threads_of_group(group_id, me.member_id, floor, 1, legacy=True) or [None])[0]
    await _with_last_messages(active + ([legacy] if legacy else []), group)
    return {"threads": active, "legacy": legacy, "total": await store.thread_count(group_id)}


async def _with_last_messages(rows: list[dict], group: dict) -> list[dict]:
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
    rows = await store.messages_of_thread(thread_id, as_utc(before) if before is not None else None, limit + 1)
    has_earlier = len(rows) > limit
    rows = list(reversed(rows[:limit]))
    ids = [r["id"] for r in rows]
    reactions: dict[str, list[dict]] = {}
    for row in await store.reaction_counts(me.member_id, ids):
        reactions.setdefault(row["message_id"], []).append(
            {"emoji": row["emoji"], "count": row["n"], "mine": bool(row["mine"])})
    mentioned_me = await store.mentioned_among(me.member_id, ids)
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
    return await store.legacy_thread(group_id)


# -- writing ------------------------------------------------------------------------------------
async def _active_members(group_id: str) -> list[dict]:
    return await groups_store.members_active(group_id)


async def _insert_message(thread: dict, author_id: str | None, body: str, stamp: datetime, seq: int,
                          members: list[dict]) -> tuple[str, list[str]]:
    message_id = new_id()
    await store.message_insert(message_id=message_id, thread_id=thread["id"], group_id=thread["group_id"],
                               author_id=author_id, body=body, stamp=stamp, seq=seq)
    mentioned = [m for m in parse_mentions(body, [(r["id"], r["display_name"]) for r in members]) if m != author_id]
    for member_id in mentioned:
        await store.mention_add(message_id, member_id)
    return message_id, mentioned


async def _mark_read(thread_id: str, member_id: str, stamp: datetime) -> None:
    await store.read_mark(thread_id, member_id, stamp)


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
        await store.thread_insert(thread_id=thread_id, group_id=group_id, author_id=me.member_id, title=clean,
                                  off_topic=bool(off_topic), stamp=stamp, seq=seq)
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
            await store.legacy_clear_others(thread["group_id"], thread_id, seq, stamp)
        await store.thread_set_legacy(thread_id, bool(legacy), when, seq, stamp)
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
        rows = await store.busy_threads(group_id, member_id, since)
        mentions = await store.mention_count_since(member_id, since)
        result[group_id] = {
            "messages": sum(r["count"] for r in rows),
            "threads": [{"id": r["id"], "title": r["title"], "count": r["count"], "url": f"/threads/{r['id']}"}
                        for r in rows[:3]],
            "thread_count": len(rows),
            "mentions": mentions,
            "url": f"/groups/{group_id}/discussions",
        }
    return result
