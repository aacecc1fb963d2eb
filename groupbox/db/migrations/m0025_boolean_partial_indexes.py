"""m0021's partial indexes again, with the booleans as the queries now write them (issue 12's
portable SQL: `rsvp_required = TRUE`, not `= 1`). SQLite uses a partial index only when the
query's WHERE implies the index's, and it does not see `x = TRUE` as implying `x = 1`: "Needs
you" had fallen back to walking every event of a group ahead (2.3 ms on the benchmark data,
0.8 ms with the index). PostgreSQL folds `x = TRUE` to `x` in both: nothing to change there."""

STATEMENTS = [
    "DROP INDEX event_rsvp_open_cover",
    "CREATE INDEX event_rsvp_open_cover ON event (group_id, starts_at, rsvp_deadline, id, rsvp_required,"
    " cancelled_at, deleted_at) WHERE rsvp_required = TRUE AND deleted_at IS NULL AND cancelled_at IS NULL",
    "DROP INDEX announcement_official",
    "CREATE INDEX announcement_official ON announcement (group_id, created_at, id)"
    " WHERE official = TRUE AND deleted_at IS NULL",
    "DROP INDEX announcement_ack_cover",
    "CREATE INDEX announcement_ack_cover ON announcement (group_id, id, author_id)"
    " WHERE ack_required = TRUE AND deleted_at IS NULL",
]

POSTGRES: list[str] = []
