//! supervisord's event-listener wire protocol as a sans-io codec.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod state;

pub use state::{ProcessState, UnknownStateName};
