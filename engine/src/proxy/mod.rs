//! The proxy: one endpoint speaking OpenAI Chat Completions, Anthropic Messages, OpenAI
//! Responses and Gemini. It routes each request to the entries that can serve it, converts between the
//! client's protocol and the channel's when they differ, fails over to the next on any upstream
//! failure, cools failing entries, disables entries whose credentials are gone, and never writes
//! to disk on the request's path. `forward` lists the phases of a request and where each lives.

pub mod affinity;
mod answer;
mod attempt;
pub mod capture;
mod conversation;
pub mod cooldowns;
mod count_tokens;
pub mod error;
pub mod error_rules;
pub mod forward;
pub mod gemini_http;
pub(crate) mod hedge;
mod hedge_budget;
pub mod http;
mod intake;
mod key_failover;
pub mod key_pool;
pub mod key_recheck;
pub mod limits;
pub mod masked;
mod observe;
pub mod quirks;
mod record;
mod relay;
pub mod request;
pub mod route;
pub mod runtime;
pub mod snapshot;
pub mod sse;
pub mod sticky;
pub mod stream;
pub(crate) mod writer;

pub use error::{Attempt, AttemptFailure, ProxyError};
pub use forward::serve;
pub use http::proxy_routes;
pub use record::Served;
pub use request::ProxyRequest;
pub use runtime::Runtime;
pub use stream::{EventClass, Piece, StreamJudge};
