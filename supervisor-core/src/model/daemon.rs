//! The whole daemon's settings: its identity, main log, servers, pools and programs.

use std::path::PathBuf;

use super::{Overrides, ProgramModel};
use crate::http::{Credentials, UnixSocketOptions};
use crate::log_level::LogLevel;
use crate::logging::MainLogTarget;
use crate::pool::PoolSettings;

/// An HTTP server serving the XML-RPC API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerModel {
    /// `[unix_http_server]`.
    Unix {
        /// The socket file and its mode/owner.
        socket: UnixSocketOptions,
        /// `username`/`password`.
        credentials: Option<Credentials>,
    },
    /// `[inet_http_server]`.
    Tcp {
        /// `host:port`.
        address: String,
        /// `username`/`password`.
        credentials: Option<Credentials>,
    },
}

/// Everything the daemon runs.
///
/// [`Default`] is a model built in code that runs nothing: identifier `supervisor`, no main
/// log, level `info`, no servers, no pools, no programs. Fill in the rest with struct update
/// syntax:
///
/// ```
/// use supervisor_core::log_level::LogLevel;
/// use supervisor_core::model::{DaemonModel, ProgramModel};
///
/// let model = DaemonModel {
///     loglevel: LogLevel::Debug,
///     programs: vec![ProgramModel::builder("cat").argv(["cat"]).build()],
///     ..DaemonModel::default()
/// };
/// assert_eq!(model.identifier, "supervisor");
/// assert_eq!(model.programs[0].params.group, "cat");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonModel {
    /// `[supervisord] identifier` (the `server:` of event headers).
    pub identifier: String,
    /// Where the main log goes.
    pub main_log: MainLogTarget,
    /// `loglevel=`.
    pub loglevel: LogLevel,
    /// Echo the main log to stdout (nodaemon and not silent).
    pub echo_log: bool,
    /// `[supervisord] environment=`.
    pub environment: Vec<(String, String)>,
    /// `SUPERVISOR_SERVER_URL` for children, if any server is configured.
    pub server_url: Option<String>,
    /// Every process, in any order (the daemon sorts them).
    pub programs: Vec<ProgramModel>,
    /// The control plane's servers.
    pub servers: Vec<ServerModel>,
    /// Event-listener pools; their listener processes are the programs whose `pool` points
    /// here, in dispatch order.
    pub pools: Vec<PoolSettings>,
    /// The file this model was loaded from and the command-line overrides applied, so
    /// `reloadConfig` can read it again; `None` for a model built in code.
    pub source: Option<ConfigSource>,
    /// Where the running children are recorded (pid, start time, program) so that the next
    /// supervisord of this config can stop what a crash of this one left running: next to
    /// the pidfile (`supervisord.pid` → `supervisord.children`); `None` records nothing.
    pub children_file: Option<std::path::PathBuf>,
}

impl Default for DaemonModel {
    fn default() -> DaemonModel {
        DaemonModel {
            identifier: "supervisor".to_owned(),
            main_log: MainLogTarget::None,
            loglevel: LogLevel::Info,
            echo_log: false,
            environment: Vec::new(),
            server_url: None,
            programs: Vec::new(),
            servers: Vec::new(),
            pools: Vec::new(),
            source: None,
            children_file: None,
        }
    }
}

/// Where a [`DaemonModel`] came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigSource {
    /// The main configuration file.
    pub path: PathBuf,
    /// The command-line values that override the file.
    pub overrides: Overrides,
}
