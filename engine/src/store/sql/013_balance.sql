-- Relay balances (issue 21). One row per channel whose balance settings were set or looked up
-- (no row: `auto`, no threshold). `kind` is a `types::balance::BalanceKind` name; the new-api
-- access token is a secret like an API key. The last look-up: `amount` NULL is unknown (see
-- `error`), never 0.
CREATE TABLE channel_balance (
    channel_id   INTEGER PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL DEFAULT 'auto',
    threshold    REAL,
    user_id      TEXT    NOT NULL DEFAULT '',
    access_token TEXT    NOT NULL DEFAULT '',
    amount       REAL,
    currency     TEXT    NOT NULL DEFAULT '',
    checked_ms   INTEGER,
    error        TEXT
);
