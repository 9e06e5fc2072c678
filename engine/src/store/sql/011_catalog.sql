-- The model catalog (issue 21). `api-switch catalog update` (or the Settings button) stores the
-- checked catalog here in the models.json format; it replaces the built-in copy until
-- `catalog reset` deletes the row. One row at most.
CREATE TABLE catalog_store (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    source TEXT NOT NULL,
    json TEXT NOT NULL,
    updated_ms INTEGER NOT NULL
);
