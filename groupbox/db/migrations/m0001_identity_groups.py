"""Profiles, devices, sessions, sign-in links, groups, members, invites, audit log, rate limits."""

STATEMENTS = [
    """CREATE TABLE profile (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        display_name VARCHAR(80) NOT NULL DEFAULT '',
        is_owner BOOLEAN NOT NULL DEFAULT false,
        email VARCHAR(254) DEFAULT NULL,
        email_verified_at TIMESTAMPTZ DEFAULT NULL,
        ics_secret VARCHAR(64) DEFAULT NULL,
        last_visit_at TIMESTAMPTZ DEFAULT NULL,
        created_at TIMESTAMPTZ NOT NULL
    )""",
    """CREATE TABLE device (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        profile_id VARCHAR(24) NOT NULL REFERENCES profile (id) ON DELETE CASCADE,
        label VARCHAR(80) NOT NULL DEFAULT '',
        user_agent TEXT NOT NULL DEFAULT '',
        created_at TIMESTAMPTZ NOT NULL,
        last_seen_at TIMESTAMPTZ NOT NULL,
        revoked_at TIMESTAMPTZ DEFAULT NULL
    )""",
    "CREATE INDEX device_profile ON device (profile_id)",
    """CREATE TABLE session (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        token_hash VARCHAR(64) UNIQUE NOT NULL,
        device_id VARCHAR(24) NOT NULL REFERENCES device (id) ON DELETE CASCADE,
        created_at TIMESTAMPTZ NOT NULL,
        last_seen_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL,
        revoked_at TIMESTAMPTZ DEFAULT NULL
    )""",
    "CREATE INDEX session_device ON session (device_id)",
    """CREATE TABLE grp (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        name VARCHAR(80) NOT NULL,
        purpose TEXT NOT NULL DEFAULT '',
        timezone VARCHAR(64) NOT NULL,
        members_post_official BOOLEAN NOT NULL DEFAULT false,
        members_upload BOOLEAN NOT NULL DEFAULT true,
        color_index INTEGER NOT NULL DEFAULT 0,
        expected_size INTEGER DEFAULT NULL,
        seq INTEGER NOT NULL DEFAULT 0,
        created_by_id VARCHAR(24) DEFAULT NULL REFERENCES profile (id) ON DELETE SET NULL,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
    )""",
    """CREATE TABLE invite (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        group_id VARCHAR(24) NOT NULL REFERENCES grp (id) ON DELETE CASCADE,
        token_hash VARCHAR(64) UNIQUE NOT NULL,
        role VARCHAR(16) NOT NULL DEFAULT 'member',
        max_uses INTEGER DEFAULT NULL,
        uses INTEGER NOT NULL DEFAULT 0,
        needs_approval BOOLEAN NOT NULL DEFAULT false,
        label VARCHAR(80) NOT NULL DEFAULT '',
        created_by VARCHAR(24) DEFAULT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ DEFAULT NULL,
        revoked_at TIMESTAMPTZ DEFAULT NULL
    )""",
    "CREATE INDEX invite_group ON invite (group_id)",
    """CREATE TABLE member (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        group_id VARCHAR(24) NOT NULL REFERENCES grp (id) ON DELETE CASCADE,
        profile_id VARCHAR(24) DEFAULT NULL REFERENCES profile (id) ON DELETE SET NULL,
        display_name VARCHAR(80) NOT NULL,
        role VARCHAR(16) NOT NULL DEFAULT 'member',
        status VARCHAR(16) NOT NULL DEFAULT 'active',
        invite_id VARCHAR(24) DEFAULT NULL REFERENCES invite (id) ON DELETE SET NULL,
        notifications_on BOOLEAN NOT NULL DEFAULT false,
        joined_at TIMESTAMPTZ NOT NULL,
        left_at TIMESTAMPTZ DEFAULT NULL,
        last_seen_at TIMESTAMPTZ DEFAULT NULL
    )""",
    "CREATE INDEX member_group ON member (group_id, status)",
    "CREATE INDEX member_profile ON member (profile_id)",
    """CREATE TABLE invite_view (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        invite_id VARCHAR(24) NOT NULL REFERENCES invite (id) ON DELETE CASCADE,
        browser VARCHAR(64) NOT NULL,
        viewed_at TIMESTAMPTZ NOT NULL,
        UNIQUE (invite_id, browser)
    )""",
    """CREATE TABLE signin_token (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        token_hash VARCHAR(64) UNIQUE NOT NULL,
        profile_id VARCHAR(24) DEFAULT NULL REFERENCES profile (id) ON DELETE CASCADE,
        member_id VARCHAR(24) DEFAULT NULL REFERENCES member (id) ON DELETE CASCADE,
        created_by VARCHAR(24) DEFAULT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL,
        used_at TIMESTAMPTZ DEFAULT NULL,
        attempts INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE audit_entry (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        group_id VARCHAR(24) DEFAULT NULL,
        actor_profile_id VARCHAR(24) DEFAULT NULL,
        actor_name VARCHAR(80) NOT NULL DEFAULT '',
        action VARCHAR(48) NOT NULL,
        target_type VARCHAR(24) NOT NULL DEFAULT '',
        target_id VARCHAR(24) DEFAULT NULL,
        target_name VARCHAR(120) NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '',
        created_at TIMESTAMPTZ NOT NULL
    )""",
    "CREATE INDEX audit_entry_group ON audit_entry (group_id, created_at)",
    """CREATE TABLE rate_hit (
        bucket VARCHAR(120) NOT NULL,
        window_start INTEGER NOT NULL,
        hits INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (bucket, window_start)
    )""",
    """CREATE TABLE instance_meta (
        key VARCHAR(64) PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    )""",
]
