"""Discussions: threads, messages, @mentions, reactions, and how far each member has read."""

STATEMENTS = [
    """CREATE TABLE thread (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        group_id VARCHAR(24) NOT NULL REFERENCES grp (id) ON DELETE CASCADE,
        author_id VARCHAR(24) DEFAULT NULL REFERENCES member (id) ON DELETE SET NULL,
        title VARCHAR(200) NOT NULL,
        legacy_channel BOOLEAN NOT NULL DEFAULT false,
        readonly_from TIMESTAMPTZ DEFAULT NULL,
        off_topic BOOLEAN NOT NULL DEFAULT false,
        stays_here BOOLEAN NOT NULL DEFAULT false,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        last_message_at TIMESTAMPTZ NOT NULL,
        message_count INTEGER NOT NULL DEFAULT 0,
        seq INTEGER NOT NULL DEFAULT 0,
        deleted_at TIMESTAMPTZ DEFAULT NULL
    )""",
    "CREATE INDEX thread_group_activity ON thread (group_id, last_message_at)",
    "CREATE INDEX thread_group_seq ON thread (group_id, seq)",
    # author_name keeps the name of an imported message's author (an old chat's participant who
    # may never join); source is 'post' for messages written here, 'import' for imported ones.
    """CREATE TABLE message (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        thread_id VARCHAR(24) NOT NULL REFERENCES thread (id) ON DELETE CASCADE,
        group_id VARCHAR(24) NOT NULL REFERENCES grp (id) ON DELETE CASCADE,
        author_id VARCHAR(24) DEFAULT NULL REFERENCES member (id) ON DELETE SET NULL,
        author_name VARCHAR(80) NOT NULL DEFAULT '',
        body TEXT NOT NULL,
        source VARCHAR(16) NOT NULL DEFAULT 'post',
        created_at TIMESTAMPTZ NOT NULL,
        edited_at TIMESTAMPTZ DEFAULT NULL,
        deleted_at TIMESTAMPTZ DEFAULT NULL,
        deleted_by VARCHAR(24) DEFAULT NULL,
        seq INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX message_thread ON message (thread_id, created_at)",
    "CREATE INDEX message_group_created ON message (group_id, created_at)",
    "CREATE INDEX message_group_seq ON message (group_id, seq)",
    """CREATE TABLE mention (
        message_id VARCHAR(24) NOT NULL REFERENCES message (id) ON DELETE CASCADE,
        member_id VARCHAR(24) NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        PRIMARY KEY (message_id, member_id)
    )""",
    "CREATE INDEX mention_member ON mention (member_id)",
    """CREATE TABLE reaction (
        message_id VARCHAR(24) NOT NULL REFERENCES message (id) ON DELETE CASCADE,
        member_id VARCHAR(24) NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        emoji VARCHAR(16) NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (message_id, member_id, emoji)
    )""",
    """CREATE TABLE thread_read (
        thread_id VARCHAR(24) NOT NULL REFERENCES thread (id) ON DELETE CASCADE,
        member_id VARCHAR(24) NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        last_read_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (thread_id, member_id)
    )""",
    "CREATE INDEX thread_read_member ON thread_read (member_id)",
]
