//! Live rebinding: Settings -> Network moves the server to another address without a restart
//! and without dropping a request. A move binds the new address first; only when that works
//! does the old listener stop accepting, its open requests and streams finishing on their own
//! connections (the listener's graceful shutdown). A refused address (remote access not locked
//! down, in the same words as `serve`) or a failed bind leaves the old listener serving.
//! Each listener gets its own router, built for its address, so the Host guard and the pages'
//! links follow the move. The address moved to is stored and used at the next start.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use engine::AppState;
use engine::network::{ListenControl, ListenRefused, RebindRequest};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::listener::{self, Limits};

/// One listener being served, and how to stop it.
struct Serving {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Serving {
    fn start(listener: TcpListener, router: Router, limits: &Limits) -> Self {
        let (stop, stopped) = oneshot::channel::<()>();
        let limits = limits.clone();
        let task = tokio::spawn(async move {
            listener::serve(listener, router, &limits, async {
                let _ = stopped.await;
            })
            .await;
        });
        Self { stop, task }
    }

    /// Stops accepting at once; the returned task ends when open requests have finished (or
    /// the grace period has passed).
    fn stop(self) -> JoinHandle<()> {
        let _ = self.stop.send(());
        self.task
    }
}

/// The listener serving now (none only after both addresses of a same-port move failed) and
/// the ones stopped, whose open requests may still be finishing.
#[derive(Default)]
struct Listeners {
    serving: Option<Serving>,
    retired: Vec<JoinHandle<()>>,
}

impl Listeners {
    fn retire(&mut self) {
        if let Some(serving) = self.serving.take() {
            self.retired.push(serving.stop());
        }
    }
}

/// What serving needs besides the listeners: the engine, the data folder (named in the
/// refusal's commands), the limits and a router for any address.
pub struct Rebinder<B> {
    pub app: AppState,
    pub data_dir: PathBuf,
    pub limits: Limits,
    pub control: ListenControl,
    pub router_for: B,
}

impl<B: Fn(SocketAddr) -> Router> Rebinder<B> {
    /// Serves `listener` (bound at `address`), moving to each address asked for on
    /// `requests`, until `shutdown` completes; then stops every listener and waits for their
    /// open requests.
    pub async fn serve(
        self,
        listener: TcpListener,
        address: SocketAddr,
        mut requests: mpsc::Receiver<RebindRequest>,
        shutdown: impl Future<Output = ()>,
    ) {
        let mut listeners = Listeners {
            serving: Some(self.start(listener, address)),
            retired: Vec::new(),
        };
        tokio::pin!(shutdown);
        loop {
            let request = tokio::select! {
                () = &mut shutdown => break,
                Some(request) = requests.recv() => request,
            };
            let answer = self.rebind(&mut listeners, request.to).await;
            let _ = request.done.send(answer);
        }
        listeners.retire();
        for task in listeners.retired {
            let _ = task.await;
        }
    }

    /// Moves to `to`: checked like `serve --listen`, bound, then the old listener retired.
    async fn rebind(
        &self,
        listeners: &mut Listeners,
        to: SocketAddr,
    ) -> Result<SocketAddr, ListenRefused> {
        let from = self.control.current();
        if listeners.serving.is_some() && to == from {
            return self.remember(to).await;
        }
        self.check_ready(to).await?;
        let listener = match TcpListener::bind(to).await {
            Ok(listener) => listener,
            // Another address on the same port (127.0.0.1:9090 -> 0.0.0.0:9090): the old
            // listener holds the port, so it must let go first.
            Err(error)
                if error.kind() == std::io::ErrorKind::AddrInUse && to.port() == from.port() =>
            {
                return self.rebind_same_port(listeners, from, to).await;
            }
            Err(error) => return Err(cannot_bind(to, &error)),
        };
        let address = listener
            .local_addr()
            .map_err(|error| cannot_bind(to, &error))?;
        listeners.retire();
        listeners.serving = Some(self.start(listener, address));
        self.remember(address).await
    }

    /// The same port on another address: stop the old listener, bind the new one (retrying
    /// while the old socket closes); when that fails, bind the old address again.
    async fn rebind_same_port(
        &self,
        listeners: &mut Listeners,
        from: SocketAddr,
        to: SocketAddr,
    ) -> Result<SocketAddr, ListenRefused> {
        listeners.retire();
        match bind_retrying(to).await {
            Ok((address, listener)) => {
                listeners.serving = Some(self.start(listener, address));
                self.remember(address).await
            }
            Err(error) => {
                match bind_retrying(from).await {
                    Ok((address, listener)) => {
                        listeners.serving = Some(self.start(listener, address));
                    }
                    Err(again) => {
                        tracing::error!(%from, error = %again, "cannot listen on the old address again");
                    }
                }
                Err(cannot_bind(to, &error))
            }
        }
    }

    fn start(&self, listener: TcpListener, address: SocketAddr) -> Serving {
        if address != self.control.current() {
            tracing::info!(%address, "api-switch moved; serving");
        }
        self.control.set_current(address);
        Serving::start(listener, (self.router_for)(address), &self.limits)
    }

    /// The same check as `serve --listen`, in its words.
    async fn check_ready(&self, to: SocketAddr) -> Result<(), ListenRefused> {
        let app = self.app.clone();
        let data_dir = self.data_dir.clone();
        let checked =
            tokio::task::spawn_blocking(move || crate::remote::check_ready(&app, to, &data_dir))
                .await
                .map_err(anyhow::Error::from)
                .and_then(|checked| checked);
        checked.map_err(|error| ListenRefused {
            address: to,
            detail: error.to_string(),
        })
    }

    /// Stores `address` for the next start.
    async fn remember(&self, address: SocketAddr) -> Result<SocketAddr, ListenRefused> {
        let stored = self.app.store_listen_address(address).await;
        stored.map(|()| address).map_err(|error| ListenRefused {
            address,
            detail: format!("now listening on {address}, but it was not saved: {error}"),
        })
    }
}

/// Binds `to`, retrying for up to a second while an old socket on the same port closes.
async fn bind_retrying(to: SocketAddr) -> std::io::Result<(SocketAddr, TcpListener)> {
    let mut tries = 0;
    loop {
        match TcpListener::bind(to).await {
            Ok(listener) => return Ok((listener.local_addr()?, listener)),
            Err(error) if error.kind() == std::io::ErrorKind::AddrInUse && tries < 40 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            Err(error) => return Err(error),
        }
    }
}

fn cannot_bind(to: SocketAddr, error: &std::io::Error) -> ListenRefused {
    ListenRefused {
        address: to,
        detail: format!("cannot listen on {to}: {error}; the server still listens where it did"),
    }
}
