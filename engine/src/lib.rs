//! The engine is everything API Switch does that is not a screen: the configuration store,
//! routing and failover, and the protocol adapters. The `api-switch` server and the UI's server
//! functions are both thin layers over it, so every operation has exactly one implementation.

pub mod catalog;
pub mod discovery;
pub mod state;
pub mod store;

pub use state::AppState;
