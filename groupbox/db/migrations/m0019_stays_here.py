"""The group server's side of the sync protocol (SPEC §14, docs/protocol.md).

"Stays on this server" (`stays_here`) already exists on announcements, events and files (m0002,
m0003): this migration adds what `GET /api/sync` reads by change number — the files of a group in
`seq` order, and the answers (RSVPs, acknowledgements) that change an object for a member without
changing its row."""

STATEMENTS = [
    "CREATE INDEX file_group_seq ON file (group_id, seq)",
    "CREATE INDEX rsvp_seq ON rsvp (seq)",
    "CREATE INDEX announcement_ack_member_seq ON announcement_ack (member_id, seq)",
]
