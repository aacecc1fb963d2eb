"""Tasks with assignees, polls with options and votes, sign-up sheets with slots and commitments.

`signup.event_id` links a sheet to an event (m0003) without a foreign key, so this migration does
not depend on the order in which the two land; the service checks the event's group itself.
"""

STATEMENTS = [
    """CREATE TABLE task (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        group_id VARCHAR(24) NOT NULL REFERENCES grp (id) ON DELETE CASCADE,
        author_id VARCHAR(24) DEFAULT NULL REFERENCES member (id) ON DELETE SET NULL,
        title VARCHAR(200) NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        due_at TIMESTAMPTZ DEFAULT NULL,
        status VARCHAR(8) NOT NULL DEFAULT 'open',
        done_at TIMESTAMPTZ DEFAULT NULL,
        done_by_id VARCHAR(24) DEFAULT NULL REFERENCES member (id) ON DELETE SET NULL,
        stays_here BOOLEAN NOT NULL DEFAULT false,
        seq INTEGER NOT NULL DEFAULT 0,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        deleted_at TIMESTAMPTZ DEFAULT NULL
    )""",
    "CREATE INDEX task_group ON task (group_id, status)",
    "CREATE INDEX task_group_seq ON task (group_id, seq)",
    """CREATE TABLE task_assignee (
        task_id VARCHAR(24) NOT NULL REFERENCES task (id) ON DELETE CASCADE,
        member_id VARCHAR(24) NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        PRIMARY KEY (task_id, member_id)
    )""",
    "CREATE INDEX task_assignee_member ON task_assignee (member_id)",
    """CREATE TABLE poll (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        group_id VARCHAR(24) NOT NULL REFERENCES grp (id) ON DELETE CASCADE,
        author_id VARCHAR(24) DEFAULT NULL REFERENCES member (id) ON DELETE SET NULL,
        question VARCHAR(300) NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        multiple BOOLEAN NOT NULL DEFAULT false,
        anonymous BOOLEAN NOT NULL DEFAULT false,
        results_visibility VARCHAR(16) NOT NULL DEFAULT 'always',
        closes_at TIMESTAMPTZ DEFAULT NULL,
        closed_at TIMESTAMPTZ DEFAULT NULL,
        stays_here BOOLEAN NOT NULL DEFAULT false,
        seq INTEGER NOT NULL DEFAULT 0,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        deleted_at TIMESTAMPTZ DEFAULT NULL
    )""",
    "CREATE INDEX poll_group ON poll (group_id, created_at)",
    "CREATE INDEX poll_group_seq ON poll (group_id, seq)",
    """CREATE TABLE poll_option (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        poll_id VARCHAR(24) NOT NULL REFERENCES poll (id) ON DELETE CASCADE,
        label VARCHAR(120) NOT NULL,
        position INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX poll_option_poll ON poll_option (poll_id, position)",
    """CREATE TABLE poll_vote (
        poll_id VARCHAR(24) NOT NULL REFERENCES poll (id) ON DELETE CASCADE,
        option_id VARCHAR(24) NOT NULL REFERENCES poll_option (id) ON DELETE CASCADE,
        member_id VARCHAR(24) NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        voted_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (option_id, member_id)
    )""",
    "CREATE INDEX poll_vote_poll_member ON poll_vote (poll_id, member_id)",
    "CREATE INDEX poll_vote_member ON poll_vote (member_id)",
    """CREATE TABLE signup (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        group_id VARCHAR(24) NOT NULL REFERENCES grp (id) ON DELETE CASCADE,
        author_id VARCHAR(24) DEFAULT NULL REFERENCES member (id) ON DELETE SET NULL,
        title VARCHAR(200) NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        event_id VARCHAR(24) DEFAULT NULL,
        closes_at TIMESTAMPTZ DEFAULT NULL,
        closed_at TIMESTAMPTZ DEFAULT NULL,
        stays_here BOOLEAN NOT NULL DEFAULT false,
        seq INTEGER NOT NULL DEFAULT 0,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        deleted_at TIMESTAMPTZ DEFAULT NULL
    )""",
    "CREATE INDEX signup_group ON signup (group_id, created_at)",
    "CREATE INDEX signup_group_seq ON signup (group_id, seq)",
    "CREATE INDEX signup_event ON signup (event_id)",
    """CREATE TABLE signup_slot (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        signup_id VARCHAR(24) NOT NULL REFERENCES signup (id) ON DELETE CASCADE,
        label VARCHAR(120) NOT NULL,
        capacity INTEGER NOT NULL CHECK (capacity >= 1),
        starts_at TIMESTAMPTZ DEFAULT NULL,
        position INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX signup_slot_signup ON signup_slot (signup_id, position)",
    """CREATE TABLE signup_commitment (
        slot_id VARCHAR(24) NOT NULL REFERENCES signup_slot (id) ON DELETE CASCADE,
        member_id VARCHAR(24) NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        note VARCHAR(200) NOT NULL DEFAULT '',
        committed_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (slot_id, member_id)
    )""",
    "CREATE INDEX signup_commitment_member ON signup_commitment (member_id)",
]
