"""The dashboards' reads across areas: what needs a person, what changed, what others said — set-based queries over my groups."""

from __future__ import annotations

from datetime import datetime

from groupbox.db.engine import DB
from groupbox.db.sql import text_agg

TABLES: tuple[str, ...] = ()  # action items are derived, never stored
READS = {
    "member": "author names of the items, my membership in a changed item's group (joins, not a lookup per item)",
    "profile": "the page cache's key: my last and previous home visit",
    "event": "RSVPs I owe (the catch-up CTE of my (group, member) pairs); moved or cancelled events",
    "event_change": "what changed on an event since my visit, the latest change per event",
    "rsvp": "'have I answered?': a NOT EXISTS probe per event, inside the one query; how many of my answers"
            " are to open events (`open_until`, m0028)",
    "announcement": "announcements to acknowledge; new official ones since my visit",
    "announcement_ack": "'have I acknowledged?': a NOT EXISTS probe per announcement",
    "file": "files to acknowledge",
    "file_ack": "'have I acknowledged?': a NOT EXISTS probe per file",
    "poll": "open polls", "poll_vote": "'have I voted?': a NOT EXISTS probe per poll",
    "task": "tasks assigned to me", "task_assignee": "which tasks are mine and open (`open`, m0029; joined to the task)",
    "signup": "my sign-up places' sheets", "signup_slot": "my sign-up places and their times",
    "signup_commitment": "the places I took",
    "thread": "a thread's title for mentions and the catch-up", "thread_read": "the page cache's key: my latest read of a thread",
    "message": "mentions of me; the catch-up: messages by others since my visit, per group and thread",
    "mention": "who is mentioned in which message, when, and whether they read it since (`unread`, m0030)",
    "grp": "the page cache's key: my groups' change numbers",
    "event_seen": "the page cache's key: when I last saw an event",
    "announcement_read": "the page cache's key: when I last read an announcement",
    "remote_server": "the page cache's key: what my connected servers last sent",
}
FOREIGN_WRITES: dict[str, str] = {}


def _marks(values: list) -> str:
    return ",".join("?" * len(values))


async def _fetch_mine(pairs: list[tuple[str, str]], sql: str, *params) -> list[dict]:
    """`sql` with `mine`, a CTE of my (group, member) pairs, so every "have I answered?" probe is one
    primary-key lookup instead of one query per membership. Typed: PostgreSQL cannot type a bare
    VALUES list of parameters."""
    values = ",".join("(CAST(? AS TEXT), CAST(? AS TEXT))" for _ in pairs)
    return await DB.fetch(f"WITH mine(group_id, member_id) AS (VALUES {values}) {sql}",
                          *[v for pair in pairs for v in pair], *params)


# -- the page cache's key -----------------------------------------------------------------------
async def dashboard_state(group_ids: list[str], member_ids: list[str], profile_id: str) -> dict:
    """Everything personal a dashboard of these groups depends on, in one row: the groups' change
    numbers, my read and seen marks, my visits and my connected servers' state (web/pagecache.py)."""
    gids = group_ids or [""]
    mids = member_ids or [""]
    groups_seq = text_agg("id || ':' || seq")
    remote_state = text_agg("id || ':' || state || ':' || scopes || ':' || COALESCE(CAST(changed_at AS TEXT), '')")
    row = await DB.fetchone(
        f"SELECT (SELECT {groups_seq} FROM grp WHERE id IN ({_marks(gids)})) AS groups,"
        f" (SELECT MAX(last_read_at) FROM thread_read WHERE member_id IN ({_marks(mids)})) AS threads_read,"
        f" (SELECT MAX(seen_at) FROM event_seen WHERE member_id IN ({_marks(mids)})) AS events_seen,"
        f" (SELECT MAX(read_at) FROM announcement_read WHERE member_id IN ({_marks(mids)})) AS read,"
        " (SELECT COALESCE(CAST(last_visit_at AS TEXT), '') || '/' || COALESCE(CAST(prev_visit_at AS TEXT), '')"
        " FROM profile WHERE id = ?) AS visits,"
        f" (SELECT {remote_state} FROM remote_server WHERE profile_id = ?) AS remote",
        *gids, *mids, *mids, *mids, profile_id, profile_id,
    )
    return dict(row or {})


# -- what changed ---------------------------------------------------------------------------------
async def event_changes_since(group_ids: list[str], member_ids: list[str], since: datetime,
                              limit: int) -> list[dict]:
    """The latest change of each event of my groups changed since `since` by someone else, after I joined."""
    # `event_change` first (SQLite: CROSS JOIN keeps the order): the few changes, not all my groups' events.
    join = "CROSS JOIN" if DB.dialect == "sqlite" else "JOIN"
    return await DB.fetch(
        f"SELECT c.event_id, c.old_starts_at, c.old_location, c.new_starts_at, c.new_location, c.cancelled,"
        f" c.changed_at, e.title, e.group_id, e.cancel_reason, e.starts_at FROM event_change c"
        f" {join} event e ON e.id = c.event_id"
        f" JOIN member me ON me.group_id = e.group_id AND me.id IN ({_marks(member_ids)})"
        f" WHERE e.group_id IN ({_marks(group_ids)}) AND e.deleted_at IS NULL AND c.changed_at > ?"
        f" AND c.changed_at > me.joined_at"
        f" AND (c.changed_by IS NULL OR c.changed_by NOT IN ({_marks(member_ids)}))"
        f" AND c.version = (SELECT MAX(version) FROM event_change c2 WHERE c2.event_id = c.event_id)"
        f" ORDER BY c.changed_at DESC LIMIT ?",
        *member_ids, *group_ids, since, *member_ids, limit,
    )


async def event_changes_oldest(event_ids: list[str], since: datetime) -> dict[str, dict]:
    """event id -> its oldest change since `since` (where "was" starts)."""
    if not event_ids:
        return {}
    first: dict[str, dict] = {}
    for r in await DB.fetch(
        f"SELECT event_id, old_starts_at, old_location FROM event_change WHERE event_id IN ({_marks(event_ids)})"
        f" AND changed_at > ? ORDER BY version DESC", *event_ids, since,
    ):
        first[r["event_id"]] = r
    return first


async def official_since(group_ids: list[str], member_ids: list[str], since: datetime, limit: int) -> list[dict]:
    """Official announcements in my groups since `since`, by others, after I joined; newest first."""
    return await DB.fetch(
        f"SELECT a.id, a.title, a.group_id, a.created_at, a.urgent, m.display_name AS author_name"
        f" FROM announcement a LEFT JOIN member m ON m.id = a.author_id"
        f" JOIN member me ON me.group_id = a.group_id AND me.id IN ({_marks(member_ids)})"
        f" WHERE a.group_id IN ({_marks(group_ids)}) AND a.official = TRUE AND a.deleted_at IS NULL"
        f" AND a.created_at > ? AND a.created_at > me.joined_at"
        f" AND (a.author_id IS NULL OR a.author_id NOT IN ({_marks(member_ids)})) ORDER BY a.created_at DESC LIMIT ?",
        *member_ids, *group_ids, since, *member_ids, limit,
    )


async def official_latest(group_ids: list[str], limit: int) -> list[dict]:
    """The newest official announcements of my groups. Picked in their index first, then their
    rows: sorting whole rows (bodies and all) of every official announcement cost 0.39 ms on the
    benchmark's 605, picking first 0.06 (issue 17)."""
    return await DB.fetch(
        f"SELECT a.id, a.title, a.group_id, a.created_at, a.urgent, a.ack_required, a.body,"
        f" m.display_name AS author_name FROM (SELECT id, created_at FROM announcement"
        f" WHERE group_id IN ({_marks(group_ids)}) AND official = TRUE AND deleted_at IS NULL"
        f" ORDER BY created_at DESC LIMIT ?) f JOIN announcement a ON a.id = f.id"
        f" LEFT JOIN member m ON m.id = a.author_id ORDER BY f.created_at DESC",
        *group_ids, limit,
    )


async def catch_up_threads(pairs: list[tuple[str, str]], since: datetime) -> list[dict]:
    """Per (group, thread): how many messages others posted since `since`, and the latest (as
    text). Counted from the messages' index first, then one thread lookup per thread, not per
    message (issue 17: 945 messages in 191 threads, 1.3 -> 1.0 ms)."""
    return await _fetch_mine(
        pairs, "SELECT x.group_id, x.id, t.title, x.count, x.latest FROM ("
        "SELECT m.group_id, m.thread_id AS id, COUNT(*) AS count, MAX(m.created_at) AS latest"
        " FROM mine JOIN message m ON m.group_id = mine.group_id"
        " WHERE m.created_at > ? AND m.deleted_at IS NULL"
        " AND (m.author_id IS NULL OR m.author_id != mine.member_id) AND m.source = 'post'"
        " GROUP BY m.group_id, m.thread_id) x JOIN thread t ON t.id = x.id WHERE t.deleted_at IS NULL",
        since,
    )


async def catch_up_counts(pairs: list[tuple[str, str]], since: datetime) -> dict[str, int]:
    """group id -> how many messages others posted since `since` (in threads not deleted): what
    the home page shows of the catch-up, from the messages' index alone (issue 17: 0.27 ms
    where counting per thread and naming the threads takes 0.73 on the benchmark's week).
    Counted per group in a subquery: the index walks one group at a time already, and a GROUP BY
    over the join sorted every message of the week first (0.33 -> 0.19 ms for 907)."""
    rows = await _fetch_mine(
        pairs, "SELECT mine.group_id, (SELECT COUNT(*) FROM message m WHERE m.group_id = mine.group_id"
        " AND m.created_at > ? AND m.deleted_at IS NULL"
        " AND (m.author_id IS NULL OR m.author_id != mine.member_id) AND m.source = 'post'"
        " AND m.thread_id NOT IN (SELECT t.id FROM mine JOIN thread t ON t.group_id = mine.group_id"
        " WHERE t.deleted_at IS NOT NULL)) AS n FROM mine",
        since,
    )
    return {r["group_id"]: r["n"] for r in rows if r["n"]}


async def mention_counts(member_ids: list[str], since: datetime) -> dict[str, int]:
    """member id -> mentions of it since `since`."""
    # The mentions' index alone (m0030): an erased message takes its mentions along.
    return {r["member_id"]: r["n"] for r in await DB.fetch(
        f"SELECT member_id, COUNT(*) AS n FROM mention WHERE member_id IN ({_marks(member_ids)})"
        f" AND created_at > ? GROUP BY member_id", *member_ids, since)}


# -- what needs me --------------------------------------------------------------------------------
# {}: the columns beyond id, group and deadline; those of the index (m0027) unless a row's text is needed
# An event of my groups (as `alias`, joined to `mine`) that takes answers now: two parameters, the moment twice.
def _rsvp_open(alias: str) -> str:
    return (f" FROM mine JOIN event {alias} ON {alias}.group_id = mine.group_id"
            f" WHERE {alias}.rsvp_required = TRUE AND {alias}.cancelled_at IS NULL"
            f" AND {alias}.deleted_at IS NULL AND {alias}.starts_at > ?"
            f" AND ({alias}.rsvp_deadline IS NULL OR {alias}.rsvp_deadline > ?)")


_RSVPS_MISSING = (
    "SELECT e.id, e.group_id, e.rsvp_deadline, {}" + _rsvp_open("e")
    + " AND NOT EXISTS (SELECT 1 FROM rsvp r WHERE r.event_id = e.id AND r.member_id = mine.member_id)"
)


def _first(sql: str, limit: int | None, due: str) -> str:
    """`sql`'s rows, or with `limit` its first `limit` by `due` (then the newest, then the id: the
    order `actions.rank` gives items of one kind and weight), each with `total`, the count of all.
    The page shows a dozen of a hundred: reading and ranking the rest cost a third of home."""
    if limit is None:
        return sql
    return (f"SELECT x.*, COUNT(*) OVER () AS total FROM ({sql}) x"
            f" ORDER BY {due}, x.created_at DESC, x.id LIMIT ?")


async def rsvps_missing(pairs: list[tuple[str, str]], reference: datetime, limit: int | None = None) -> list[dict]:
    """RSVP-required events ahead, not cancelled, still answerable, that I have not answered.
    With `limit`: the `limit` due soonest (the RSVP deadline, else the start; then the newest), the
    order `actions.rank` gives them, each row with `total`, how many there are in all (m0028):
    - the first are the events walked in that order (`event_rsvp_due`), each probed for my answer,
      until `limit` are unanswered: about 60 probes for 12, where every open event of my groups
      (717 on the benchmark) was probed and the unanswered sorted;
    - `total` is the open events of my groups (an index range) less my answers to open events
      (`rsvp.open_until`, an index range of mine): no probe at all.
    (Issue 17: 1.27 -> 0.21 ms of Anna's home.)
    Of one group (its dashboard), that walk would pass every other group's events: its few dozen
    open events are probed and the first picked in the group's index instead (0.59 -> 0.15 ms)."""
    if limit is None:
        return await _fetch_mine(pairs, _RSVPS_MISSING.format("e.title, e.starts_at, e.location, e.created_at"),
                                 reference, reference)
    if len(pairs) == 1:
        first = _first(_RSVPS_MISSING.format("e.starts_at, e.created_at"), limit,
                       "COALESCE(x.rsvp_deadline, x.starts_at)")
        return await _fetch_mine(
            pairs, f"SELECT e.id, e.group_id, e.title, e.starts_at, e.location, e.rsvp_deadline, e.created_at,"
            f" f.total FROM ({first}) f JOIN event e ON e.id = f.id", reference, reference, limit)
    # SQLite: CROSS JOIN keeps the order, the events by date first, as the ORDER BY and LIMIT want.
    join = "CROSS JOIN" if DB.dialect == "sqlite" else "JOIN"
    rows = await _fetch_mine(
        pairs, "SELECT e.id, e.group_id, e.title, e.starts_at, e.location, e.rsvp_deadline, e.created_at"
        f" FROM event e {join} mine ON mine.group_id = e.group_id"
        " WHERE e.rsvp_required = TRUE AND e.deleted_at IS NULL AND e.cancelled_at IS NULL"
        " AND COALESCE(e.rsvp_deadline, e.starts_at) > ? AND e.starts_at > ?"
        " AND NOT EXISTS (SELECT 1 FROM rsvp r WHERE r.event_id = e.id AND r.member_id = mine.member_id)"
        " ORDER BY COALESCE(e.rsvp_deadline, e.starts_at), e.created_at DESC, e.id LIMIT ?",
        reference, reference, limit)
    # Counted only when the list is full, in a statement of its own: inside the list's, SQLite
    # skip-scanned the events' index for the count (issue 17: 0.32 ms for both, 0.09 + 0.10 apart).
    total = len(rows)
    if total == limit:
        counted = await _fetch_mine(
            pairs, f"SELECT (SELECT COUNT(*){_rsvp_open('c')})"
            " - (SELECT COUNT(*) FROM rsvp a WHERE a.member_id IN (SELECT member_id FROM mine) AND a.open_until > ?)"
            " AS total", reference, reference, reference)
        total = counted[0]["total"]
    for row in rows:
        row["total"] = total
    return rows


async def rsvps_first(pairs: list[tuple[str, str]], reference: datetime) -> list[dict]:
    """Per group, the missing RSVP of the soonest event (what a new joiner came for)."""
    first = (f"SELECT x.id, ROW_NUMBER() OVER (PARTITION BY x.group_id ORDER BY x.starts_at, x.id) AS n"
             f" FROM ({_RSVPS_MISSING.format('e.starts_at')}) x")
    return await _fetch_mine(
        pairs, f"SELECT e.id, e.group_id, e.title, e.starts_at, e.location, e.rsvp_deadline, e.created_at"
        f" FROM ({first}) f JOIN event e ON e.id = f.id WHERE f.n = 1", reference, reference)


async def announcements_unacked(pairs: list[tuple[str, str]]) -> list[dict]:
    return await _fetch_mine(
        pairs, "SELECT a.id, a.group_id, a.title, a.official, a.urgent, a.created_at"
        " FROM mine JOIN announcement a ON a.group_id = mine.group_id"
        " WHERE a.ack_required = TRUE AND a.deleted_at IS NULL"
        " AND (a.author_id IS NULL OR a.author_id != mine.member_id)"
        " AND NOT EXISTS (SELECT 1 FROM announcement_ack k WHERE k.announcement_id = a.id"
        " AND k.member_id = mine.member_id)",
    )


async def files_unacked(pairs: list[tuple[str, str]]) -> list[dict]:
    return await _fetch_mine(
        pairs, "SELECT f.id, f.group_id, f.display_name, f.content_type, f.created_at"
        " FROM mine JOIN file f ON f.group_id = mine.group_id"
        " WHERE f.ack_required = TRUE AND f.deleted_at IS NULL AND f.source != 'import'"
        " AND (f.uploader_id IS NULL OR f.uploader_id != mine.member_id)"
        " AND NOT EXISTS (SELECT 1 FROM file_ack k WHERE k.file_id = f.id AND k.member_id = mine.member_id)",
    )


async def polls_unvoted(pairs: list[tuple[str, str]], reference: datetime) -> list[dict]:
    # Polls without a deadline, then those whose deadline is ahead: two ranges of the open polls'
    # index, not every poll of my groups (an OR of the two made SQLite walk them all: 0.69 -> 0.29 ms).
    unvoted = ("SELECT p.id, p.group_id, p.question, p.closes_at, p.created_at"
               " FROM mine JOIN poll p ON p.group_id = mine.group_id"
               " WHERE p.deleted_at IS NULL AND p.closed_at IS NULL AND {}"
               " AND NOT EXISTS (SELECT 1 FROM poll_vote v WHERE v.poll_id = p.id AND v.member_id = mine.member_id)")
    return await _fetch_mine(
        pairs, unvoted.format("p.closes_at IS NULL") + " UNION ALL " + unvoted.format("p.closes_at > ?"), reference)


async def tasks_open(member_ids: list[str], limit: int | None = None, undated: datetime | None = None) -> list[dict]:
    """Tasks assigned to me and not done. With `limit`: the first `limit` by due date, those
    without one as if due at `undated` (where `actions.rank` puts them)."""
    # My open assignments first (m0029), then those tasks only, not every task ever assigned to me.
    sql = (f"SELECT t.id, t.group_id, t.title, t.due_at, t.status, t.created_at FROM task_assignee a"
           f" {'CROSS JOIN' if DB.dialect == 'sqlite' else 'JOIN'} task t ON t.id = a.task_id"
           f" WHERE a.member_id IN ({_marks(member_ids)}) AND a.open = TRUE"
           f" AND t.status != 'done' AND t.deleted_at IS NULL")
    if limit is None:
        return await DB.fetch(sql, *member_ids)
    return await DB.fetch(_first(sql, limit, "COALESCE(x.due_at, ?), x.due_at IS NULL"),
                          *member_ids, undated, limit)


async def commitments_between(member_ids: list[str], start: datetime, end: datetime) -> list[dict]:
    """Sign-up places I took that start in (start, end]: the slot's time, else its sheet's event's.
    Which, from the indexes alone (m0031), then the rows of those places only."""
    return await DB.fetch(
        f"SELECT sl.id, s.id AS signup_id, s.group_id, s.title, sl.label, f.committed_at, f.event_id,"
        f" f.starts_at AS \"starts_at [TIMESTAMPTZ]\" FROM ("
        f"SELECT c.slot_id, c.committed_at, sl.signup_id, e.id AS event_id,"
        f" COALESCE(sl.starts_at, e.starts_at) AS starts_at FROM signup_commitment c"
        f" JOIN signup_slot sl ON sl.id = c.slot_id JOIN signup s ON s.id = sl.signup_id"
        f" LEFT JOIN event e ON e.id = s.event_id AND e.deleted_at IS NULL AND e.cancelled_at IS NULL"
        f" WHERE c.member_id IN ({_marks(member_ids)}) AND s.deleted_at IS NULL"
        f" AND COALESCE(sl.starts_at, e.starts_at) > ? AND COALESCE(sl.starts_at, e.starts_at) <= ?) f"
        f" JOIN signup_slot sl ON sl.id = f.slot_id JOIN signup s ON s.id = f.signup_id",
        *member_ids, start, end,
    )


async def mentions_unread(member_ids: list[str], limit: int = 50) -> list[dict]:
    """Messages mentioning me newer than my last read of their thread, newest first (the newest
    `limit` unread, then those of live threads). The unread ones from their own index (m0030),
    then those messages only: before, every message that ever mentioned me was visited and my
    read of its thread looked up (issue 17: 200 mentions, 19 unread: 0.54 -> ~0.1 ms)."""
    return await DB.fetch(
        f"SELECT m.id, m.thread_id, m.group_id, m.body, m.created_at, t.title AS thread_title,"
        f" au.display_name AS author_name, au.role AS author_role FROM ("
        f"SELECT message_id AS id, created_at FROM mention WHERE member_id IN ({_marks(member_ids)})"
        f" AND unread = TRUE ORDER BY created_at DESC LIMIT ?) f"
        f" JOIN message m ON m.id = f.id JOIN thread t ON t.id = m.thread_id"
        f" LEFT JOIN member au ON au.id = m.author_id WHERE t.deleted_at IS NULL AND m.deleted_at IS NULL"
        f" ORDER BY f.created_at DESC",
        *member_ids, limit,
    )
