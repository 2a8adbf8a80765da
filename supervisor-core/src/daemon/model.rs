//! What the supervisor task runs: plain, fully resolved settings (the config loader's output is
//! mapped onto these), so the engine never deals with ini details.

use std::path::PathBuf;

use crate::log_level::LogLevel;
use crate::logging::MainLogTarget;
use crate::pool::PoolSettings;
use crate::process::ProcessParams;

use super::spawn::RunAs;
use crate::http::{Credentials, UnixSocketOptions};

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

/// One output channel's settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChannelModel {
    /// The log file (`None`: NONE).
    pub logfile: Option<PathBuf>,
    /// `*_logfile_maxbytes`.
    pub maxbytes: u64,
    /// `*_logfile_backups`.
    pub backups: u32,
    /// `*_capture_maxbytes`.
    pub capture_maxbytes: usize,
    /// `*_events_enabled`.
    pub events_enabled: bool,
    /// `*_syslog` (or the deprecated `*_logfile=syslog`): also send lines to syslog.
    pub syslog: bool,
    /// The log file is an AUTO name made up in `childlogdir` (`getAllConfigInfo` shows
    /// `auto` for it until it is in use; a re-read does not count a new AUTO name as a change).
    pub auto: bool,
}

/// The listening socket of an `[fcgi-program:x]` group ([CFG-FCGI-keys]): created by the
/// daemon and given to every process of the group as its stdin.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FcgiSocket {
    /// `tcp://host:port`.
    Tcp {
        /// Host name or address.
        host: String,
        /// Port.
        port: u16,
        /// `socket_backlog` (None: the system maximum).
        backlog: Option<i32>,
    },
    /// `unix:///path`.
    Unix {
        /// Absolute path.
        path: PathBuf,
        /// `socket_mode` (default 0700).
        mode: u32,
        /// `socket_owner` as (uid, gid); no gid leaves the group unchanged.
        owner: Option<(u32, Option<u32>)>,
        /// `socket_backlog`.
        backlog: Option<i32>,
    },
}

/// One process (a `[program:x]` member, or an event listener).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramModel {
    /// State-machine settings (name, group, start/stop behaviour).
    pub params: ProcessParams,
    /// The group's priority (groups are ordered by it, then by name).
    pub group_priority: i32,
    /// The process priority within its group.
    pub priority: i32,
    /// The command, already split.
    pub argv: Vec<String>,
    /// The command line as configured, after expansion (what `getAllConfigInfo` shows).
    pub command: String,
    /// `environment=` of the program.
    pub environment: Vec<(String, String)>,
    /// `directory=`.
    pub directory: Option<PathBuf>,
    /// `umask=`.
    pub umask: Option<u32>,
    /// `user=`.
    pub user: Option<RunAs>,
    /// `redirect_stderr=`.
    pub redirect_stderr: bool,
    /// `strip_ansi=` (a `[supervisord]` option applying to all).
    pub strip_ansi: bool,
    /// stdout settings.
    pub stdout: ChannelModel,
    /// stderr settings.
    pub stderr: ChannelModel,
    /// For an event listener: the index of its pool in [`DaemonModel::pools`].
    pub pool: Option<usize>,
    /// `serverurl=` when set (not AUTO): the child's `SUPERVISOR_SERVER_URL` instead of the
    /// daemon's own ([CFG-PROG-serverurl]).
    pub server_url: Option<String>,
    /// `[fcgi-program:x]`: the group's socket, the process's stdin.
    pub fcgi_socket: Option<FcgiSocket>,
}

/// Everything the daemon runs.
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
}

/// Where a [`DaemonModel`] came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigSource {
    /// The main configuration file.
    pub path: PathBuf,
    /// The command-line values that override the file.
    pub overrides: crate::config::Overrides,
}
