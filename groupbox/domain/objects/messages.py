"""Messages (SPEC §7): replying in a thread, reactions, deleting, and bringing an old chat's
messages into a thread. The rules are in `threads`' docstring; this module builds on its
helpers (threads never imports it)."""

from __future__ import annotations

from collections.abc import Iterable

from groupbox.access import Actor, can, require
from groupbox.db import bus
from groupbox.db.engine import DB
from groupbox.domain.groups import store as groups_store
from groupbox.domain.notify import service as notify
from groupbox.domain.objects import common
from groupbox.domain.objects.store import threads as store
from groupbox.domain.objects.threads import (
    BODY_MAX,
    EMOJI,
    _active_members,
    _author,
    _insert_message,
    _is_readonly,
    _mark_read,
    _visible_thread,
    clean_body,
    legacy_note,
)
from groupbox.errors import Conflict, Invalid, NotFound
from groupbox.i18n import _, lazy
from groupbox.text import plain_excerpt
from groupbox.util import as_utc, new_id, now

IMPORT_BATCH = 500
_EMOJI_BY_BARE = {e.replace("\ufe0f", ""): e for e in EMOJI}


# -- validation ---------------------------------------------------------------------------------
def clean_emoji(raw: str | None) -> str:
    emoji = _EMOJI_BY_BARE.get((raw or "").strip().replace("\ufe0f", ""))
    if emoji is None:
        raise Invalid(_("Pick one of these reactions: {emoji}", emoji=" ".join(EMOJI)), field="emoji")
    return emoji


# -- reading ------------------------------------------------------------------------------------
async def _message_row(message_id: str) -> dict | None:
    return await store.message_row(message_id)


def _message_out(row: dict) -> dict:
    row["author"], row["former_member"] = _author(row)
    row["deleted"] = row["deleted_at"] is not None
    return row


async def message_get(actor: Actor, message_id: str) -> dict:
    """One message with its thread's title and whether I may delete it (for the confirm page)."""
    row = await _message_row(message_id)
    if row is None:
        raise NotFound(_("Not found"))
    thread, group = await _visible_thread(actor, row["thread_id"])
    _message_out(row)
    row["thread_title"] = thread["title"]
    row["group"] = {"id": group["id"], "name": group["name"], "color_index": group["color_index"],
                    "timezone": group["timezone"]}
    row["can_delete"] = not row["deleted"] and can(actor, "message.delete", row, group)
    return row


# -- writing ------------------------------------------------------------------------------------
async def message_post(actor: Actor, thread_id: str, body: str | None) -> dict:
    """Reply in a thread (not in a legacy channel past its read-only date)."""
    thread, group = await _visible_thread(actor, thread_id)
    me = require(actor, "act", thread, group)
    text = clean_body(body)
    if _is_readonly(thread):
        raise Conflict(legacy_note(thread, group["timezone"]) + " " + _("Start a new thread instead."))
    members = await _active_members(thread["group_id"])
    stamp = now()
    async with DB.write():
        seq = await common.next_seq(thread["group_id"])
        message_id, mentioned = await _insert_message(thread, me.member_id, text, stamp, seq, members)
        await store.thread_add_messages(thread_id, 1, stamp, seq, stamp)
        await _mark_read(thread_id, me.member_id, stamp)
        url = f"/threads/{thread_id}#m-{message_id}"
        await notify.notify(mentioned, "mention", group_id=thread["group_id"], url=url,
                            title=lazy("{who} mentioned you in “{title}”", who=me.display_name, title=thread["title"]),
                            body=plain_excerpt(text, 200), object_type="thread", object_id=thread_id,
                            exclude_member=me.member_id)
        took_part = await store.message_authors(thread_id)
        if thread["author_id"]:
            took_part.add(thread["author_id"])
        others = [m for m in took_part if m not in mentioned]
        await notify.notify(others, "off_topic" if thread["off_topic"] else "discussion", group_id=thread["group_id"],
                            url=url, title=lazy("{who} replied in “{title}”", who=me.display_name, title=thread["title"]),
                            body=plain_excerpt(text, 200), object_type="thread", object_id=thread_id,
                            exclude_member=me.member_id)
    bus.publish()  # committed: wake this process's live streams now (groupbox/db/bus.py)
    return _message_out(await _message_row(message_id))


async def message_delete(actor: Actor, message_id: str) -> dict:
    """The author, or a moderator and up, deletes a message: its text goes, "message deleted"
    stays in the thread, and a tombstone tells home servers."""
    row = await _message_row(message_id)
    if row is None:
        raise NotFound(_("Not found"))
    thread, group = await _visible_thread(actor, row["thread_id"])
    me = require(actor, "message.delete", row, group)
    if row["deleted_at"] is not None:
        return _message_out(row)
    stamp = now()
    async with DB.write():
        seq = await common.next_seq(row["group_id"])
        await store.message_erase(message_id, me.member_id, seq, stamp)
        await store.thread_drop_message(row["thread_id"], seq, stamp)
        await common.tombstone(row["group_id"], "message", message_id)
    return _message_out(await _message_row(message_id))


async def reaction_toggle(actor: Actor, message_id: str, emoji: str | None) -> dict:
    """Add my reaction, or take it back if I had given it.
    Returns {"added", "emoji", "reactions": [{"emoji", "count", "mine"}], "thread_id"}."""
    row = await _message_row(message_id)
    if row is None:
        raise NotFound(_("Not found"))
    thread, group = await _visible_thread(actor, row["thread_id"])
    me = require(actor, "act", row, group)
    chosen = clean_emoji(emoji)
    if row["deleted_at"] is not None:
        raise Conflict(_("That message was deleted."))
    if _is_readonly(thread):
        raise Conflict(legacy_note(thread, group["timezone"]))
    async with DB.write():
        removed = await store.reaction_remove(message_id, me.member_id, chosen)
        if not removed:
            await store.reaction_add(message_id, me.member_id, chosen, now())
            if row["author_id"]:
                await notify.notify([row["author_id"]], "reaction", group_id=row["group_id"],
                                    url=f"/threads/{row['thread_id']}#m-{message_id}",
                                    title=lazy("{who} reacted {emoji} to your message in “{title}”",
                                            who=me.display_name, emoji=chosen, title=thread["title"]),
                                    object_type="thread", object_id=row["thread_id"], exclude_member=me.member_id)
        seq = await common.next_seq(row["group_id"])
        await store.message_set_seq(message_id, seq)
    counts = await store.reaction_counts(me.member_id, [message_id])
    order = {e: i for i, e in enumerate(EMOJI)}
    reactions = sorted(({"emoji": r["emoji"], "count": r["n"], "mine": bool(r["mine"])} for r in counts),
                       key=lambda r: order.get(r["emoji"], 99))
    return {"added": not removed, "emoji": chosen, "reactions": reactions, "thread_id": row["thread_id"]}


async def messages_import(actor: Actor, thread_id: str, items: Iterable[dict]) -> int:
    """Admins bring an old chat's messages into a thread (the migration kit): each item has
    `body`, `created_at` (aware), `author_name`, and optionally `member_id` of this group.
    Nobody is notified, nothing is parsed for mentions. Returns how many were added."""
    thread, group = await _visible_thread(actor, thread_id)
    require(actor, "group.admin", group)
    members = set(await groups_store.member_ids_all(thread["group_id"]))
    added = 0
    latest = thread["last_message_at"]
    batch: list[tuple] = []

    async def flush() -> None:
        nonlocal added, latest
        if not batch:
            return
        async with DB.write():
            seq = await common.next_seq(thread["group_id"])
            await store.messages_import(batch, seq)
            newest = max(row[6] for row in batch)
            latest = max(as_utc(latest), newest) if latest else newest
            await store.thread_add_messages(thread_id, len(batch), latest, seq, now())
        added += len(batch)
        batch.clear()

    for item in items:
        body = (item.get("body") or "").replace("\x00", "").strip()[:BODY_MAX]
        if not body:
            continue
        member_id = item.get("member_id") if item.get("member_id") in members else None
        created = as_utc(item.get("created_at") or now())
        batch.append((new_id(), thread_id, thread["group_id"], member_id,
                      " ".join((item.get("author_name") or "").split())[:80], body, created))
        if len(batch) >= IMPORT_BATCH:
            await flush()
    await flush()
    return added
