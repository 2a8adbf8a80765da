//! End-to-end tests: one binary, one module per area.

mod ctl_groups;
mod daemonize;
mod fcgi;
mod harness;
mod restart;
