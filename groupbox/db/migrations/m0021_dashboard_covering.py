"""Indexes for a dashboard rendered from scratch (issue 17: the page cache misses after every
change). Rows of events, announcements and messages carry long texts, so a query that has to
visit each row of a group to test one column reads pages of descriptions it never shows. These
indexes hold what the hot queries test (and the ids), so they walk the index alone and visit a
row only for what they return:

- "Needs you": RSVP-required events ahead with their deadline, open polls, announcements to
  acknowledge with their author (each replaces the narrower index of m0009);
- "Coming up" and the calendar: an event's span (`starts_at`, `ends_at`) for the overlap test;
- "Official updates": the official announcements of a group, newest first;
- "Catch up": the messages of a group since a time, with thread, author, source and deletion
  (replaces `message_group_created`, of which it is an extension);
- the page cache's key (`web/pagecache.state_key`): the latest event seen, thread read and
  announcement read of a person's members, one probe each instead of a walk over all of them.
"""

STATEMENTS = [
    # Before the RSVP index below: of two indexes that fit a query equally well, SQLite (without
    # statistics) takes the one made last, and "Needs you" must take the RSVP one.
    "CREATE INDEX event_group_span ON event (group_id, starts_at, ends_at) WHERE deleted_at IS NULL",
    # Every column the RSVP query tests is in the index: it reads a row only for what it returns.
    "CREATE INDEX event_rsvp_open_cover ON event (group_id, starts_at, rsvp_deadline, id, rsvp_required,"
    " cancelled_at, deleted_at) WHERE rsvp_required = 1 AND deleted_at IS NULL AND cancelled_at IS NULL",
    "DROP INDEX event_rsvp_open",
    "CREATE INDEX announcement_official ON announcement (group_id, created_at, id)"
    " WHERE official = 1 AND deleted_at IS NULL",
    "CREATE INDEX announcement_ack_cover ON announcement (group_id, id, author_id)"
    " WHERE ack_required = 1 AND deleted_at IS NULL",
    "DROP INDEX announcement_ack_needed",
    "CREATE INDEX poll_open_cover ON poll (group_id, closes_at, id, closed_at, deleted_at)"
    " WHERE closed_at IS NULL AND deleted_at IS NULL",
    "DROP INDEX poll_open",
    "CREATE INDEX message_group_created_cover ON message (group_id, created_at, thread_id, author_id, source,"
    " deleted_at)",
    "DROP INDEX message_group_created",
    "CREATE INDEX event_seen_member_at ON event_seen (member_id, seen_at)",
    "DROP INDEX event_seen_member",
    "CREATE INDEX thread_read_member_at ON thread_read (member_id, last_read_at)",
    "DROP INDEX thread_read_member",
    "CREATE INDEX announcement_read_member_at ON announcement_read (member_id, read_at)",
    "DROP INDEX announcement_read_member",
]

# PostgreSQL compares booleans with booleans.
POSTGRES = [statement.replace(" = 1 ", " ") for statement in STATEMENTS]
