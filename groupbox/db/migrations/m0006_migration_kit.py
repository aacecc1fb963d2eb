"""The migration kit (SPEC §13): WhatsApp archive imports, their messages and full-text search.

An import is written in batches while its row says status 'staging'; readers only ever join
imports with status 'done', so a half-written import is invisible. One import per group and
chat text (content_hash) can be 'done'. Media are ordinary `file` rows with source 'import'.
`archive_fts` indexes messages' text (external content: the importer fills it per batch, a
trigger removes entries when messages are deleted).
"""

STATEMENTS = [
    """CREATE TABLE archive_import (
        id VARCHAR(24) PRIMARY KEY NOT NULL,
        group_id VARCHAR(24) NOT NULL REFERENCES grp (id) ON DELETE CASCADE,
        status VARCHAR(16) NOT NULL DEFAULT 'staging',
        content_hash VARCHAR(64) NOT NULL,
        source_name VARCHAR(200) NOT NULL DEFAULT '',
        chat_name VARCHAR(200) NOT NULL DEFAULT '',
        platform VARCHAR(16) NOT NULL DEFAULT '',
        language VARCHAR(8) NOT NULL DEFAULT '',
        date_order VARCHAR(4) NOT NULL DEFAULT '',
        messages INTEGER NOT NULL DEFAULT 0,
        system_messages INTEGER NOT NULL DEFAULT 0,
        media INTEGER NOT NULL DEFAULT 0,
        media_files INTEGER NOT NULL DEFAULT 0,
        participants INTEGER NOT NULL DEFAULT 0,
        first_at TIMESTAMPTZ DEFAULT NULL,
        last_at TIMESTAMPTZ DEFAULT NULL,
        imported_by VARCHAR(24) DEFAULT NULL REFERENCES member (id) ON DELETE SET NULL,
        imported_by_name VARCHAR(80) NOT NULL DEFAULT '',
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ DEFAULT NULL
    )""",
    "CREATE INDEX archive_import_group ON archive_import (group_id, status)",
    # The same chat text becomes visible once per group; a racing second import fails here.
    "CREATE UNIQUE INDEX archive_import_once ON archive_import (group_id, content_hash) WHERE status = 'done'",
    """CREATE TABLE archive_message (
        id INTEGER PRIMARY KEY,
        import_id VARCHAR(24) NOT NULL REFERENCES archive_import (id) ON DELETE CASCADE,
        group_id VARCHAR(24) NOT NULL REFERENCES grp (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        at TIMESTAMPTZ NOT NULL,
        kind VARCHAR(8) NOT NULL DEFAULT 'message',
        sender VARCHAR(100) DEFAULT NULL,
        text TEXT NOT NULL DEFAULT '',
        media_name VARCHAR(255) DEFAULT NULL,
        media_omitted BOOLEAN NOT NULL DEFAULT false,
        deleted BOOLEAN NOT NULL DEFAULT false,
        file_id VARCHAR(24) DEFAULT NULL REFERENCES file (id) ON DELETE SET NULL
    )""",
    # Reading the archive by time; one import's rows in file order (staging, cleanup); a sender.
    "CREATE INDEX archive_message_group_at ON archive_message (group_id, at)",
    "CREATE INDEX archive_message_import ON archive_message (import_id, position)",
    "CREATE INDEX archive_message_sender ON archive_message (group_id, sender, at)",
    """CREATE VIRTUAL TABLE archive_fts USING fts5(
        text, media_name, content='archive_message', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER archive_message_fts_delete AFTER DELETE ON archive_message BEGIN
        INSERT INTO archive_fts (archive_fts, rowid, text, media_name)
        VALUES ('delete', old.id, old.text, COALESCE(old.media_name, ''));
    END""",
]
