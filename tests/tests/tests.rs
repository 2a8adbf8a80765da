//! End-to-end tests: one binary, one module per area.

mod child_signals;
mod ctl_groups;
mod ctl_rust;
mod ctl_shell;
mod daemon_user;
mod daemonize;
mod disk_full;
mod events_diff;
mod every_method;
mod fcgi;
mod harness;
mod https;
mod listeners;
mod log_dir;
mod mail_listeners;
mod many;
mod orphans;
mod restart;
mod sdk;
mod smtp;
mod socket_perms;
mod stopping;
mod storm;
mod syslog;
mod transitions;
mod web;
