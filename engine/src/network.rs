//! Where the server listens, and the way to move it while it runs. The program that owns the
//! sockets (the `api-switch` server) creates a `ListenControl` and keeps the receiving end of
//! its requests; the UI's server functions hold the control and ask it to rebind. The server
//! binds the new address first and only then stops the old listener (whose open requests
//! finish), so a refused or failed rebind leaves everything as it was.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{mpsc, oneshot};
pub use types::network::ListenInfo;

/// The address used when nothing else is chosen: this machine only.
pub const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 9090);

/// Why the server did not move to `address`; it still listens where it did.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct ListenRefused {
    pub address: SocketAddr,
    /// In the command line's words (for a remote address: the commands that unlock it).
    pub detail: String,
}

impl From<ListenRefused> for types::ui_error::UiError {
    fn from(refused: ListenRefused) -> Self {
        Self::ListenRefused {
            address: refused.address.to_string(),
            detail: refused.detail,
        }
    }
}

/// One request to move the listener, answered with the address now bound.
pub struct RebindRequest {
    pub to: SocketAddr,
    pub done: oneshot::Sender<Result<SocketAddr, ListenRefused>>,
}

/// A handle on the running listener: where it is and how to move it. Cheap to clone.
#[derive(Clone)]
pub struct ListenControl {
    current: Arc<Mutex<SocketAddr>>,
    command_line: Option<SocketAddr>,
    requests: mpsc::Sender<RebindRequest>,
}

impl ListenControl {
    /// A control for a listener bound at `current`; `command_line` is `--listen` when given.
    /// The server reads the requests from the receiver.
    pub fn new(
        current: SocketAddr,
        command_line: Option<SocketAddr>,
    ) -> (Self, mpsc::Receiver<RebindRequest>) {
        let (requests, receiver) = mpsc::channel(1);
        let control = Self {
            current: Arc::new(Mutex::new(current)),
            command_line,
            requests,
        };
        (control, receiver)
    }

    /// The address accepting connections now.
    pub fn current(&self) -> SocketAddr {
        *self.current.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Called by the server once the new listener accepts.
    pub fn set_current(&self, address: SocketAddr) {
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = address;
    }

    /// `--listen` as given at start, if it was.
    pub fn command_line(&self) -> Option<SocketAddr> {
        self.command_line
    }

    /// Asks the server to listen on `to` instead; answers once it does (or why it does not).
    pub async fn rebind(&self, to: SocketAddr) -> Result<SocketAddr, ListenRefused> {
        let stopped = || ListenRefused {
            address: to,
            detail: "the server is shutting down".into(),
        };
        let (done, answer) = oneshot::channel();
        self.requests
            .send(RebindRequest { to, done })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// What Settings -> Network shows, with the stored address from `settings`.
    pub fn info(&self, stored: Option<SocketAddr>) -> ListenInfo {
        ListenInfo {
            current: self.current().to_string(),
            stored: stored.map(|address| address.to_string()),
            command_line: self.command_line.map(|address| address.to_string()),
        }
    }
}
