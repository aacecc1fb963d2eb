"""The open RSVP events' index holds `created_at` too, so "Needs you" ranks the RSVPs I owe, and
picks the first it shows, from the index alone, and visits the rows of only those (issue 17:
visiting all 150 of the benchmark person's to read `created_at` was 0.4 of the query's 0.9 ms)."""

STATEMENTS = [
    "DROP INDEX event_rsvp_open_cover",
    "CREATE INDEX event_rsvp_open_cover ON event (group_id, starts_at, rsvp_deadline, id, created_at,"
    " rsvp_required, cancelled_at, deleted_at) WHERE rsvp_required = TRUE AND deleted_at IS NULL"
    " AND cancelled_at IS NULL",
]

POSTGRES = STATEMENTS
