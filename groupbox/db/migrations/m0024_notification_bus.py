"""The live-update poll's fingerprint reads the newest notification and the newest read one
(groupbox/db/bus.py): two index lookups instead of scanning every notification every 0.3 s
(measured on 85,000 notifications: 10–17 ms per poll, holding the reader meanwhile)."""

STATEMENTS = [
    "CREATE INDEX notification_created ON notification (created_at)",
    "CREATE INDEX notification_read ON notification (read_at)",
]
