//! How requests are routed, as the UI edits it and the engine reads it: `access` (how a request
//! reaches a channel and how its failures are judged: key pools, outbound proxies, error rules)
//! and `order` (how a group orders and races its entries: order modes, hedging, aliases, the
//! effective order). Everything is re-exported here, so callers name `types::routing::X`.

mod access;
mod order;

pub use access::*;
pub use order::*;
