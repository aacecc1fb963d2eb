"""A connection's `changed_at` (the last sync that brought objects or tombstones: what a cached
home page keys on, so a sync without news keeps it) and `token_expires_at` (from the group
server's answer, shown on the servers page)."""

STATEMENTS = [
    "ALTER TABLE remote_server ADD COLUMN changed_at TIMESTAMPTZ DEFAULT NULL",
    "ALTER TABLE remote_server ADD COLUMN token_expires_at TIMESTAMPTZ DEFAULT NULL",
]
