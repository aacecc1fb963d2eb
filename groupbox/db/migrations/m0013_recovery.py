"""Recovery by email: finding a profile by its address must not scan every profile."""

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS profile_email_nocase ON profile (email COLLATE NOCASE)",
]
