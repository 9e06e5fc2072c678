//! The admin password hash and the UI's login sessions. Only hashes are stored: the password
//! as an Argon2id PHC string, each session as the SHA-256 of its cookie token. Changing the
//! password deletes every session in the same transaction, so no old login survives it.
//! The tokens that read `/metrics` from afar are kept the same way, by their SHA-256.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

impl Store {
    /// The stored Argon2id PHC string, `None` until a password is set.
    pub fn admin_password_hash(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT hash FROM admin_password WHERE id = 1", [], |row| {
                row.get(0)
            })
            .optional()?)
    }

    /// Stores a new password hash and revokes every session, in one transaction.
    pub fn replace_admin_password_hash(&self, hash: &str) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO admin_password (id, hash, changed_at) VALUES (1, ?1, ?2) \
             ON CONFLICT(id) DO UPDATE SET hash = excluded.hash, changed_at = excluded.changed_at",
            params![hash, crate::clock::now_ms()],
        )?;
        tx.execute("DELETE FROM sessions", [])?;
        tx.commit()?;
        Ok(())
    }

    /// Records a new session; expired ones are purged on the way.
    pub fn insert_session(&self, token_sha256: &str, expires_at_ms: i64) -> Result<(), StoreError> {
        let conn = self.conn();
        let now = crate::clock::now_ms();
        conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?;
        conn.execute(
            "INSERT INTO sessions (token_sha256, created_at, expires_at) VALUES (?1, ?2, ?3)",
            params![token_sha256, now, expires_at_ms],
        )?;
        Ok(())
    }

    /// Whether a session with this token hash exists and has not expired at `now_ms`.
    pub fn session_is_live(&self, token_sha256: &str, now_ms: i64) -> Result<bool, StoreError> {
        let expires: Option<i64> = self
            .conn()
            .query_row(
                "SELECT expires_at FROM sessions WHERE token_sha256 = ?1",
                [token_sha256],
                |row| row.get(0),
            )
            .optional()?;
        Ok(expires.is_some_and(|at| at > now_ms))
    }

    pub fn delete_session(&self, token_sha256: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "DELETE FROM sessions WHERE token_sha256 = ?1",
            [token_sha256],
        )?;
        Ok(())
    }

    /// Stores a metrics token named `name` by its SHA-256, replacing one of that name.
    pub fn replace_metrics_token(
        &self,
        name: &str,
        token_sha256: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO metrics_tokens (name, token_sha256, created_ms) VALUES (?1, ?2, ?3) \
             ON CONFLICT (name) DO UPDATE SET token_sha256 = ?2, created_ms = ?3",
            params![name, token_sha256, now_ms],
        )?;
        Ok(())
    }

    pub fn metrics_token_exists(&self, token_sha256: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT 1 FROM metrics_tokens WHERE token_sha256 = ?1",
                [token_sha256],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// The metrics tokens' names with when each was made, oldest first.
    pub fn metrics_token_names(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT name, created_ms FROM metrics_tokens ORDER BY created_ms, name")?;
        let names = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(names)
    }

    /// Deletes the metrics token `name`; whether there was one.
    pub fn delete_metrics_token(&self, name: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .execute("DELETE FROM metrics_tokens WHERE name = ?1", [name])?
            > 0)
    }
}
