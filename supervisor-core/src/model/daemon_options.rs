//! The process-level settings of `[supervisord]`.

use std::path::PathBuf;

use super::RunAs;
use crate::log_level::LogLine;

/// Process-level settings of `[supervisord]` that are not about children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonOptions {
    /// `minfds=`.
    pub minfds: u64,
    /// `minprocs=`.
    pub minprocs: u64,
    /// `pidfile=`.
    pub pidfile: Option<PathBuf>,
    /// Lines the config loader produced (warnings, include notes), logged once the log is open.
    pub parse_messages: Vec<LogLine>,
    /// Run in the background: `Some((directory, umask))` unless `nodaemon`.
    pub daemonize: Option<(Option<PathBuf>, u32)>,
    /// `childlogdir`, to clear of a previous run's AUTO child logs at start; `None` with
    /// `nocleanup` ([CFG-SUPD-nocleanup], [CFG-LOGNAME-cleanup]).
    pub clean_childlogdir: Option<PathBuf>,
    /// `[supervisord] user=` (or `-u`): whom to run as ([CFG-SUPD-user]).
    pub user: Option<RunAs>,
}
