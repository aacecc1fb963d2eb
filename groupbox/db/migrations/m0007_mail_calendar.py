"""Email verification and recovery tokens, the ICS feed token, visit tracking."""

STATEMENTS = [
    """CREATE TABLE email_token (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        profile_id VARCHAR(24) NOT NULL REFERENCES profile (id) ON DELETE CASCADE,
        email VARCHAR(254) NOT NULL,
        purpose VARCHAR(16) NOT NULL,
        token_hash VARCHAR(64) UNIQUE NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL,
        used_at TIMESTAMPTZ DEFAULT NULL
    )""",
    "ALTER TABLE profile ADD COLUMN ics_token_hash VARCHAR(64) DEFAULT NULL",
    "CREATE UNIQUE INDEX profile_ics_token ON profile (ics_token_hash)",
    "ALTER TABLE profile ADD COLUMN prev_visit_at TIMESTAMPTZ DEFAULT NULL",
    "ALTER TABLE notification ADD COLUMN mail_attempts INTEGER NOT NULL DEFAULT 0",
]
