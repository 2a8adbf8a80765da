//! End-to-end tests: one binary, one module per area.

mod daemonize;
mod fcgi;
mod harness;
mod restart;
