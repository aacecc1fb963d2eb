"""Events longer than a day are marked, so the calendar's overlap query reads a bounded index range
(groupbox/domain/objects/store/events.py, `LONG_SPAN`): before, "what overlaps these three weeks"
walked every past event of each group, since any of them might still be going on (issue 17:
1.2 ms of a /calendar request on the benchmark's data)."""

STATEMENTS = [
    "ALTER TABLE event ADD COLUMN long_span BOOLEAN NOT NULL DEFAULT FALSE",
    "UPDATE event SET long_span = TRUE WHERE ends_at IS NOT NULL"
    " AND julianday(ends_at) - julianday(starts_at) > 1",
    "CREATE INDEX event_long_span ON event (group_id, starts_at) WHERE long_span = TRUE AND deleted_at IS NULL",
]

POSTGRES = [
    STATEMENTS[0],
    "UPDATE event SET long_span = TRUE WHERE ends_at IS NOT NULL AND ends_at - starts_at > INTERVAL '1 day'",
    STATEMENTS[2],
]
