-- The app configuration files Connect created where there was none: the file's path and the
-- SHA-256 (hex) of what Connect wrote. Undo removes such a file only while it still holds
-- exactly that, so no empty marker file is left in the app's folder and a file the user put
-- there since is never deleted.
CREATE TABLE connect_created (
    path       TEXT    PRIMARY KEY,
    sha256     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
