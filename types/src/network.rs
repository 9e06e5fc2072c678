//! Where the server listens, as Settings -> Network shows it: the address serving now, the one
//! stored for the next start, and the `--listen` given on the command line (which wins over
//! the stored one at every start).

use serde::{Deserialize, Serialize};

/// The listen addresses, as `ADDR:PORT` text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenInfo {
    /// The address accepting connections now.
    pub current: String,
    /// The address saved in the settings (`None`: the default, `127.0.0.1:9090`).
    pub stored: Option<String>,
    /// `--listen` as given when this process started; a start with it ignores `stored`.
    pub command_line: Option<String>,
}
