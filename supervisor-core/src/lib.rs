//! A supervisord 4.3 compatible process control daemon (work in progress).
#![deny(unsafe_code)]

pub mod signal;
