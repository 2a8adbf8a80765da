//! One process's settings: its command, environment, user, output channels and, for an
//! fcgi program, its socket.

use std::path::PathBuf;

use super::{Orchestration, RunAs};
use crate::process::ProcessParams;

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
    /// `*_log_timestamps` (an extension): each line written to the log file starts with an
    /// RFC 3339 timestamp; events and `tail` data are the child's bytes unchanged.
    pub timestamps: bool,
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
///
/// Built by the config loader; in code, use [`ProgramModel::builder`].
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
    /// For an event listener: the index of its pool in
    /// [`DaemonModel::pools`](super::DaemonModel::pools).
    pub pool: Option<usize>,
    /// `serverurl=` when set (not AUTO): the child's `SUPERVISOR_SERVER_URL` instead of the
    /// daemon's own ([CFG-PROG-serverurl]).
    pub server_url: Option<String>,
    /// `[fcgi-program:x]`: the group's socket, the process's stdin.
    pub fcgi_socket: Option<FcgiSocket>,
    /// Beyond 4.3: `depends_on`, `ready_check`, `essential`.
    pub orchestration: Orchestration,
    /// `stoptree=` (an extension; default from `[supervisord] stoptree`): a stop signals,
    /// then kills, every process the program started, and none outlives its exit.
    pub stoptree: bool,
}

impl ProgramModel {
    /// Starts a [`ProgramBuilder`] for a process called `name`, alone in a group of the same
    /// name, with 4.3's defaults ([`ProcessParams::new`], priority 999, no logs, no
    /// environment) and no command yet.
    ///
    /// ```
    /// use supervisor_core::model::{ChannelModel, ProgramModel};
    /// use supervisor_core::process::AutoRestart;
    ///
    /// let p = ProgramModel::builder("web")
    ///     .argv(["python3", "-m", "http.server"])
    ///     .env("PORT", "8000")
    ///     .stdout(ChannelModel { events_enabled: true, ..ChannelModel::default() })
    ///     .params(|p| p.autorestart = AutoRestart::False)
    ///     .build();
    /// assert_eq!(p.command, "python3 -m http.server");
    /// assert_eq!(p.params.group, "web");
    /// assert_eq!(p.priority, 999);
    /// assert_eq!(p.environment, [("PORT".to_owned(), "8000".to_owned())]);
    /// ```
    pub fn builder(name: &str) -> ProgramBuilder {
        ProgramBuilder {
            model: ProgramModel {
                params: ProcessParams::new(name, name),
                group_priority: 999,
                priority: 999,
                argv: Vec::new(),
                command: String::new(),
                environment: Vec::new(),
                directory: None,
                umask: None,
                user: None,
                redirect_stderr: false,
                strip_ansi: false,
                stdout: ChannelModel::default(),
                stderr: ChannelModel::default(),
                pool: None,
                server_url: None,
                fcgi_socket: None,
                orchestration: Orchestration::default(),
                stoptree: false,
            },
        }
    }
}

/// Builds a [`ProgramModel`] in code; see [`ProgramModel::builder`]. Fields without a method
/// can be set on the result of [`ProgramBuilder::build`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ProgramBuilder {
    model: ProgramModel,
}

impl ProgramBuilder {
    /// The group the process belongs to (default: its own name).
    pub fn group(mut self, group: &str) -> ProgramBuilder {
        group.clone_into(&mut self.model.params.group);
        self
    }

    /// The command, already split; also sets the shown command line to the words joined by
    /// spaces (change it afterwards with [`ProgramBuilder::command`]).
    pub fn argv<I, S>(mut self, argv: I) -> ProgramBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.model.argv = argv.into_iter().map(Into::into).collect();
        self.model.command = self.model.argv.join(" ");
        self
    }

    /// The command line as shown by `getAllConfigInfo`.
    pub fn command(mut self, command: impl Into<String>) -> ProgramBuilder {
        self.model.command = command.into();
        self
    }

    /// Changes the state-machine settings (autostart, startsecs, stop signal...).
    pub fn params(mut self, change: impl FnOnce(&mut ProcessParams)) -> ProgramBuilder {
        change(&mut self.model.params);
        self
    }

    /// The process priority within its group.
    pub fn priority(mut self, priority: i32) -> ProgramBuilder {
        self.model.priority = priority;
        self
    }

    /// The group's priority.
    pub fn group_priority(mut self, priority: i32) -> ProgramBuilder {
        self.model.group_priority = priority;
        self
    }

    /// Adds one `environment=` variable.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> ProgramBuilder {
        self.model.environment.push((key.into(), value.into()));
        self
    }

    /// The stdout channel's settings.
    pub fn stdout(mut self, channel: ChannelModel) -> ProgramBuilder {
        self.model.stdout = channel;
        self
    }

    /// The stderr channel's settings.
    pub fn stderr(mut self, channel: ChannelModel) -> ProgramBuilder {
        self.model.stderr = channel;
        self
    }

    /// Makes the process a listener of the pool at `index` in
    /// [`DaemonModel::pools`](super::DaemonModel::pools).
    pub fn pool(mut self, index: usize) -> ProgramBuilder {
        self.model.pool = Some(index);
        self
    }

    /// The orchestration keys (`depends_on`, `ready_check`, `essential`).
    pub fn orchestration(mut self, orchestration: Orchestration) -> ProgramBuilder {
        self.model.orchestration = orchestration;
        self
    }

    /// The finished model.
    pub fn build(self) -> ProgramModel {
        self.model
    }
}
