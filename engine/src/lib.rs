//! The engine is everything API Switch does that is not a screen: the configuration store,
//! routing and failover, and the protocol adapters. The `api-switch` server and the UI's server
//! functions are both thin layers over it, so every operation has exactly one implementation.

pub mod auth;
pub mod balance;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod connect;
pub mod dashboard;
pub mod discovery;
pub mod events;
pub mod http_client;
pub mod logs;
pub mod manage;
pub mod metrics;
pub mod network;
pub mod ordering;
pub mod probes;
pub mod proxy;
pub mod secrets;
pub mod speedtest;
pub mod state;
pub mod store;
pub mod test_chat;
pub mod traces;
pub mod tray;
pub mod ui_error;
pub mod upstream;
pub mod wrong_method;

pub use state::AppState;
/// Order modes, hedging and the effective order, as the UI receives them.
/// Captured exchanges and the capture setting (`proxy::capture` keeps them).
pub use types::capture;
pub use types::routing;
