//! The proxy: one OpenAI-compatible endpoint that routes each request to the entries that can
//! serve it, fails over to the next on any upstream failure, cools failing entries, disables
//! entries whose credentials are gone, and never writes to disk on the request's path.

pub mod error;
pub mod forward;
pub mod http;
mod relay;
pub mod route;
pub mod snapshot;
pub mod sse;
pub mod stream;
pub(crate) mod writer;

pub use error::{Attempt, AttemptFailure, ProxyError};
pub use forward::{ProxyRequest, serve};
pub use http::proxy_routes;
pub use stream::{EventClass, OpenAiChat, StreamProtocol};
