-- Money (issue 21). The request log keeps what each request cost and the token counts it was
-- priced from: cache reads and writes and reasoning tokens (parts of prompt and completion),
-- whether the counts are a tokenizer's estimate, and the cost in US dollars (NULL: no price).
-- A channel prices its models at `price_multiplier` times the catalog, except for the models
-- in `price_overrides` (a JSON object of model name -> price, see types::pricing::Price).
ALTER TABLE request_log ADD COLUMN cache_read_tokens INTEGER;
ALTER TABLE request_log ADD COLUMN cache_write_tokens INTEGER;
ALTER TABLE request_log ADD COLUMN reasoning_tokens INTEGER;
ALTER TABLE request_log ADD COLUMN tokens_estimated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE request_log ADD COLUMN cost_usd REAL;
ALTER TABLE channels ADD COLUMN price_multiplier REAL NOT NULL DEFAULT 1.0;
ALTER TABLE channels ADD COLUMN price_overrides TEXT NOT NULL DEFAULT '{}';
