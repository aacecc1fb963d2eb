"""JSON API for discussions (SPEC §15): threads, messages, reactions, the legacy channel."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import delete, get, patch, post

from groupbox.access import Actor
from groupbox.domain.objects import messages, threads
from groupbox.text import render_markdown
from groupbox.web.openapi import errors
from groupbox.web.support import SIGNED_IN


class ThreadIn(msgspec.Struct):
    title: str = ""
    body: str = ""
    off_topic: bool = False


class MessageIn(msgspec.Struct):
    body: str = ""


class ReactionIn(msgspec.Struct):
    emoji: str = ""


class ThreadPatch(msgspec.Struct):
    legacy_channel: bool
    readonly_from: str | None = None  # ISO 8601 with offset, or naive = the group's timezone


class GroupRef(msgspec.Struct):
    id: str
    name: str


class LastMessage(msgspec.Struct):
    id: str
    author: str
    excerpt: str
    created_at: datetime


class ThreadOut(msgspec.Struct):
    id: str
    group: GroupRef
    title: str
    author_id: str | None
    created_at: datetime
    last_message_at: datetime
    message_count: int
    legacy_channel: bool
    readonly_from: datetime | None
    readonly: bool
    legacy_note: str
    off_topic: bool
    url: str
    unread: int | None = None
    last_message: LastMessage | None = None


class ThreadList(msgspec.Struct):
    items: list[ThreadOut]


class Reaction(msgspec.Struct):
    emoji: str
    count: int
    mine: bool


class MessageOut(msgspec.Struct):
    id: str
    thread_id: str
    author_id: str | None
    author: str
    former_member: bool
    body: str
    body_html: str
    created_at: datetime
    deleted: bool
    url: str
    mentions_me: bool = False
    reactions: list[Reaction] = []


class ThreadDetail(msgspec.Struct):
    thread: ThreadOut
    messages: list[MessageOut]
    has_earlier: bool = False


class ReactionsOut(msgspec.Struct):
    added: bool
    emoji: str
    reactions: list[Reaction]


def thread_out(row: dict) -> ThreadOut:
    last = row.get("last_message")
    return ThreadOut(
        id=row["id"], group=GroupRef(row["group"]["id"], row["group"]["name"]), title=row["title"],
        author_id=row["author_id"], created_at=row["created_at"], last_message_at=row["last_message_at"],
        message_count=row["message_count"], legacy_channel=row["legacy_channel"], readonly_from=row["readonly_from"],
        readonly=row["readonly"], legacy_note=row["legacy_note"], off_topic=row["off_topic"], url=row["url"],
        unread=row.get("unread"),
        last_message=LastMessage(last["id"], last["author"], last["excerpt"], last["created_at"]) if last else None,
    )


def message_out(row: dict) -> MessageOut:
    return MessageOut(
        id=row["id"], thread_id=row["thread_id"], author_id=row["author_id"], author=row["author"],
        former_member=row["former_member"], body=row["body"], body_html=str(render_markdown(row["body"])),
        created_at=row["created_at"], deleted=row["deleted"], url=f"/threads/{row['thread_id']}#m-{row['id']}",
        mentions_me=row.get("mentions_me", False),
        reactions=[Reaction(r["emoji"], r["count"], r["mine"]) for r in row.get("reactions", [])],
    )


@get("/api/groups/{group_id:str}/threads", guards=SIGNED_IN, tags=["threads"])
async def threads_list(actor: Actor, group_id: str) -> ThreadList:
    return ThreadList(items=[thread_out(r) for r in await threads.threads_list(actor, group_id)])


@post("/api/groups/{group_id:str}/threads", guards=SIGNED_IN, tags=["threads"])
async def threads_create(actor: Actor, group_id: str, data: ThreadIn) -> ThreadDetail:
    thread = await threads.thread_create(actor, group_id, data.title, data.body, off_topic=data.off_topic)
    messages, _earlier = await threads.thread_messages(actor, thread["id"])
    return ThreadDetail(thread=thread_out(thread), messages=[message_out(m) for m in messages])


@get("/api/threads/{thread_id:str}", guards=SIGNED_IN, tags=["threads"])
async def threads_get(actor: Actor, thread_id: str, before: datetime | None = None) -> ThreadDetail:
    """The thread and its messages, oldest first (the latest 200, or those `before` a time).
    Reading it counts as having seen it."""
    thread = await threads.thread_get(actor, thread_id)
    messages, earlier = await threads.thread_messages(actor, thread_id, before=before)
    await threads.thread_mark_read(actor, thread_id)
    return ThreadDetail(thread=thread_out(thread), messages=[message_out(m) for m in messages], has_earlier=earlier)


@patch("/api/threads/{thread_id:str}", guards=SIGNED_IN, tags=["threads"])
async def threads_update(actor: Actor, thread_id: str, data: ThreadPatch) -> ThreadOut:
    return thread_out(await threads.thread_set_legacy(actor, thread_id, data.legacy_channel, data.readonly_from))


@post("/api/threads/{thread_id:str}/messages", guards=SIGNED_IN, tags=["threads"], responses=errors(409))
async def messages_create(actor: Actor, thread_id: str, data: MessageIn) -> MessageOut:
    return message_out(await messages.message_post(actor, thread_id, data.body))


@post("/api/messages/{message_id:str}/reactions", guards=SIGNED_IN, tags=["threads"], status_code=200,
      responses=errors(409))
async def reactions_toggle(actor: Actor, message_id: str, data: ReactionIn) -> ReactionsOut:
    result = await messages.reaction_toggle(actor, message_id, data.emoji)
    return ReactionsOut(added=result["added"], emoji=result["emoji"],
                        reactions=[Reaction(r["emoji"], r["count"], r["mine"]) for r in result["reactions"]])


@delete("/api/messages/{message_id:str}", guards=SIGNED_IN, tags=["threads"])
async def messages_delete(actor: Actor, message_id: str) -> None:
    await messages.message_delete(actor, message_id)


HANDLERS = [threads_list, threads_create, threads_get, threads_update, messages_create, reactions_toggle,
            messages_delete]
