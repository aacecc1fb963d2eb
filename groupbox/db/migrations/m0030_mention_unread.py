"""Each mention carries its message's thread and time and whether the member mentioned has read
the thread since (`mention.unread`), kept current on write (`store.threads`: the mention, a read
of the thread; an erased message takes its mentions along), with an index of the unread ones.

So "mentions I have not read" is an index range of mine, and only those messages are visited, and
"mentions of me since my visit" an index range too: before, every message that ever mentioned me
was visited, and my read of its thread looked up (issue 17: 200 of the benchmark person's, 19
unread: 0.54 ms of her home, 0.9 of a group's dashboard)."""

STATEMENTS = [
    "ALTER TABLE mention ADD COLUMN thread_id VARCHAR(24) DEFAULT NULL",
    "ALTER TABLE mention ADD COLUMN created_at TIMESTAMPTZ DEFAULT NULL",
    "ALTER TABLE mention ADD COLUMN unread BOOLEAN NOT NULL DEFAULT TRUE",
    "UPDATE mention SET thread_id = (SELECT m.thread_id FROM message m WHERE m.id = mention.message_id),"
    " created_at = (SELECT m.created_at FROM message m WHERE m.id = mention.message_id)",
    "UPDATE mention SET unread = NOT EXISTS (SELECT 1 FROM thread_read tr WHERE tr.thread_id = mention.thread_id"
    " AND tr.member_id = mention.member_id AND tr.last_read_at >= mention.created_at)",
    "DROP INDEX mention_member",
    "CREATE INDEX mention_member ON mention (member_id, created_at)",
    "CREATE INDEX mention_unread ON mention (member_id, created_at) WHERE unread = TRUE",
]
