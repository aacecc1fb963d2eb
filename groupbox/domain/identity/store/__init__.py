"""The identity area's SQL (profiles, devices and sessions, pairing, passkeys, email tokens, rate limits), one module per kind."""

TABLES: tuple[str, ...] = ()
READS: dict[str, str] = {}
FOREIGN_WRITES: dict[str, str] = {}
