//! The hub: one internal model of a chat request, a finished response and a stream of events.
//! Every wire protocol converts to and from these types only, so N protocols need 2N converters
//! instead of N² pairwise ones. The types keep only what at least two protocols can express;
//! protocol-specific extras travel in `extra` maps and are re-emitted where the target has a place.

mod request;
mod response;
mod stream;

pub use request::{
    Document, DocumentSource, Image, Message, OutputFormat, Part, Reasoning, Request, Role, Tool,
    ToolChoice,
};
pub use response::{Response, StopReason, Usage};
pub use stream::{Phase, StreamEvent};
