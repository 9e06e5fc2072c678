-- Entries are the unit of routing: one model on one channel, in one global priority order.
CREATE TABLE entries (
    id               INTEGER PRIMARY KEY,
    channel_id       INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    model            TEXT    NOT NULL,
    display_name     TEXT    NOT NULL DEFAULT '',
    group_name       TEXT    NOT NULL DEFAULT 'auto',
    priority         INTEGER NOT NULL DEFAULT 0,
    enabled          INTEGER NOT NULL DEFAULT 1,
    disabled_reason  TEXT    NOT NULL DEFAULT '',
    cooldown_until   INTEGER NOT NULL DEFAULT 0,
    last_response_ms INTEGER
);
CREATE INDEX entries_priority ON entries(priority, id);

CREATE TABLE access_keys (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    key        TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL DEFAULT 0
);

-- One row per setting; values are JSON so new settings need no migration.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- What happened to each proxied request. Never message contents, never keys.
CREATE TABLE request_log (
    id              INTEGER PRIMARY KEY,
    at_ms           INTEGER NOT NULL,
    requested_model TEXT    NOT NULL,
    entry_id        INTEGER,
    channel_name    TEXT    NOT NULL DEFAULT '',
    model           TEXT    NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL,
    status          INTEGER NOT NULL,
    latency_ms      INTEGER NOT NULL,
    first_token_ms  INTEGER,
    prompt_tokens   INTEGER,
    completion_tokens INTEGER,
    stream          INTEGER NOT NULL,
    client_key_name TEXT    NOT NULL DEFAULT '',
    error           TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX request_log_at ON request_log(at_ms);
