-- Limits per access key (issue 21): requests per UTC minute, tokens per UTC day, US dollars per
-- UTC day and per UTC month. NULL: no limit. The proxy keeps the use in memory, seeded once
-- from request_log at start-up.
ALTER TABLE access_keys ADD COLUMN limit_requests_per_minute INTEGER;
ALTER TABLE access_keys ADD COLUMN limit_tokens_per_day INTEGER;
ALTER TABLE access_keys ADD COLUMN limit_usd_per_day REAL;
ALTER TABLE access_keys ADD COLUMN limit_usd_per_month REAL;
