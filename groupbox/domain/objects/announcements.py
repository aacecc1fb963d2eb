"""Announcements (SPEC §7): official or not, urgent, "acknowledge required", attached files;
read and acknowledgement state per member.

Rules:
- Posting one is `object.create` (moderators and up; members when the group allows it);
  editing and deleting is `object.edit` (moderators and up, or the author while they may post).
- Everyone in the group reads them, newest first. Opening one marks it read for that member.
- Acknowledging is `act` (everyone but guests); it is recorded once, with its time, and also
  counts as read. Admins see who has and who hasn't acknowledged (the author and guests are not
  asked).
- A new announcement notifies every active member but its author: an urgent *official* one as
  "urgent_announcement" (immediate), any other as "announcement" (digest).
- Every write takes the group's next `seq`; deleting leaves a tombstone.
"""

from __future__ import annotations

from typing import Any

from groupbox.access import Actor, can, require
from groupbox.db.engine import DB
from groupbox.db.full import best_effort
from groupbox.domain.files import service as files
from groupbox.domain.groups import store as groups_store
from groupbox.domain.groups.service import group_get, group_row
from groupbox.domain.notify import service as notify
from groupbox.domain.objects import common
from groupbox.domain.objects.schemas import AnnouncementCreate, AnnouncementInput
from groupbox.domain.objects.store import announcements as store
from groupbox.errors import Invalid
from groupbox.i18n import _
from groupbox.text import plain_excerpt
from groupbox.util import new_id, now

OBJECT_TYPE = "announcement"
TITLE_MAX = 120
BODY_MAX = 10000
FILES_MAX = 20
FLAGS = ("official", "urgent", "ack_required", "stays_here")


# -- validation (shared by forms, API and CLI) --------------------------------------------------
def clean_title(raw: str | None) -> str:
    return common.clean_line(raw, field="title", max_len=TITLE_MAX, empty=_("Give the announcement a title."))


def clean_body(raw: str | None) -> str:
    return common.clean_text(raw, field="body", max_len=BODY_MAX)


def clean_file_ids(raw: Any) -> list[str]:
    """A list of file ids (or one comma-separated string from a form)."""
    if raw is None or raw == "":
        return []
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    ids = list(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))
    if len(ids) > FILES_MAX:
        raise Invalid(_("Attach at most {n} files.", n=FILES_MAX), field="file_ids")
    return ids


def url_of(announcement_id: str) -> str:
    return f"/announcements/{announcement_id}"


# -- reading ------------------------------------------------------------------------------------
async def _row(announcement_id: str) -> dict:
    return await common.live_row("announcement", announcement_id)


async def _expected_ackers(group_id: str) -> list[dict]:
    return await common.acting_members(group_id)


async def _decorate(rows: list[dict], actor: Actor, group: dict, *, as_cards: bool = False) -> list[dict]:
    """Add what pages and the API show: author, my read/ack state, counts, files, url. `as_cards`:
    what `ui.announcement_card` shows, where "n of total confirmed" is an admin's only: for anyone
    else, no `ack_count` and `ack_expected` (the latter reads every member who may confirm)."""
    if not rows:
        return rows
    ids = [r["id"] for r in rows]
    membership = actor.membership(group["id"])
    me = membership.member_id if membership else ""
    names = await common.member_names([r["author_id"] for r in rows if r["author_id"]])
    reads = await store.read_ids(me, ids) if me else set()
    acks = await store.acked_at(me, ids) if me else {}
    confirmations = not as_cards or can(actor, "group.admin", group)
    counts = await store.ack_counts(ids) if confirmations else {}
    expected = None
    attached = await files.attachments(OBJECT_TYPE, ids)
    for row in rows:
        author = names.get(row["author_id"] or "")
        row["author_name"] = author["display_name"] if author else ""
        row["author_former"] = bool(author and author["status"] in ("left", "removed"))
        row["url"] = url_of(row["id"])
        row["excerpt"] = plain_excerpt(row["body"], 160)
        row["official"], row["urgent"] = bool(row["official"]), bool(row["urgent"])
        row["ack_required"], row["stays_here"] = bool(row["ack_required"]), bool(row["stays_here"])
        row["read"] = row["id"] in reads or row["id"] in acks or row["author_id"] == me
        row["acked"] = row["id"] in acks
        row["acked_at"] = acks.get(row["id"])
        if confirmations:
            row["ack_count"] = counts.get(row["id"], 0)
            if row["ack_required"]:
                if expected is None:
                    expected = await _expected_ackers(group["id"])
                row["ack_expected"] = len([m for m in expected if m["id"] != row["author_id"]])
            else:
                row["ack_expected"] = 0
        row["needs_my_ack"] = (row["ack_required"] and not row["acked"] and bool(me) and row["author_id"] != me
                               and can(actor, "act:acknowledge", group))
        row["files"] = attached.get(row["id"], [])
        row["group_timezone"] = group["timezone"]
    return rows


async def announcements_list(actor: Actor, group_id: str, *, official_only: bool = False,
                             limit: int | None = None, as_cards: bool = False) -> list[dict]:
    """The group's announcements, newest first (everyone in the group); `as_cards`: decorated
    for `ui.announcement_card` only (see `_decorate`)."""
    group = await group_get(actor, group_id)
    rows = await store.announcements_of_group(group_id, official_only, limit)
    return await _decorate(rows, actor, group, as_cards=as_cards)


async def announcement_get(actor: Actor, announcement_id: str) -> dict:
    """One announcement; NotFound for people outside its group. Admins also get
    `acked_members` and `not_acked_members`."""
    row = await _row(announcement_id)
    group = await group_get(actor, row["group_id"])
    (row,) = await _decorate([row], actor, group)
    row["can_edit"] = can(actor, "object.edit", row, group)
    if row["ack_required"] and can(actor, "group.admin", group):
        acked = await store.ackers(announcement_id)
        done = {m["id"] for m in acked}
        row["acked_members"] = acked
        row["not_acked_members"] = [m for m in await _expected_ackers(group["id"])
                                    if m["id"] not in done and m["id"] != row["author_id"]]
    return row


async def announcement_view(actor: Actor, announcement_id: str) -> dict:
    """Open an announcement: as `announcement_get`, and it counts as read from now on."""
    row = await announcement_get(actor, announcement_id)
    membership = actor.membership(row["group_id"])
    if membership and not row["read"]:
        async with best_effort("an announcement read"):
            await store.read_add(announcement_id, membership.member_id, now())
    return row


# -- writing ------------------------------------------------------------------------------------
async def _active_member_ids(group_id: str) -> list[str]:
    return await groups_store.member_ids_active(group_id)


def _category(official: bool, urgent: bool) -> str:
    return "urgent_announcement" if official and urgent else "announcement"


async def announcement_create(actor: Actor, group_id: str, data: AnnouncementCreate) -> dict:
    """Post an announcement from `data` (the form's, the API's or the CLI's input); the group hears of it."""
    flags = {flag: bool(data.get(flag, False)) for flag in FLAGS}
    group = await group_get(actor, group_id)
    me = require(actor, "object.create", group)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, cleaner, raw in (("title", clean_title, data.title), ("body", clean_body, data.get("body", "")),
                               ("file_ids", clean_file_ids, data.get("file_ids"))):
        try:
            values[name] = cleaner(raw)
        except Invalid as exc:
            errors.update(exc.errors)
    if errors:
        raise Invalid(next(iter(errors.values())), errors=errors)
    announcement_id = new_id()
    stamp = now()
    async with DB.write():
        seq = await common.next_seq(group_id)
        await store.announcement_insert(
            announcement_id=announcement_id, group_id=group_id, author_id=me.member_id, title=values["title"],
            body=values["body"], stamp=stamp, seq=seq, **flags,
        )
        await files.attach(group_id, OBJECT_TYPE, announcement_id, values["file_ids"])
        await notify.notify(
            await _active_member_ids(group_id), _category(flags["official"], flags["urgent"]), group_id=group_id,
            title=values["title"], body=plain_excerpt(values["body"], 200), url=url_of(announcement_id),
            object_type=OBJECT_TYPE, object_id=announcement_id, exclude_member=me.member_id,
        )
    return await announcement_get(actor, announcement_id)


async def announcement_update(actor: Actor, announcement_id: str, data: AnnouncementInput) -> dict:
    """Edit title, body, flags or files: only the fields present in `data` change (None =
    unchanged; `file_ids` replaces the list)."""
    changes = data.given()
    row = await _row(announcement_id)
    group = await group_get(actor, row["group_id"])
    require(actor, "object.edit", row, group)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, cleaner in (("title", clean_title), ("body", clean_body)):
        if name in changes:
            try:
                values[name] = cleaner(changes[name])
            except Invalid as exc:
                errors.update(exc.errors)
    for flag in FLAGS:
        if flag in changes:
            values[flag] = bool(changes[flag])
    file_ids = None
    if "file_ids" in changes:
        try:
            file_ids = clean_file_ids(changes["file_ids"])
        except Invalid as exc:
            errors.update(exc.errors)
    if errors:
        raise Invalid(next(iter(errors.values())), errors=errors)
    if not values and file_ids is None:
        return await announcement_get(actor, announcement_id)
    async with DB.write():
        values["seq"] = await common.next_seq(row["group_id"])
        values["updated_at"] = now()
        await store.announcement_set(announcement_id, values)
        if file_ids is not None:
            await files.detach_all(OBJECT_TYPE, announcement_id)
            await files.attach(row["group_id"], OBJECT_TYPE, announcement_id, file_ids)
    return await announcement_get(actor, announcement_id)


async def announcement_delete(actor: Actor, announcement_id: str) -> dict:
    """Delete (soft): it disappears for everyone and leaves a tombstone for sync."""
    row = await _row(announcement_id)
    group = await group_get(actor, row["group_id"])
    require(actor, "object.edit", row, group)
    await common.soft_delete(OBJECT_TYPE, row)
    return row


async def announcement_ack(actor: Actor, announcement_id: str) -> dict:
    """"I've read it": recorded once (the first time counts), and it marks the announcement read."""
    row = await _row(announcement_id)
    group = await group_get(actor, row["group_id"])
    me = require(actor, "act:acknowledge", row, group)
    stamp = now()
    async with DB.write():
        existing = await store.ack_get(announcement_id, me.member_id)
        if existing is None:
            seq = await common.next_seq(row["group_id"])
            await store.ack_add(announcement_id, me.member_id, stamp, seq)
        await store.read_add(announcement_id, me.member_id, stamp)
    return await announcement_get(actor, announcement_id)


# -- across groups (home dashboard, "Needs me") ---------------------------------------------------
async def official_updates(actor: Actor, group_ids: list[str] | None = None, limit: int = 10) -> list[dict]:
    """The newest official announcements across my groups, with `read` and `acked` for me."""
    mine = actor.members_in(group_ids)
    if not mine:
        return []
    rows = await store.official_of_groups(list(mine), limit)
    result = []
    for group_id in dict.fromkeys(r["group_id"] for r in rows):
        group = await group_row(group_id)
        for row in await _decorate([r for r in rows if r["group_id"] == group_id], actor, group):
            row["group_name"], row["group_color_index"] = group["name"], group["color_index"]
            result.append(row)
    result.sort(key=lambda r: r["created_at"], reverse=True)
    return result
