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
from groupbox.db.engine import DB
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


def _marks(values: list[str]) -> str:
    return ",".join("?" * len(values))


async def derive(actor: Actor, reference: datetime | None = None, group_ids: list[str] | None = None) -> list[ActionItem]:
    """Every open action item for the actor across their groups (or `group_ids`), ranked."""
    reference = reference or now()
    # Only groups where the actor may act (guests only read): they have nothing to answer elsewhere.
    memberships = {gid: m for gid, m in acting_groups(actor).items() if group_ids is None or gid in group_ids}
    if not memberships:
        return []
    gids = list(memberships)
    mids = [m.member_id for m in memberships.values()]
    # `mine` pairs each group with my member id there, so every "have I answered?" probe is one
    # primary-key lookup instead of one per membership.
    mine = "WITH mine(group_id, member_id) AS (VALUES " + ",".join("(?, ?)" for _ in gids) + ") "
    pairs = [value for m in memberships.values() for value in (m.group_id, m.member_id)]
    joined = {r["group_id"]: as_utc(r["joined_at"]) for r in await DB.fetch(
        f"SELECT group_id, joined_at FROM member WHERE id IN ({_marks(mids)})", *mids) if r["joined_at"]}

    def older(group_id: str, created_at: datetime | None) -> bool:
        """Shared before I joined the group."""
        since = joined.get(group_id)
        return since is not None and created_at is not None and as_utc(created_at) < since

    items: list[ActionItem] = []

    # RSVPs missing on RSVP-required events still ahead and still answerable.
    rows = await DB.fetch(
        mine + "SELECT e.id, e.group_id, e.title, e.starts_at, e.location, e.rsvp_deadline, e.created_at"
        " FROM mine JOIN event e ON e.group_id = mine.group_id"
        " WHERE e.rsvp_required = 1 AND e.cancelled_at IS NULL"
        " AND e.deleted_at IS NULL AND e.starts_at > ? AND (e.rsvp_deadline IS NULL OR e.rsvp_deadline > ?)"
        " AND NOT EXISTS (SELECT 1 FROM rsvp r WHERE r.event_id = e.id AND r.member_id = mine.member_id)",
        *pairs, reference, reference,
    )
    first_rsvp: set[str] = set()
    for r in sorted(rows, key=lambda r: as_utc(r["starts_at"])):
        since = joined.get(r["group_id"])
        new_joiner = since is not None and reference - since < NEW_JOINER and r["group_id"] not in first_rsvp
        first_rsvp.add(r["group_id"])
        items.append(ActionItem(r["id"], "rsvp", r["group_id"], r["title"], f"/events/{r['id']}",
                                r["rsvp_deadline"] or r["starts_at"], r["created_at"], WEIGHTS["rsvp"],
                                {"starts_at": r["starts_at"], "location": r["location"],
                                 "rsvp_deadline": r["rsvp_deadline"]}, due_now=new_joiner))

    # Announcements to acknowledge.
    rows = await DB.fetch(
        mine + "SELECT a.id, a.group_id, a.title, a.official, a.urgent, a.created_at"
        " FROM mine JOIN announcement a ON a.group_id = mine.group_id"
        " WHERE a.ack_required = 1 AND a.deleted_at IS NULL"
        " AND (a.author_id IS NULL OR a.author_id != mine.member_id)"
        " AND NOT EXISTS (SELECT 1 FROM announcement_ack k WHERE k.announcement_id = a.id"
        " AND k.member_id = mine.member_id)",
        *pairs,
    )
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
    rows = await DB.fetch(
        mine + "SELECT f.id, f.group_id, f.display_name, f.content_type, f.created_at"
        " FROM mine JOIN file f ON f.group_id = mine.group_id"
        " WHERE f.ack_required = 1 AND f.deleted_at IS NULL AND f.source != 'import'"
        " AND (f.uploader_id IS NULL OR f.uploader_id != mine.member_id)"
        " AND NOT EXISTS (SELECT 1 FROM file_ack k WHERE k.file_id = f.id AND k.member_id = mine.member_id)",
        *pairs,
    )
    for r in rows:
        backlog = older(r["group_id"], r["created_at"])
        items.append(ActionItem(r["id"], "acknowledge", r["group_id"], r["display_name"], f"/files/{r['id']}",
                                None, r["created_at"], OLDER_ACK_WEIGHT if backlog else WEIGHTS["acknowledge"],
                                {"object": "file", "content_type": r["content_type"],
                                 "ack_url": f"/files/{r['id']}/ack", "download_url": f"/files/{r['id']}/download",
                                 "older": backlog}))

    # Open polls I have not voted in.
    rows = await DB.fetch(
        mine + "SELECT p.id, p.group_id, p.question, p.closes_at, p.created_at"
        " FROM mine JOIN poll p ON p.group_id = mine.group_id"
        " WHERE p.deleted_at IS NULL AND p.closed_at IS NULL AND (p.closes_at IS NULL OR p.closes_at > ?)"
        " AND NOT EXISTS (SELECT 1 FROM poll_vote v WHERE v.poll_id = p.id AND v.member_id = mine.member_id)",
        *pairs, reference,
    )
    for r in rows:
        items.append(ActionItem(r["id"], "vote", r["group_id"], r["question"], f"/polls/{r['id']}", r["closes_at"],
                                r["created_at"], WEIGHTS["vote"]))

    # Tasks assigned to me and not done.
    rows = await DB.fetch(
        f"SELECT t.id, t.group_id, t.title, t.due_at, t.status, t.created_at FROM task t"
        f" JOIN task_assignee a ON a.task_id = t.id"
        f" WHERE a.member_id IN ({_marks(mids)}) AND t.status != 'done' AND t.deleted_at IS NULL",
        *mids,
    )
    for r in rows:
        items.append(ActionItem(r["id"], "task", r["group_id"], r["title"], f"/tasks/{r['id']}", r["due_at"],
                                r["created_at"], WEIGHTS["task"], {"status": r["status"]}))

    # Sign-up slots I took that start within a week (the slot's time, else its sheet's event).
    rows = await DB.fetch(
        f"SELECT sl.id, s.id AS signup_id, s.group_id, s.title, sl.label, c.committed_at, e.id AS event_id,"
        f" COALESCE(sl.starts_at, e.starts_at) AS \"starts_at [TIMESTAMPTZ]\" FROM signup_commitment c"
        f" JOIN signup_slot sl ON sl.id = c.slot_id JOIN signup s ON s.id = sl.signup_id"
        f" LEFT JOIN event e ON e.id = s.event_id AND e.deleted_at IS NULL AND e.cancelled_at IS NULL"
        f" WHERE c.member_id IN ({_marks(mids)}) AND s.deleted_at IS NULL"
        f" AND COALESCE(sl.starts_at, e.starts_at) > ? AND COALESCE(sl.starts_at, e.starts_at) <= ?",
        *mids, reference, reference + COMMITMENT_WINDOW,
    )
    for r in rows:
        items.append(ActionItem(r["id"], "commitment", r["group_id"], f"{r['label']} · {r['title']}",
                                f"/signups/{r['signup_id']}", r["starts_at"], r["committed_at"],
                                WEIGHTS["commitment"], {"event_id": r["event_id"], "label": r["label"]}))

    # Mentions (and questions from admins) in messages newer than my last read of the thread.
    rows = await DB.fetch(
        f"SELECT m.id, m.thread_id, m.group_id, m.body, m.created_at, t.title AS thread_title,"
        f" au.display_name AS author_name, au.role AS author_role FROM mention x"
        f" JOIN message m ON m.id = x.message_id JOIN thread t ON t.id = m.thread_id"
        f" LEFT JOIN member au ON au.id = m.author_id"
        f" LEFT JOIN thread_read tr ON tr.thread_id = m.thread_id AND tr.member_id = x.member_id"
        f" WHERE x.member_id IN ({_marks(mids)}) AND m.deleted_at IS NULL AND t.deleted_at IS NULL"
        f" AND (tr.last_read_at IS NULL OR tr.last_read_at < m.created_at)"
        f" ORDER BY m.created_at DESC LIMIT 50",
        *mids,
    )
    for r in rows:
        question = r["author_role"] in ("owner", "admin") and r["body"].rstrip().endswith("?")
        kind = "question" if question else "mention"
        items.append(ActionItem(r["id"], kind, r["group_id"], _("{who} in “{title}”", who=r["author_name"] or "", title=r["thread_title"]),
                                f"/threads/{r['thread_id']}#m-{r['id']}", None, r["created_at"], WEIGHTS[kind],
                                {"excerpt": r["body"][:140], "author": r["author_name"]}))
    return rank(items, reference)


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
    rows = await DB.fetch(f"SELECT id, name, color_index, timezone FROM grp WHERE id IN ({_marks(group_ids)})",
                          *group_ids)
    return {r["id"]: {**r, "short": short_name(r["name"])} for r in rows}
