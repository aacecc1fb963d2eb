"""Announcements (with read and acknowledgement state) and events (with RSVPs and change
tracking). Table and column names are a contract other areas rely on (home dashboard, calendar,
sync, migration kit)."""

STATEMENTS = [
    """CREATE TABLE announcement (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        group_id VARCHAR(24) NOT NULL REFERENCES grp (id) ON DELETE CASCADE,
        author_id VARCHAR(24) DEFAULT NULL REFERENCES member (id) ON DELETE SET NULL,
        title VARCHAR(120) NOT NULL,
        body TEXT NOT NULL DEFAULT '',
        official BOOLEAN NOT NULL DEFAULT false,
        urgent BOOLEAN NOT NULL DEFAULT false,
        ack_required BOOLEAN NOT NULL DEFAULT false,
        stays_here BOOLEAN NOT NULL DEFAULT false,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        seq INTEGER NOT NULL DEFAULT 0,
        deleted_at TIMESTAMPTZ DEFAULT NULL
    )""",
    # Newest first per group (lists, "official updates"); changes since a cursor (sync).
    "CREATE INDEX announcement_group_created ON announcement (group_id, created_at)",
    "CREATE INDEX announcement_group_seq ON announcement (group_id, seq)",
    # `seq` lets a home server see that *this member* acknowledged (SPEC §8: done elsewhere).
    """CREATE TABLE announcement_ack (
        announcement_id VARCHAR(24) NOT NULL REFERENCES announcement (id) ON DELETE CASCADE,
        member_id VARCHAR(24) NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        acked_at TIMESTAMPTZ NOT NULL,
        seq INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (announcement_id, member_id)
    )""",
    "CREATE INDEX announcement_ack_member ON announcement_ack (member_id)",
    """CREATE TABLE announcement_read (
        announcement_id VARCHAR(24) NOT NULL REFERENCES announcement (id) ON DELETE CASCADE,
        member_id VARCHAR(24) NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        read_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (announcement_id, member_id)
    )""",
    "CREATE INDEX announcement_read_member ON announcement_read (member_id)",
    # `version` starts at 1 and grows with every change of time or place and with a cancel;
    # it is the ICS SEQUENCE and what "changed since you saw it" compares against.
    """CREATE TABLE event (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        group_id VARCHAR(24) NOT NULL REFERENCES grp (id) ON DELETE CASCADE,
        author_id VARCHAR(24) DEFAULT NULL REFERENCES member (id) ON DELETE SET NULL,
        title VARCHAR(120) NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        location VARCHAR(200) NOT NULL DEFAULT '',
        starts_at TIMESTAMPTZ NOT NULL,
        ends_at TIMESTAMPTZ DEFAULT NULL,
        rsvp_required BOOLEAN NOT NULL DEFAULT false,
        rsvp_deadline TIMESTAMPTZ DEFAULT NULL,
        cancelled_at TIMESTAMPTZ DEFAULT NULL,
        cancel_reason VARCHAR(300) NOT NULL DEFAULT '',
        version INTEGER NOT NULL DEFAULT 1,
        stays_here BOOLEAN NOT NULL DEFAULT false,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        seq INTEGER NOT NULL DEFAULT 0,
        deleted_at TIMESTAMPTZ DEFAULT NULL
    )""",
    # Upcoming events of a group by start time (group page, dashboard, join preview).
    "CREATE INDEX event_group_starts ON event (group_id, starts_at)",
    "CREATE INDEX event_group_seq ON event (group_id, seq)",
    # Across groups by time (home calendar).
    "CREATE INDEX event_starts ON event (starts_at)",
    """CREATE TABLE event_change (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        event_id VARCHAR(24) NOT NULL REFERENCES event (id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        old_starts_at TIMESTAMPTZ NOT NULL,
        old_ends_at TIMESTAMPTZ DEFAULT NULL,
        old_location VARCHAR(200) NOT NULL DEFAULT '',
        new_starts_at TIMESTAMPTZ NOT NULL,
        new_ends_at TIMESTAMPTZ DEFAULT NULL,
        new_location VARCHAR(200) NOT NULL DEFAULT '',
        cancelled BOOLEAN NOT NULL DEFAULT false,
        changed_by VARCHAR(24) DEFAULT NULL REFERENCES member (id) ON DELETE SET NULL,
        changed_at TIMESTAMPTZ NOT NULL
    )""",
    "CREATE UNIQUE INDEX event_change_version ON event_change (event_id, version)",
    """CREATE TABLE rsvp (
        event_id VARCHAR(24) NOT NULL REFERENCES event (id) ON DELETE CASCADE,
        member_id VARCHAR(24) NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        status VARCHAR(8) NOT NULL CHECK (status IN ('yes', 'no', 'maybe')),
        note VARCHAR(200) NOT NULL DEFAULT '',
        guests INTEGER NOT NULL DEFAULT 0,
        answered_at TIMESTAMPTZ NOT NULL,
        seq INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (event_id, member_id)
    )""",
    # "My RSVPs" (home dashboard, missing answers, cleanup when someone leaves).
    "CREATE INDEX rsvp_member ON rsvp (member_id, event_id)",
    """CREATE TABLE event_seen (
        event_id VARCHAR(24) NOT NULL REFERENCES event (id) ON DELETE CASCADE,
        member_id VARCHAR(24) NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        seen_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (event_id, member_id)
    )""",
    "CREATE INDEX event_seen_member ON event_seen (member_id)",
]
