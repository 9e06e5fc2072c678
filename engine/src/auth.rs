//! The admin login that guards the web UI. The password is kept only as an Argon2id hash; a
//! login hands out a random session token whose SHA-256 is stored with an expiry, so changing
//! the password (which deletes every stored session) logs every browser out. `LoginThrottle`
//! slows password guessing: a few free failures per client, then lockouts that double; every
//! check of the admin password (the login and the UI's change of password) goes through it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::store::StoreError;

/// Where the client sits, as the server's guard judged it by its one rule for "remote" (see
/// `server::guard::place`) and left in the request's extensions: `Local` only when the
/// connection comes from loopback, its `Host` is a loopback name, it speaks HTTP/1.1 and it
/// carries no forwarding header (a reverse proxy's users are remote even though their
/// connections come from loopback). Server functions that touch this machine's files (Connect
/// apps) act only for a local browser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrowserPlace {
    Local,
    Remote,
}

/// Shortest admin password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Why a password could not be set or a login was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(
        "no admin password is set; set one with `api-switch password set` on the machine running API Switch"
    )]
    NoPassword,
    #[error("wrong password")]
    WrongPassword,
    #[error("too many wrong passwords; try again in {retry_after_secs} seconds")]
    LockedOut { retry_after_secs: u64 },
    #[error("the password must have at least {min} characters")]
    TooShort { min: usize },
    #[error("cannot hash the password: {source}")]
    Hash {
        #[source]
        source: argon2::password_hash::Error,
    },
    #[error("cannot create a session token: {source}")]
    Random {
        #[source]
        source: getrandom::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A session just opened: the token goes into the cookie and is never stored as is.
#[derive(Debug)]
pub struct NewSession {
    pub token: String,
    pub max_age_secs: u64,
}

/// Hashes `password` with Argon2id and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AuthError::TooShort {
            min: MIN_PASSWORD_CHARS,
        });
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|source| AuthError::Hash { source })
}

/// Whether `password` matches the PHC string `hash` (an unreadable hash matches nothing).
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// 32 random bytes as hex: a session token or an access key body.
pub fn random_token() -> Result<String, AuthError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|source| AuthError::Random { source })?;
    Ok(hex::encode(bytes))
}

/// What the store keeps for a token: its SHA-256, hex.
pub fn token_digest(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// The lowercase hex SHA-256 of `bytes`: how tokens are stored, and how Connect recognises a
/// file it wrote.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl AppState {
    /// Whether an admin password has been set.
    pub fn admin_password_is_set(&self) -> Result<bool, StoreError> {
        Ok(self.store().admin_password_hash()?.is_some())
    }

    /// Sets the admin password without asking for the old one (the CLI, run by whoever owns
    /// the data folder). Every open session is revoked.
    pub fn set_admin_password(&self, new: &str) -> Result<(), AuthError> {
        let hash = hash_password(new)?;
        self.store().replace_admin_password_hash(&hash)?;
        Ok(())
    }

    /// Changes the admin password from the UI: the current one must be given when one is set.
    /// Every open session is revoked, the caller's too.
    pub fn change_admin_password(&self, current: &str, new: &str) -> Result<(), AuthError> {
        if let Some(hash) = self.store().admin_password_hash()?
            && !verify_password(current, &hash)
        {
            return Err(AuthError::WrongPassword);
        }
        self.set_admin_password(new)
    }

    /// Checks `password` and opens a session lasting `session_ttl_secs`. Slow on purpose
    /// (Argon2id): call it from a blocking task.
    pub fn open_session(&self, password: &str) -> Result<NewSession, AuthError> {
        let hash = self
            .store()
            .admin_password_hash()?
            .ok_or(AuthError::NoPassword)?;
        if !verify_password(password, &hash) {
            return Err(AuthError::WrongPassword);
        }
        let ttl = self.snapshot().settings.session_ttl_secs;
        let token = random_token()?;
        let expires_at = crate::clock::now_ms().saturating_add((ttl as i64).saturating_mul(1000));
        self.store()
            .insert_session(&token_digest(&token), expires_at)?;
        Ok(NewSession {
            token,
            max_age_secs: ttl,
        })
    }

    /// Whether `token` (a cookie value) names a live session.
    pub fn session_is_live(&self, token: &str) -> Result<bool, StoreError> {
        self.store()
            .session_is_live(&token_digest(token), crate::clock::now_ms())
    }

    /// Ends the session `token` names (logout).
    pub fn close_session(&self, token: &str) -> Result<(), StoreError> {
        self.store().delete_session(&token_digest(token))
    }

    /// Makes a new token for a monitoring tool to read `/metrics` with (`Authorization:
    /// Bearer`), named `name` (a token of that name is replaced). Shown once: only its
    /// SHA-256 is stored.
    pub fn create_metrics_token(&self, name: &str) -> Result<String, AuthError> {
        let token = random_token()?;
        self.store()
            .replace_metrics_token(name, &token_digest(&token), crate::clock::now_ms())?;
        Ok(token)
    }

    /// Whether `token` is one of the metrics tokens the user made.
    pub fn metrics_token_is_valid(&self, token: &str) -> Result<bool, StoreError> {
        self.store().metrics_token_exists(&token_digest(token))
    }
}

/// Failures allowed before the first lockout.
pub const FREE_FAILURES: u32 = 5;
const FIRST_LOCKOUT: Duration = Duration::from_secs(30);
const LONGEST_LOCKOUT: Duration = Duration::from_secs(3600);
/// Clients remembered at most; beyond it, those not locked out are forgotten first.
const MAX_CLIENTS: usize = 10_000;

#[derive(Clone, Copy, Debug, Default)]
struct Failures {
    count: u32,
    locked_until: Option<Instant>,
}

/// Counts failed logins per client address. After `FREE_FAILURES` each further failure locks
/// the client out, 30 s the first time and twice as long each time after (at most an hour);
/// a success forgets the client.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    clients: Mutex<HashMap<IpAddr, Failures>>,
}

impl LoginThrottle {
    fn clients(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Failures>> {
        self.clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `Err(wait)` while `client` is locked out.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        let now = Instant::now();
        match self.clients().get(&client).and_then(|f| f.locked_until) {
            Some(until) if until > now => Err(until - now),
            _ => Ok(()),
        }
    }

    /// Records a failure; returns the lockout it started, if any.
    pub fn failed(&self, client: IpAddr) -> Option<Duration> {
        let mut clients = self.clients();
        if clients.len() >= MAX_CLIENTS {
            let now = Instant::now();
            clients.retain(|_, f| f.locked_until.is_some_and(|until| until > now));
        }
        let failures = clients.entry(client).or_default();
        failures.count = failures.count.saturating_add(1);
        let over = failures.count.checked_sub(FREE_FAILURES)?;
        let lockout = FIRST_LOCKOUT
            .saturating_mul(2u32.saturating_pow(over.min(16)))
            .min(LONGEST_LOCKOUT);
        failures.locked_until = Some(Instant::now() + lockout);
        Some(lockout)
    }

    pub fn succeeded(&self, client: IpAddr) {
        self.clients().remove(&client);
    }
}

/// One password check's place in the throttle: the throttle and the client it counts against.
/// The server's guard leaves it in every request's extensions, so a server function that checks
/// the admin password is throttled exactly like the login.
#[derive(Clone, Debug)]
pub struct LoginAttempt {
    pub throttle: Arc<LoginThrottle>,
    pub client: IpAddr,
}

impl LoginAttempt {
    /// Runs `check` unless the client is locked out (`LockedOut`); a `WrongPassword` counts as
    /// a failure, a success forgets the client's failures.
    pub fn run<T>(&self, check: impl FnOnce() -> Result<T, AuthError>) -> Result<T, AuthError> {
        if let Err(wait) = self.throttle.check(self.client) {
            return Err(AuthError::LockedOut {
                retry_after_secs: wait.as_secs().max(1),
            });
        }
        let result = check();
        match &result {
            Ok(_) => self.throttle.succeeded(self.client),
            Err(AuthError::WrongPassword) => {
                let lockout = self.throttle.failed(self.client);
                tracing::warn!(client = %self.client, locked_for = ?lockout, "a password check failed");
            }
            Err(_) => {}
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse").expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horsf", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(matches!(
            hash_password("short"),
            Err(AuthError::TooShort { min: 8 })
        ));
    }

    #[test]
    fn lockouts_start_after_the_free_failures_and_double() {
        let throttle = LoginThrottle::default();
        let client: IpAddr = [192, 0, 2, 1].into();
        let other: IpAddr = [192, 0, 2, 2].into();
        for _ in 0..FREE_FAILURES - 1 {
            assert_eq!(throttle.failed(client), None);
            assert!(throttle.check(client).is_ok());
        }
        assert_eq!(throttle.failed(client), Some(Duration::from_secs(30)));
        assert!(throttle.check(client).is_err());
        assert!(throttle.check(other).is_ok(), "only that client is locked");
        assert_eq!(throttle.failed(client), Some(Duration::from_secs(60)));
        throttle.succeeded(client);
        assert!(throttle.check(client).is_ok());
    }

    #[test]
    fn a_throttled_check_counts_wrong_passwords_and_then_refuses_to_run() {
        let attempt = LoginAttempt {
            throttle: Arc::default(),
            client: [192, 0, 2, 3].into(),
        };
        for _ in 0..FREE_FAILURES {
            let result: Result<(), _> = attempt.run(|| Err(AuthError::WrongPassword));
            assert!(matches!(result, Err(AuthError::WrongPassword)));
        }
        let mut ran = false;
        let result = attempt.run(|| {
            ran = true;
            Ok(())
        });
        assert!(
            matches!(result, Err(AuthError::LockedOut { .. })),
            "{result:?}"
        );
        assert!(!ran, "a locked-out client's password is not even checked");
    }
}
