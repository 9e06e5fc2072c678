-- Session affinity (issue 22). `affinity`: 1 keeps a conversation on the entry and pool key that
-- served it (the default), 0 rotates every request. `session`: a short hash of the client's
-- session id (never the id itself), empty for a request without one. `session_moved`: why the
-- session left the entry or key that served its previous turn (empty when it stayed or is new).
ALTER TABLE group_routing ADD COLUMN affinity INTEGER NOT NULL DEFAULT 1;
ALTER TABLE request_log ADD COLUMN session TEXT NOT NULL DEFAULT '';
ALTER TABLE request_log ADD COLUMN session_moved TEXT NOT NULL DEFAULT '';
