-- What the UI shows beyond routing. `disabled_at_ms`: when the system switched an entry off
-- (0 when it did not), for "auto-disabled recently". Access keys can be switched off and show
-- when they were last used (set by the background writer from request-log rows). Each
-- request-log row keeps the attempts that led to it as a JSON array of
-- `types::logs::AttemptRecord`.
ALTER TABLE entries ADD COLUMN disabled_at_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE access_keys ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;
ALTER TABLE access_keys ADD COLUMN last_used_ms INTEGER;
ALTER TABLE request_log ADD COLUMN attempt_log TEXT NOT NULL DEFAULT '[]';
