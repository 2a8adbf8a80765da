//! End-to-end tests: one binary, one module per area.

mod child_signals;
mod ctl_groups;
mod ctl_rust;
mod ctl_shell;
mod daemon_user;
mod daemonize;
mod disk_full;
mod env_files;
mod events_diff;
mod every_method;
mod fcgi;
mod harness;
mod listeners;
mod log_dir;
mod many;
mod multicall;
mod orphans;
mod restart;
mod sdk;
mod socket_perms;
mod stopping;
mod storm;
mod syslog;
mod transitions;
mod tree_stop;
mod web;
