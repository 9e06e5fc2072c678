-- Order modes, hedging, aliases and recovery probes. `aliases`: a JSON array of other names
-- the entry answers to (routing's alias tier). `last_probe_ok_ms`: when a recovery probe of the
-- entry last succeeded (0: never), shown beside cooling and disabled entries. One row per
-- group that has routing options; a group without a row routes by priority, without hedging.
ALTER TABLE entries ADD COLUMN aliases TEXT NOT NULL DEFAULT '[]';
ALTER TABLE entries ADD COLUMN last_probe_ok_ms INTEGER NOT NULL DEFAULT 0;
CREATE TABLE group_routing (
    group_name TEXT PRIMARY KEY COLLATE NOCASE,
    order_mode TEXT NOT NULL DEFAULT 'custom',
    hedging    TEXT NOT NULL DEFAULT '{"delay":{"mode":"off"},"max_per_minute":30}'
);
