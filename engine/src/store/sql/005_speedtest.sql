-- The last speed test of each entry: kept apart from `entries` so a test never touches the
-- routing columns (enabled, cooldown) and deleting an entry deletes its result.
CREATE TABLE speed_tests (
    entry_id INTEGER PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,
    at_ms    INTEGER NOT NULL,
    ok       INTEGER NOT NULL,
    ttfb_ms  INTEGER,
    total_ms INTEGER,
    status   INTEGER,
    error    TEXT    NOT NULL DEFAULT ''
);
