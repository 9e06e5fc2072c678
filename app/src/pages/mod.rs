//! One module per page; each holds its components and the server functions they call.

pub mod channels;
pub mod overview;
