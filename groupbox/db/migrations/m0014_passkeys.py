"""Passkeys (SPEC §6.6): WebAuthn credentials of a profile, and the challenges in flight.

- `passkey`: one registered credential. `credential_id` and `public_key` are base64url (the
  public key is the COSE key the authenticator sent); `sign_count` is the authenticator's last
  counter, for clone detection. Removing a passkey deletes its row, so its credential no longer
  signs anyone in. Goes with the profile.
- `passkey_challenge`: a challenge handed to a browser, stored only as the SHA-256 of its bytes,
  single use, five minutes. A registration challenge belongs to the profile that asked for it.
"""

STATEMENTS = [
    """CREATE TABLE passkey (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        profile_id VARCHAR(24) NOT NULL REFERENCES profile (id) ON DELETE CASCADE,
        credential_id VARCHAR(1400) UNIQUE NOT NULL,
        public_key TEXT NOT NULL,
        sign_count INTEGER NOT NULL DEFAULT 0,
        name VARCHAR(60) NOT NULL,
        aaguid VARCHAR(36) NOT NULL DEFAULT '',
        transports VARCHAR(200) NOT NULL DEFAULT '',
        backed_up BOOLEAN NOT NULL DEFAULT false,
        created_at TIMESTAMPTZ NOT NULL,
        last_used_at TIMESTAMPTZ DEFAULT NULL
    )""",
    "CREATE INDEX passkey_profile ON passkey (profile_id)",
    """CREATE TABLE passkey_challenge (
        challenge_hash VARCHAR(64) PRIMARY KEY NOT NULL,
        purpose VARCHAR(16) NOT NULL,
        profile_id VARCHAR(24) DEFAULT NULL REFERENCES profile (id) ON DELETE CASCADE,
        created_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL
    )""",
    "CREATE INDEX passkey_challenge_expires ON passkey_challenge (expires_at)",
]
