-- Per-channel protocol options. `api_version` is Azure OpenAI's `api-version` query value;
-- empty means the built-in default (see `upstream::azure::DEFAULT_API_VERSION`).
ALTER TABLE channels ADD COLUMN api_version TEXT NOT NULL DEFAULT '';
