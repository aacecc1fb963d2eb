"""Device pairing (SPEC §6.4): a new browser shows a short code, a signed-in device approves it.

Nothing here can be replayed from the database alone: the browser's pairing secret is stored as
a SHA-256 hash, and the code (two halves of four characters) as HMACs keyed with the instance
secret, so the 40 bits of a code cannot be brute-forced from a copy of the file.
`lookup_hash` is the first half: it finds the pairing a mistyped code was meant for, so wrong
codes count against *that* pairing. Rows live ten minutes and are swept a day later.
"""

STATEMENTS = [
    """CREATE TABLE device_pairing (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        secret_hash VARCHAR(64) UNIQUE NOT NULL,
        lookup_hash VARCHAR(64) NOT NULL,
        code_hash VARCHAR(64) NOT NULL,
        label VARCHAR(80) NOT NULL,
        user_agent TEXT NOT NULL DEFAULT '',
        wrong_codes INTEGER NOT NULL DEFAULT 0,
        created_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL,
        stopped_at TIMESTAMPTZ DEFAULT NULL,
        approved_at TIMESTAMPTZ DEFAULT NULL,
        approved_profile_id VARCHAR(24) DEFAULT NULL REFERENCES profile (id) ON DELETE CASCADE,
        approved_device_id VARCHAR(24) DEFAULT NULL REFERENCES device (id) ON DELETE SET NULL,
        completed_at TIMESTAMPTZ DEFAULT NULL,
        device_id VARCHAR(24) DEFAULT NULL REFERENCES device (id) ON DELETE SET NULL
    )""",
    "CREATE INDEX device_pairing_lookup ON device_pairing (lookup_hash)",
    "CREATE INDEX device_pairing_code ON device_pairing (code_hash)",
    "CREATE INDEX device_pairing_expires ON device_pairing (expires_at)",
]
