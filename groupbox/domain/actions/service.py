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

from dataclasses import dataclass, field
from datetime import datetime, timedelta
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


def rank(items: list[ActionItem], reference: datetime | None = None) -> list[ActionItem]:
    """Order by weight × urgency (see the module docstring); stable and deterministic."""
    reference = reference or now()
    far = datetime.max.replace(tzinfo=reference.tzinfo)
    for item in items:
        item.score = round(item.weight * urgency(item.due_at, reference, item.due_now), 6)
    return sorted(
        items,
        key=lambda i: (-i.score, as_utc(i.due_at) if i.due_at else far,
                       -(as_utc(i.created_at).timestamp() if i.created_at else 0), i.id),
    )


@dataclass
class Ranked:
    """The first items of a ranking and how many there are in all (`ranked`)."""
    items: list[ActionItem]
    total: int


async def derive(actor: Actor, reference: datetime | None = None, group_ids: list[str] | None = None) -> list[ActionItem]:
    """Every open action item for the actor across their groups (or `group_ids`), ranked."""
    return (await ranked(actor, reference, group_ids)).items


async def ranked(actor: Actor, reference: datetime | None = None, group_ids: list[str] | None = None,
                 limit: int | None = None) -> Ranked:
    """The actor's open action items, ranked, and their `total`. With `limit`, only the first
    `limit` of the kinds that run to a hundred (missing RSVPs, tasks) are read, in the order
    `rank` gives each, so `items[:limit]` is exact however many items a page leaves out (only
    commitments and older items, which are all here); later items may be missing, and `total`
    counts them all. Kinds of a few dozen are read whole: a window over 28 rows cost SQLite more
    (0.30 ms) than reading them all (0.19)."""
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

    items: list[ActionItem] = []
    left_out = 0  # items of the limited kinds not read

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
        items.append(ActionItem(r["id"], "rsvp", r["group_id"], r["title"], f"/events/{r['id']}",
                                r["rsvp_deadline"] or r["starts_at"], r["created_at"], WEIGHTS["rsvp"],
                                {"starts_at": r["starts_at"], "location": r["location"],
                                 "rsvp_deadline": r["rsvp_deadline"]}, due_now=new_joiner))

    # Announcements to acknowledge.
    rows = await store.announcements_unacked(pairs)
    for r in rows:
        urgent = bool(r["urgent"] and r["official"])
        backlog = not urgent and older(r["group_id"], r["created_at"])
        weight = URGENT_ACK_WEIGHT if urgent else OLDER_ACK_WEIGHT if backlog else WEIGHTS["acknowledge"]
        items.append(ActionItem(r["id"], "acknowledge", r["group_id"], r["title"], f"/announcements/{r['id']}",
                                None, r["created_at"], weight,
                                {"object": "announcement", "official": bool(r["official"]),
                                 "urgent": bool(r["urgent"]), "ack_url": f"/announcements/{r['id']}/ack",
                                 "older": backlog}))

    # Files to acknowledge.
    rows = await store.files_unacked(pairs)
    for r in rows:
        backlog = older(r["group_id"], r["created_at"])
        items.append(ActionItem(r["id"], "acknowledge", r["group_id"], r["display_name"], f"/files/{r['id']}",
                                None, r["created_at"], OLDER_ACK_WEIGHT if backlog else WEIGHTS["acknowledge"],
                                {"object": "file", "content_type": r["content_type"],
                                 "ack_url": f"/files/{r['id']}/ack", "download_url": f"/files/{r['id']}/download",
                                 "older": backlog}))

    # Open polls I have not voted in.
    rows = await store.polls_unvoted(pairs, reference)
    for r in rows:
        items.append(ActionItem(r["id"], "vote", r["group_id"], r["question"], f"/polls/{r['id']}", r["closes_at"],
                                r["created_at"], WEIGHTS["vote"]))

    # Tasks assigned to me and not done.
    rows = await store.tasks_open(mids, limit, reference + timedelta(days=NO_DEADLINE_DAYS))
    left_out += rows[0]["total"] - len(rows) if rows and limit else 0
    for r in rows:
        items.append(ActionItem(r["id"], "task", r["group_id"], r["title"], f"/tasks/{r['id']}", r["due_at"],
                                r["created_at"], WEIGHTS["task"], {"status": r["status"]}))

    # Sign-up slots I took that start within a week (the slot's time, else its sheet's event).
    rows = await store.commitments_between(mids, reference, reference + COMMITMENT_WINDOW)
    for r in rows:
        items.append(ActionItem(r["id"], "commitment", r["group_id"], f"{r['label']} · {r['title']}",
                                f"/signups/{r['signup_id']}", r["starts_at"], r["committed_at"],
                                WEIGHTS["commitment"], {"event_id": r["event_id"], "label": r["label"]}))

    # Mentions (and questions from admins) in messages newer than my last read of the thread.
    rows = await store.mentions_unread(mids)
    for r in rows:
        question = r["author_role"] in ("owner", "admin") and r["body"].rstrip().endswith("?")
        kind = "question" if question else "mention"
        items.append(ActionItem(r["id"], kind, r["group_id"], _("{who} in “{title}”", who=r["author_name"] or "", title=r["thread_title"]),
                                f"/threads/{r['thread_id']}#m-{r['id']}", None, r["created_at"], WEIGHTS[kind],
                                {"excerpt": r["body"][:140], "author": r["author_name"]}))
    return Ranked(rank(items, reference), len(items) + left_out)


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
