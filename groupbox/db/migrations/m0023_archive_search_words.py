"""Archive search on PostgreSQL finds the words SQLite's FTS5 finds (issue 12).

FTS5's unicode61 tokenizer splits text at every punctuation mark. PostgreSQL's text-search parser
does not: it reads `<script>` as an HTML tag and drops it, `anna@example.com` as one e-mail
token, `example.com/path` as a host and a path, `3.14` as one number. So the PostgreSQL index is
rebuilt over the unaccented text with ASCII punctuation turned into spaces (after unaccent, which
writes some letters and signs as ASCII punctuation), and two functions name the expressions,
used by the index and the search alike (`groupbox/domain/migration/store.py`):
- `groupbox_archive_words(text, media_name)`: the words of a message, as a tsvector;
- `groupbox_archive_query(words)`: typed words -> every word required, each also as the start of
  a longer word (FTS5's `"word"*`), split and folded exactly as the messages are.
SQLite: nothing to change.
"""

# ASCII punctuation, and as many spaces; doubled quote for SQL.
_PUNCTUATION = "!\"#$%&''()*+,-./:;<=>?@[\\]^_`{|}~"
_SPACES = " " * 32

STATEMENTS: list[str] = []

POSTGRES = [
    "DROP INDEX IF EXISTS archive_message_search",
    f"""CREATE OR REPLACE FUNCTION groupbox_archive_words(body text, media text) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT to_tsvector('simple', translate(groupbox_unaccent(body || ' ' || COALESCE(media, '')),
                                                     '{_PUNCTUATION}', '{_SPACES}')) $$""",
    f"""CREATE OR REPLACE FUNCTION groupbox_archive_query(words text) RETURNS tsquery
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$ SELECT to_tsquery('simple', COALESCE(string_agg(quote_literal(lexeme) || ':*', ' & '), ''))
              FROM unnest(tsvector_to_array(to_tsvector('simple', translate(groupbox_unaccent(words),
                                                     '{_PUNCTUATION}', '{_SPACES}')))) AS lexeme $$""",
    "CREATE INDEX archive_message_search ON archive_message USING gin (groupbox_archive_words(text, media_name))",
]
