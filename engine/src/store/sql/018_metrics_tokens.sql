-- Issue 24: tokens a monitoring tool presents to read `/metrics` from another machine
-- (`Authorization: Bearer ...`), each named by the user, stored by the SHA-256 of the token
-- (as sessions are) so a copy of the file reads nothing.
CREATE TABLE metrics_tokens (
    name         TEXT    PRIMARY KEY,
    token_sha256 TEXT    NOT NULL UNIQUE,
    created_ms   INTEGER NOT NULL
);
