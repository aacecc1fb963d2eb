"""Indexes for the dashboards' hot queries (measured with benchmarks/bench_dashboards.py)."""

STATEMENTS = [
    # "Needs me": RSVP-required events still ahead; open polls; announcements to acknowledge.
    "CREATE INDEX event_rsvp_open ON event (group_id, starts_at)"
    " WHERE rsvp_required = 1 AND deleted_at IS NULL AND cancelled_at IS NULL",
    "CREATE INDEX poll_open ON poll (group_id, closes_at) WHERE closed_at IS NULL AND deleted_at IS NULL",
    "CREATE INDEX announcement_ack_needed ON announcement (group_id) WHERE ack_required = 1 AND deleted_at IS NULL",
    # "Changed since my last visit".
    "CREATE INDEX event_change_at ON event_change (changed_at)",
]

# PostgreSQL compares booleans with booleans.
POSTGRES = [statement.replace(" = 1 ", " ") for statement in STATEMENTS]
