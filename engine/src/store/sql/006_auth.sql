-- The UI's admin password (one row, an Argon2id PHC string, never the password) and its login
-- sessions, stored by the SHA-256 of their cookie token so a copy of the file opens no session.
CREATE TABLE admin_password (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    hash       TEXT    NOT NULL,
    changed_at INTEGER NOT NULL
);
CREATE TABLE sessions (
    token_sha256 TEXT    PRIMARY KEY,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
