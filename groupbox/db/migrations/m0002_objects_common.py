"""Shared by every structured object: tombstones for sync, files and attachments,
acknowledgements of files, in-app notifications and notification preferences."""

STATEMENTS = [
    # A deleted object leaves a tombstone so "changed since" and sync can tell home servers.
    """CREATE TABLE tombstone (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        group_id VARCHAR(24) NOT NULL REFERENCES grp (id) ON DELETE CASCADE,
        object_type VARCHAR(24) NOT NULL,
        object_id VARCHAR(24) NOT NULL,
        seq INTEGER NOT NULL,
        deleted_at TIMESTAMPTZ NOT NULL
    )""",
    "CREATE INDEX tombstone_group_seq ON tombstone (group_id, seq)",
    """CREATE TABLE file (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        group_id VARCHAR(24) NOT NULL REFERENCES grp (id) ON DELETE CASCADE,
        uploader_id VARCHAR(24) DEFAULT NULL REFERENCES member (id) ON DELETE SET NULL,
        display_name VARCHAR(200) NOT NULL,
        stored_name VARCHAR(64) NOT NULL UNIQUE,
        content_type VARCHAR(100) NOT NULL,
        size INTEGER NOT NULL,
        sha256 VARCHAR(64) NOT NULL DEFAULT '',
        ack_required BOOLEAN NOT NULL DEFAULT false,
        stays_here BOOLEAN NOT NULL DEFAULT false,
        source VARCHAR(16) NOT NULL DEFAULT 'upload',
        seq INTEGER NOT NULL DEFAULT 0,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        deleted_at TIMESTAMPTZ DEFAULT NULL
    )""",
    "CREATE INDEX file_group ON file (group_id, created_at)",
    """CREATE TABLE file_ack (
        file_id VARCHAR(24) NOT NULL REFERENCES file (id) ON DELETE CASCADE,
        member_id VARCHAR(24) NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        acked_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (file_id, member_id)
    )""",
    # A file attached to an announcement or an event (object_type names the table).
    """CREATE TABLE attachment (
        file_id VARCHAR(24) NOT NULL REFERENCES file (id) ON DELETE CASCADE,
        object_type VARCHAR(24) NOT NULL,
        object_id VARCHAR(24) NOT NULL,
        position INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (file_id, object_type, object_id)
    )""",
    "CREATE INDEX attachment_object ON attachment (object_type, object_id)",
    """CREATE TABLE notification (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        profile_id VARCHAR(24) NOT NULL REFERENCES profile (id) ON DELETE CASCADE,
        member_id VARCHAR(24) DEFAULT NULL REFERENCES member (id) ON DELETE CASCADE,
        group_id VARCHAR(24) DEFAULT NULL REFERENCES grp (id) ON DELETE CASCADE,
        category VARCHAR(32) NOT NULL,
        title VARCHAR(200) NOT NULL,
        body TEXT NOT NULL DEFAULT '',
        url VARCHAR(300) NOT NULL DEFAULT '',
        object_type VARCHAR(24) DEFAULT NULL,
        object_id VARCHAR(24) DEFAULT NULL,
        mode VARCHAR(16) NOT NULL DEFAULT 'immediate',
        created_at TIMESTAMPTZ NOT NULL,
        read_at TIMESTAMPTZ DEFAULT NULL,
        mailed_at TIMESTAMPTZ DEFAULT NULL
    )""",
    "CREATE INDEX notification_profile ON notification (profile_id, read_at, created_at)",
    "CREATE INDEX notification_mail ON notification (mode, mailed_at)",
    """CREATE TABLE notification_pref (
        profile_id VARCHAR(24) NOT NULL REFERENCES profile (id) ON DELETE CASCADE,
        group_id VARCHAR(24) NOT NULL DEFAULT '',
        category VARCHAR(32) NOT NULL,
        mode VARCHAR(16) NOT NULL,
        PRIMARY KEY (profile_id, group_id, category)
    )""",
]
