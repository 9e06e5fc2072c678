-- Captured exchanges (issue 24): whole requests kept for diagnosis while capture is switched on.
-- `exchange` is the JSON of `types::capture::Exchange` (keys masked, each body capped);
-- `size_bytes` its length, for the total cap. Linked to its request-log row; retention deletes
-- exchanges by age and beyond the total size, and those whose row is gone (`exchanges.rs`).
CREATE TABLE captured_exchanges (
    request_log_id INTEGER PRIMARY KEY,
    at_ms          INTEGER NOT NULL,
    size_bytes     INTEGER NOT NULL,
    exchange       TEXT    NOT NULL
);
CREATE INDEX captured_exchanges_at ON captured_exchanges (at_ms);

-- The capture setting, one row: the JSON of `types::capture::CaptureRule` (off by default).
CREATE TABLE capture_rule (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    rule TEXT    NOT NULL
);
