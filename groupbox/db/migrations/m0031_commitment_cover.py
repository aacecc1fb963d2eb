"""Indexes that hold what "my sign-up places this week" reads of each place, its sheet and its
sheet's event, so it reads no table row but those of the places it shows: the benchmark person's
106 places each visited their slot's, their sheet's and their event's rows, with an event's
description in between (issue 17: 0.39 -> 0.13 ms of Anna's home, measured between the page's
other queries)."""

STATEMENTS = [
    "DROP INDEX signup_commitment_member",
    "CREATE INDEX signup_commitment_member ON signup_commitment (member_id, slot_id, committed_at)",
    "CREATE INDEX signup_slot_start ON signup_slot (id, signup_id, starts_at)",
    "CREATE INDEX signup_event_live ON signup (id, event_id, deleted_at)",
    "CREATE INDEX event_live_start ON event (id, starts_at, deleted_at, cancelled_at)",
]
