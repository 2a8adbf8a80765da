//! Write supervisord event listeners in Rust (work in progress: see issue 7).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use event_proto;
