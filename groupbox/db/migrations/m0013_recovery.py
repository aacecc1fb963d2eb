"""Recovery by email: finding a profile by its address must not scan every profile."""

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS profile_email_nocase ON profile (email COLLATE NOCASE)",
]

# PostgreSQL has no NOCASE collation: the index is on the lower-cased address (queries that
# should use it compare `lower(email) = lower(?)`).
POSTGRES = ["CREATE INDEX IF NOT EXISTS profile_email_nocase ON profile (lower(email))"]
