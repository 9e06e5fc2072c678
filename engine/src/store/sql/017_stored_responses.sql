-- Stateful Responses (issue 23): the conversations of recent Responses answers the hub made by
-- converting, so a later request's `previous_response_id` can continue them on any channel.
-- `items` is the JSON array of Responses input items: the whole conversation up to and
-- including that answer's output. Kept for a day and at most 2000 rows (`stored_responses.rs`).
CREATE TABLE stored_responses (
    id         TEXT    PRIMARY KEY,
    created_ms INTEGER NOT NULL,
    items      TEXT    NOT NULL
);
CREATE INDEX stored_responses_created ON stored_responses (created_ms);
