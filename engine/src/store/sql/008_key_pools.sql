-- Key pools: a channel holds one or more API keys, tried in rotation. The key a channel had
-- becomes the first of its pool. `channels.api_key` keeps the pool as text (one key a line),
-- written with every change of the pool. A key the system switched off (401/403, an error
-- rule) keeps why and when; only the user switches it on again.
CREATE TABLE channel_keys (
    id              INTEGER PRIMARY KEY,
    channel_id      INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    key             TEXT    NOT NULL,
    enabled         INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT    NOT NULL DEFAULT '',
    disabled_at_ms  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX channel_keys_channel ON channel_keys(channel_id, position);
INSERT INTO channel_keys (channel_id, position, key)
    SELECT id, 0, trim(api_key) FROM channels WHERE trim(api_key) != '';
-- The channel's outbound proxy as JSON (`types::routing::OutboundProxy`); empty: direct.
ALTER TABLE channels ADD COLUMN proxy TEXT NOT NULL DEFAULT '';
