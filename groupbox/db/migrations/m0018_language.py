"""The language a person chose on /me (issue 15, item 9): "" = none chosen, so their browser's
Accept-Language decides, else the instance's `language` setting. Never filled from a header."""

STATEMENTS = [
    "ALTER TABLE profile ADD COLUMN language VARCHAR(8) NOT NULL DEFAULT ''",
]
