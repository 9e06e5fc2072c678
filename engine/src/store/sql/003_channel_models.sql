-- The model ids a channel reported when its models were last fetched, in the order the
-- upstream listed them. Entries are chosen from this list; it is replaced on every fetch.
CREATE TABLE channel_models (
    channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    model      TEXT    NOT NULL,
    position   INTEGER NOT NULL,
    fetched_at TEXT    NOT NULL,
    PRIMARY KEY (channel_id, model)
);
