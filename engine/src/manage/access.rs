//! Who may use API Switch, as the user manages it: access keys (generated here, the secret
//! shown once at creation, listed masked with the time each was last used, switched off and
//! on, deleted) and the admin password. A disabled key is left out of the routing snapshot, so
//! the proxy refuses it like an unknown one (401 when keys are required). A key's limits are
//! set here too, and listed with the key's use against them (the proxy's in-memory counts).

use types::access_keys::{AccessKeyInfo, CreatedAccessKey, KeyLimits};

use crate::AppState;
use crate::auth::{AuthError, LoginAttempt};
use crate::config::mask;
use crate::store::StoreError;

/// Every generated key starts with this, so users recognise it in their clients' settings.
pub const KEY_PREFIX: &str = "sk-as-";

/// The problem a second key with the same name has: the request log names keys, so two of one
/// name could not be told apart there.
pub(crate) const NAME_TAKEN: &str = "is already the name of another key";

/// A new random secret: the prefix and 64 hex digits (244 random bits from the OS).
fn generate_secret() -> String {
    format!(
        "{KEY_PREFIX}{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

impl AppState {
    /// Every key, masked, oldest first.
    pub async fn access_key_list(&self) -> Result<Vec<AccessKeyInfo>, StoreError> {
        let keys = self.blocking(|state| state.store().access_keys()).await?;
        let meters = self.runtime().key_meters();
        Ok(keys
            .into_iter()
            .map(|key| AccessKeyInfo {
                id: key.id,
                masked: mask(key.key.expose()),
                used: meters.use_of(&key.name),
                name: key.name,
                enabled: key.enabled,
                created_ms: key.created_ms,
                last_used_ms: key.last_used_ms,
                limits: key.limits,
            })
            .collect())
    }

    /// Stores a key the caller made (the CLI's `keys add`).
    pub async fn create_access_key(&self, name: &str, key: &str) -> Result<i64, StoreError> {
        let (name, key) = (name.to_owned(), key.to_owned());
        self.change(move |store| store.create_access_key(&name, &key))
            .await
    }

    /// Creates a key with a generated secret, returned this once. Names are unique (the
    /// request log and "last used" go by name).
    pub async fn generate_access_key(&self, name: &str) -> Result<CreatedAccessKey, StoreError> {
        let name = name.to_owned();
        self.blocking(move |state| state.generate_access_key_now(&name))
            .await
    }

    /// `generate_access_key` on the calling thread, for work already off the async workers.
    pub(crate) fn generate_access_key_now(
        &self,
        name: &str,
    ) -> Result<CreatedAccessKey, StoreError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid {
                field: "name",
                problem: "must not be empty".into(),
            });
        }
        let taken = self.store().access_keys()?.iter().any(|k| k.name == name);
        if taken {
            return Err(StoreError::Invalid {
                field: "name",
                problem: NAME_TAKEN.into(),
            });
        }
        let key = generate_secret();
        let id = self.store().create_access_key(name, &key)?;
        self.reload()?;
        Ok(CreatedAccessKey {
            id,
            name: name.to_owned(),
            key,
        })
    }

    /// Switches a key on or off; the proxy sees it at once.
    pub async fn set_access_key_enabled(&self, id: i64, enabled: bool) -> Result<(), StoreError> {
        self.change(move |store| store.set_access_key_enabled(id, enabled))
            .await
    }

    /// Replaces a key's limits (all `None`: no limits); the next request meets them.
    pub async fn set_access_key_limits(
        &self,
        id: i64,
        limits: KeyLimits,
    ) -> Result<(), StoreError> {
        self.change(move |store| store.set_access_key_limits(id, &limits))
            .await
    }

    /// The id of the key named `name` (the CLI names keys).
    pub async fn access_key_id(&self, name: &str) -> Result<Option<i64>, StoreError> {
        let name = name.trim().to_owned();
        let keys = self.blocking(|state| state.store().access_keys()).await?;
        Ok(keys.into_iter().find(|k| k.name == name).map(|k| k.id))
    }

    /// Renames a key; the new name must be free and not empty, as at creation.
    pub async fn rename_access_key(&self, id: i64, name: &str) -> Result<(), StoreError> {
        let name = name.trim().to_owned();
        self.blocking(move |state| {
            if name.is_empty() {
                return Err(StoreError::Invalid {
                    field: "name",
                    problem: "must not be empty".into(),
                });
            }
            let keys = state.store().access_keys()?;
            if keys.iter().any(|k| k.name == name && k.id != id) {
                return Err(StoreError::Invalid {
                    field: "name",
                    problem: NAME_TAKEN.into(),
                });
            }
            state.store().rename_access_key(id, &name)?;
            state.reload()
        })
        .await
    }

    pub async fn delete_access_key(&self, id: i64) -> Result<(), StoreError> {
        self.change(move |store| store.delete_access_key(id)).await
    }

    /// Sets (first time) or changes the admin password. With `attempt` (the request's login
    /// throttle) the current password is checked through it, so this cannot be used to guess
    /// the password faster than the login page.
    pub async fn change_admin_password_as(
        &self,
        attempt: Option<LoginAttempt>,
        current: &str,
        new: &str,
    ) -> Result<(), AuthError> {
        let (current, new) = (current.to_owned(), new.to_owned());
        self.blocking(move |state| {
            let check = || state.change_admin_password(&current, &new);
            match &attempt {
                Some(attempt) => attempt.run(check),
                None => check(),
            }
        })
        .await
    }
}
