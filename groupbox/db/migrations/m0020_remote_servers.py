"""A home server's connections to other groupbox servers and its cache of their objects (SPEC §14,
docs/protocol.md). The connection token is stored encrypted (`token_cipher`, key in DATA/keys/);
`token_hint` is its last four characters, for display."""

STATEMENTS = [
    """CREATE TABLE remote_server (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        profile_id VARCHAR(24) NOT NULL REFERENCES profile (id) ON DELETE CASCADE,
        url VARCHAR(500) NOT NULL,
        api_base VARCHAR(500) NOT NULL DEFAULT '',
        server_name VARCHAR(200) NOT NULL DEFAULT '',
        protocol_version VARCHAR(16) NOT NULL DEFAULT '',
        capabilities TEXT NOT NULL DEFAULT '{}',
        scopes TEXT NOT NULL DEFAULT '',
        token_cipher TEXT NOT NULL,
        token_hint VARCHAR(12) NOT NULL DEFAULT '',
        cursor TEXT DEFAULT NULL,
        state VARCHAR(24) NOT NULL DEFAULT 'ok',
        state_detail TEXT NOT NULL DEFAULT '',
        insecure BOOLEAN NOT NULL DEFAULT FALSE,
        created_at TIMESTAMPTZ NOT NULL,
        last_sync_at TIMESTAMPTZ DEFAULT NULL,
        last_ok_at TIMESTAMPTZ DEFAULT NULL,
        next_sync_at TIMESTAMPTZ DEFAULT NULL
    )""",
    "CREATE INDEX remote_server_profile ON remote_server (profile_id)",
    "CREATE INDEX remote_server_next_sync ON remote_server (next_sync_at)",
    """CREATE TABLE remote_object (
        connection_id VARCHAR(24) NOT NULL REFERENCES remote_server (id) ON DELETE CASCADE,
        type VARCHAR(16) NOT NULL,
        id VARCHAR(64) NOT NULL,
        group_id VARCHAR(64) NOT NULL,
        group_name VARCHAR(200) NOT NULL DEFAULT '',
        stub BOOLEAN NOT NULL DEFAULT FALSE,
        sort_at TIMESTAMPTZ DEFAULT NULL,
        data TEXT NOT NULL DEFAULT '{}',
        updated_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (connection_id, type, id)
    )""",
    "CREATE INDEX remote_object_type_sort ON remote_object (type, sort_at)",
    "CREATE INDEX remote_object_group ON remote_object (connection_id, group_id)",
]
