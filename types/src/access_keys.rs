//! Access keys as the UI lists them: never the secret itself after creation, only a masked
//! form, the name clients are logged under, the switch, and when the key was last used.

use serde::{Deserialize, Serialize};

/// One access key, without its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKeyInfo {
    pub id: i64,
    pub name: String,
    /// The first and last few characters, e.g. `sk-***9f2c`.
    pub masked: String,
    /// A disabled key is refused by the proxy (401) as if it did not exist.
    pub enabled: bool,
    pub created_ms: i64,
    /// When a request last came with this key, Unix milliseconds; `None` if never.
    pub last_used_ms: Option<i64>,
}

/// A key just created: the only time its secret is shown (to copy into a client).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedAccessKey {
    pub id: i64,
    pub name: String,
    pub key: String,
}
