"""Connection tokens: scoped, expiring, revocable credentials a member's home server uses to read
(and, with act:* scopes, answer) their groups here (SPEC §14). Stored only as hashes."""

STATEMENTS = [
    """CREATE TABLE connection_token (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        profile_id VARCHAR(24) NOT NULL REFERENCES profile (id) ON DELETE CASCADE,
        token_hash VARCHAR(64) UNIQUE NOT NULL,
        label VARCHAR(80) NOT NULL DEFAULT '',
        scopes TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL,
        last_used_at TIMESTAMPTZ DEFAULT NULL,
        revoked_at TIMESTAMPTZ DEFAULT NULL
    )""",
    "CREATE INDEX connection_token_profile ON connection_token (profile_id)",
    """CREATE TABLE connection_token_member (
        token_id VARCHAR(24) NOT NULL REFERENCES connection_token (id) ON DELETE CASCADE,
        member_id VARCHAR(24) NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        PRIMARY KEY (token_id, member_id)
    )""",
]
