"""Reading a large archive without scanning it (issue 11).

- `archive_sender`: each import's senders with their number of messages, written when the import
  is. The archive page's "From" list was a DISTINCT over every message (0.6 s for 800k, on every
  page view). Filled here from the messages of imports that already exist.
- `archive_message_file`: the archive's media are served only while a message of a finished import
  names them; without an index that check read the whole archive for every photo on a page.
"""

STATEMENTS = [
    """CREATE TABLE archive_sender (
        import_id VARCHAR(24) NOT NULL REFERENCES archive_import (id) ON DELETE CASCADE,
        sender VARCHAR(100) NOT NULL,
        messages INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (import_id, sender)
    )""",
    "INSERT INTO archive_sender (import_id, sender, messages)"
    " SELECT import_id, sender, COUNT(*) FROM archive_message"
    " WHERE sender IS NOT NULL AND kind != 'system' GROUP BY import_id, sender",
    "CREATE INDEX archive_message_file ON archive_message (file_id) WHERE file_id IS NOT NULL",
]
