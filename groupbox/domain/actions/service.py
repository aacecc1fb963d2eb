"""Action items: what needs a person, derived from the structured objects (SPEC §8).

An action item exists exactly while its "done" rule is false:

| kind        | appears when                                                     | done when                         | weight |
|-------------|------------------------------------------------------------------|-----------------------------------|--------|
| rsvp        | an RSVP-required event ahead, not cancelled, deadline not passed | I answered (yes/no/maybe)         | 3      |
| acknowledge | an announcement or file needs acknowledging                      | I acknowledged                    | 2 (4 if urgent official) |
| vote        | a poll is open                                                    | I voted                           | 2      |
| task        | a task is assigned to me                                          | it is done (or I'm unassigned)    | 2      |
| question    | an admin @mentions me with a question ("?")                       | I read the thread after it        | 2      |
| commitment  | a sign-up slot I took starts within 7 days                        | it has started                    | 1.5    |
| mention     | someone @mentions me                                              | I read the thread after it        | 1      |

Ranking (higher first): **score = weight × urgency**, with urgency = 1 / (1 + days left), days
left = time until the item's deadline (RSVP deadline, else the event's start; the poll's close;
the task's due date; the slot's start), clamped at 0 for overdue items (urgency 1). Items
without a deadline count as if due in 2 days (urgency 1/3). So an event in two days without an
RSVP (3 × 1/3 = 1.0) outranks a poll closing next week (2 × 1/8 = 0.25), and an urgent official
announcement (4 × 1/3 = 1.33) outranks chatter (a mention: 1 × 1/3 = 0.33). Ties: earlier
deadline, then newer item.

A new joiner came for the next event, not for the group's history:
- In a group I joined less than `NEW_JOINER` ago, that group's soonest missing RSVP counts as due
  now (urgency 1, so 3.0): it comes first.
- Acknowledging something shared before I joined (a file, a non-urgent announcement) weighs
  `OLDER_ACK_WEIGHT` and is marked `older`, so pages fold it ("2 older files to confirm").
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from groupbox.access import Actor, acting_groups
from groupbox.domain.actions import store
from groupbox.domain.groups import store as groups_store
from groupbox.i18n import _
from groupbox.util import as_utc, now

WEIGHTS = {"rsvp": 3.0, "acknowledge": 2.0, "vote": 2.0, "task": 2.0, "question": 2.0, "commitment": 1.5,
           "mention": 1.0}
URGENT_ACK_WEIGHT = 4.0
OLDER_ACK_WEIGHT = 0.5
NO_DEADLINE_DAYS = 2.0
COMMITMENT_WINDOW = timedelta(days=7)
NEW_JOINER = timedelta(days=7)


@dataclass
class ActionItem:
    id: str
    kind: str
    group_id: str
    title: str
    url: str
    due_at: datetime | None = None
    created_at: datetime | None = None
    weight: float = 1.0
    detail: dict[str, Any] = field(default_factory=dict)
    score: float = 0.0
    due_now: bool = False  # a new joiner's first RSVP (see the module docstring)

    def as_dict(self, groups: dict[str, dict]) -> dict[str, Any]:
        group = groups.get(self.group_id, {})
        return {
            "id": self.id,
            "kind": self.kind,
            "group": {"id": self.group_id, "name": group.get("name", "")},
            "title": self.title,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "url": self.url,
        }


def urgency(due_at: datetime | None, reference: datetime, due_now: bool = False) -> float:
    if due_now:
        return 1.0
    if due_at is None:
        return 1.0 / (1.0 + NO_DEADLINE_DAYS)
    days_left = max((as_utc(due_at) - reference).total_seconds() / 86400.0, 0.0)
    return 1.0 / (1.0 + days_left)


def _order(weight: float, due_at: datetime | None, created_at: datetime | None, item_id: str, due_now: bool,
           reference: datetime) -> tuple[float, tuple]:
    """(score, sort key) of one item: weight × `urgency`, then `rank`'s ties, the datetimes as
    seconds since the epoch."""
    score = round(weight * urgency(due_at, reference, due_now), 6)
    due = math.inf if due_at is None else as_utc(due_at).timestamp()
    created = 0.0 if created_at is None else as_utc(created_at).timestamp()
    return score, (-score, due, -created, item_id)


def rank(items: list[ActionItem], reference: datetime | None = None) -> list[ActionItem]:
    """Order by weight × urgency (see the module docstring); stable and deterministic."""
    at = reference or now()
    keyed = []
    for item in items:
        item.score, key = _order(item.weight, item.due_at, item.created_at, item.id, item.due_now, at)
        keyed.append((key, item))
    keyed.sort(key=lambda pair: pair[0])
    return [item for _key, item in keyed]


@dataclass
class Ranked:
    """The first items of a ranking, how many there are in all (`ranked`), and the ids of all
    that were read, shown or not (a page leaves those out of its other sections)."""
    items: list[ActionItem]
    total: int
    ids: set[str] = field(default_factory=set)


# The items of each kind, from their rows (`ranked` builds only those a page shows).
def _rsvp(r: dict, due: datetime, new_joiner: bool) -> ActionItem:
    return ActionItem(r["id"], "rsvp", r["group_id"], r["title"], f"/events/{r['id']}", due, r["created_at"],
                      WEIGHTS["rsvp"], {"starts_at": r["starts_at"], "location": r["location"],
                                        "rsvp_deadline": r["rsvp_deadline"]}, due_now=new_joiner)


def _announcement(r: dict, weight: float, backlog: bool) -> ActionItem:
    return ActionItem(r["id"], "acknowledge", r["group_id"], r["title"], f"/announcements/{r['id']}", None,
                      r["created_at"], weight,
                      {"object": "announcement", "official": bool(r["official"]), "urgent": bool(r["urgent"]),
                       "ack_url": f"/announcements/{r['id']}/ack", "older": backlog})


def _file(r: dict, weight: float, backlog: bool) -> ActionItem:
    return ActionItem(r["id"], "acknowledge", r["group_id"], r["display_name"], f"/files/{r['id']}", None,
                      r["created_at"], weight,
                      {"object": "file", "content_type": r["content_type"], "ack_url": f"/files/{r['id']}/ack",
                       "download_url": f"/files/{r['id']}/download", "older": backlog})


def _poll(r: dict) -> ActionItem:
    return ActionItem(r["id"], "vote", r["group_id"], r["question"], f"/polls/{r['id']}", r["closes_at"],
                      r["created_at"], WEIGHTS["vote"])


def _task(r: dict) -> ActionItem:
    return ActionItem(r["id"], "task", r["group_id"], r["title"], f"/tasks/{r['id']}", r["due_at"], r["created_at"],
                      WEIGHTS["task"], {"status": r["status"]})


def _commitment(r: dict) -> ActionItem:
    return ActionItem(r["id"], "commitment", r["group_id"], f"{r['label']} · {r['title']}",
                      f"/signups/{r['signup_id']}", r["starts_at"], r["committed_at"], WEIGHTS["commitment"],
                      {"event_id": r["event_id"], "label": r["label"]})


def _mention(r: dict, kind: str) -> ActionItem:
    return ActionItem(r["id"], kind, r["group_id"],
                      _("{who} in “{title}”", who=r["author_name"] or "", title=r["thread_title"]),
                      f"/threads/{r['thread_id']}#m-{r['id']}", None, r["created_at"], WEIGHTS[kind],
                      {"excerpt": r["body"][:140], "author": r["author_name"]})


async def derive(actor: Actor, reference: datetime | None = None, group_ids: list[str] | None = None) -> list[ActionItem]:
    """Every open action item for the actor across their groups (or `group_ids`), ranked."""
    return (await ranked(actor, reference, group_ids)).items


async def ranked(actor: Actor, reference: datetime | None = None, group_ids: list[str] | None = None,
                 limit: int | None = None) -> Ranked:
    """The actor's open action items, ranked, and their `total`. With `limit`, only the first
    `limit` of the kinds that run to a hundred (missing RSVPs, tasks) are read, in the order
    `rank` gives each, so `items[:limit]` is exact however many items a page leaves out (only
    commitments and older items, which are all here); later items may be missing, and `total`
    counts them all, `ids` names them all. Kinds of a few dozen are read whole (a window over 28
    rows cost SQLite more, 0.30 ms, than reading them all, 0.19), but of them too only the items
    in the first `limit` (and commitments and older items) are built."""
    reference = reference or now()
    # Only groups where the actor may act (guests only read): they have nothing to answer elsewhere.
    memberships = {gid: m for gid, m in acting_groups(actor).items() if group_ids is None or gid in group_ids}
    if not memberships:
        return Ranked([], 0)
    pairs = [(m.group_id, m.member_id) for m in memberships.values()]
    mids = [member_id for _group_id, member_id in pairs]
    if all(m.joined_at is not None for m in memberships.values()):  # read with the actor: no second read
        joined = {m.group_id: as_utc(m.joined_at) for m in memberships.values()}
    else:
        from groupbox.domain.groups import service as groups

        joined = {r["group_id"]: as_utc(r["joined_at"]) for r in await groups.members_rows(mids) if r["joined_at"]}

    def older(group_id: str, created_at: datetime | None) -> bool:
        """Shared before I joined the group."""
        since = joined.get(group_id)
        return since is not None and created_at is not None and as_utc(created_at) < since

    # Every row read becomes a pending item: its rank's terms, whether a page needs it whatever
    # its place (commitments, older items: see the docstring) and how to build it. Only those a
    # page shows are built (issue 17: Anna's home read 103 items to show 12).
    pending: list[tuple[tuple, float, bool, Callable[[], ActionItem]]] = []
    left_out = 0  # items of the limited kinds not read

    def later(item_id: str, weight: float, due_at: datetime | None, created_at: datetime | None,
              build: Callable[[], ActionItem], due_now: bool = False, keep: bool = False) -> None:
        score, key = _order(weight, due_at, created_at, item_id, due_now, reference)
        pending.append((key, score, keep, build))

    # RSVPs missing on RSVP-required events still ahead and still answerable. A new joiner's first
    # missing RSVP in a group comes first, wherever its date puts it.
    rows = await store.rsvps_missing(pairs, reference, limit)
    new_groups = [(gid, mid) for gid, mid in pairs if gid in joined and reference - joined[gid] < NEW_JOINER]
    firsts: dict[str, str] = {}  # a new joiner's group -> its soonest missing RSVP
    if limit is None:
        new = {gid for gid, _mid in new_groups}
        for r in sorted(rows, key=lambda r: (as_utc(r["starts_at"]), r["id"])):
            if r["group_id"] in new:
                firsts.setdefault(r["group_id"], r["id"])
    else:
        left_out += rows[0]["total"] - len(rows) if rows else 0
        first_rows = await store.rsvps_first(new_groups, reference) if new_groups else []
        firsts = {r["group_id"]: r["id"] for r in first_rows}
        shown = {r["id"] for r in rows}
        left_out -= sum(r["id"] not in shown for r in first_rows)
        rows += [r for r in first_rows if r["id"] not in shown]
    for r in rows:
        new_joiner = firsts.get(r["group_id"]) == r["id"]
        due = r["rsvp_deadline"] or r["starts_at"]
        later(r["id"], WEIGHTS["rsvp"], due, r["created_at"], partial(_rsvp, r, due, new_joiner), due_now=new_joiner)

    # Announcements to acknowledge.
    for r in await store.announcements_unacked(pairs):
        urgent = bool(r["urgent"] and r["official"])
        backlog = not urgent and older(r["group_id"], r["created_at"])
        weight = URGENT_ACK_WEIGHT if urgent else OLDER_ACK_WEIGHT if backlog else WEIGHTS["acknowledge"]
        later(r["id"], weight, None, r["created_at"], partial(_announcement, r, weight, backlog), keep=backlog)

    # Files to acknowledge.
    for r in await store.files_unacked(pairs):
        backlog = older(r["group_id"], r["created_at"])
        weight = OLDER_ACK_WEIGHT if backlog else WEIGHTS["acknowledge"]
        later(r["id"], weight, None, r["created_at"], partial(_file, r, weight, backlog), keep=backlog)

    # Open polls I have not voted in.
    for r in await store.polls_unvoted(pairs, reference):
        later(r["id"], WEIGHTS["vote"], r["closes_at"], r["created_at"], partial(_poll, r))

    # Tasks assigned to me and not done.
    rows = await store.tasks_open(mids, limit, reference + timedelta(days=NO_DEADLINE_DAYS))
    left_out += rows[0]["total"] - len(rows) if rows and limit else 0
    for r in rows:
        later(r["id"], WEIGHTS["task"], r["due_at"], r["created_at"], partial(_task, r))

    # Sign-up slots I took that start within a week (the slot's time, else its sheet's event).
    for r in await store.commitments_between(mids, reference, reference + COMMITMENT_WINDOW):
        later(r["id"], WEIGHTS["commitment"], r["starts_at"], r["committed_at"], partial(_commitment, r), keep=True)

    # Mentions (and questions from admins) in messages newer than my last read of the thread.
    for r in await store.mentions_unread(mids):
        question = r["author_role"] in ("owner", "admin") and r["body"].rstrip().endswith("?")
        kind = "question" if question else "mention"
        later(r["id"], WEIGHTS[kind], None, r["created_at"], partial(_mention, r, kind))

    pending.sort(key=lambda entry: entry[0])
    items: list[ActionItem] = []
    others = 0  # built items that are neither commitments nor older: with `limit`, the first `limit`
    for _key, score, keep, build in pending:
        if limit is None or keep or others < limit:
            item = build()
            item.score = score
            items.append(item)
            others += not keep
    return Ranked(items, len(pending) + left_out, {entry[0][3] for entry in pending})


def fold_older(items: list[ActionItem]) -> tuple[list[ActionItem], list[ActionItem]]:
    """(current, older): what was shared before I joined (`detail["older"]`) folds under one line
    on a page. The `fold_older` template filter; one pass instead of a filter chain per list."""
    current: list[ActionItem] = []
    older: list[ActionItem] = []
    for item in items:
        (older if item.detail.get("older") else current).append(item)
    return current, older


# Words that say who is in a group rather than which group it is: a card's short name drops them.
_GENERIC_TAIL = {"parents", "volunteers", "members", "group", "team", "eltern", "gruppe", "mitglieder"}
SHORT_NAME_MAX = 18


def short_name(name: str) -> str:
    """A group's name for a card's meta line: "FC Kreuzberg U12 Parents" -> "FC Kreuzberg U12"
    (a trailing generic word goes; longer names keep their first words up to `SHORT_NAME_MAX`)."""
    words = name.split()
    while len(words) > 1 and words[-1].lower() in _GENERIC_TAIL:
        words.pop()
    short = words[:1]
    for word in words[1:]:
        if len(" ".join([*short, word])) > SHORT_NAME_MAX:
            break
        short.append(word)
    return " ".join(short)


async def group_names(group_ids: list[str]) -> dict[str, dict]:
    """id -> {id, name, short, color_index, timezone} for cards that name their group."""
    if not group_ids:
        return {}
    return {r["id"]: {"id": r["id"], "name": r["name"], "color_index": r["color_index"], "timezone": r["timezone"],
                      "short": short_name(r["name"])} for r in await groups_store.groups_get(group_ids)}
