"""Trust levels (SPEC §6.1): a device the person chose to keep ("Save access on this device")."""

STATEMENTS = [
    "ALTER TABLE device ADD COLUMN saved_at TIMESTAMPTZ DEFAULT NULL",
]
