//! A supervisord 4.3 compatible process control daemon (work in progress).
#![deny(unsafe_code)]

pub mod daemon;
pub mod events;
pub mod http;
pub mod local_time;
pub mod log_level;
pub mod logging;
pub mod output;
pub mod pool;
pub mod signal;
