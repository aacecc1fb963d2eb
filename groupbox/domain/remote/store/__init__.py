"""The remote area's storage, one module per side: `tokens` (connection tokens this server
issues), `servers` (a home server's connections and its cache of what they send) and `feed`
(the group server's set-based reads that answer `/api/sync`)."""
