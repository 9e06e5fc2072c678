//! The configuration files Connect created where there was none, each with the SHA-256 of what
//! it wrote. Undo reads this instead of an empty marker file beside the app's settings: it
//! removes a created file only while that file still holds what Connect wrote.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

impl Store {
    /// Remembers that Connect created `path` with text whose SHA-256 is `sha256`.
    pub fn note_connect_created(&self, path: &str, sha256: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO connect_created (path, sha256, created_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT(path) DO UPDATE SET sha256 = excluded.sha256, created_at = excluded.created_at",
            params![path, sha256, crate::clock::now_ms()],
        )?;
        Ok(())
    }

    /// The SHA-256 of what Connect wrote when it created `path`; `None` when it did not.
    pub fn connect_created(&self, path: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT sha256 FROM connect_created WHERE path = ?1",
                [path],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// Forgets that Connect created `path` (undo removed it, or it is no longer ours).
    pub fn forget_connect_created(&self, path: &str) -> Result<(), StoreError> {
        self.conn()
            .execute("DELETE FROM connect_created WHERE path = ?1", [path])?;
        Ok(())
    }
}
