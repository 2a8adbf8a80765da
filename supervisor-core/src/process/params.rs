//! What the process state machine needs from a program's config.

use crate::signal::Signal;

use super::pacing::RestartPacing;

/// `autorestart=` ([PROC-AUTORESTART]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoRestart {
    /// Never restart after an exit.
    False,
    /// Restart when the exit status is not in `exitcodes` (the default).
    Unexpected,
    /// Always restart.
    True,
}

/// The settings of one process that drive its state machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessParams {
    /// The process name (`web_01`).
    pub name: String,
    /// Its group name.
    pub group: String,
    /// `autostart=`.
    pub autostart: bool,
    /// `autorestart=`.
    pub autorestart: AutoRestart,
    /// `startsecs=`.
    pub startsecs: u64,
    /// `startretries=`.
    pub startretries: u32,
    /// `exitcodes=`.
    pub exitcodes: Vec<i32>,
    /// `stopsignal=`.
    pub stopsignal: Signal,
    /// `stopwaitsecs=`.
    pub stopwaitsecs: u64,
    /// `stopasgroup=`: the stop signal goes to the process group.
    pub stopasgroup: bool,
    /// `killasgroup=`: SIGKILL goes to the process group (implied by `stopasgroup`).
    pub killasgroup: bool,
    /// `backoff=`, `backoff_max=`, `fatal_retry_after=` (beyond 4.3; the default is 4.3's).
    pub pacing: RestartPacing,
    /// `ready_timeout=` when a `ready_check=` is set: the process stays STARTING until the
    /// check passes, and is a failed start if it has not passed this many seconds after the
    /// spawn. `None`: RUNNING after `startsecs`, as 4.3.
    pub ready_timeout: Option<u64>,
}

impl ProcessParams {
    /// 4.3's defaults for a process named `name` in group `group`.
    pub fn new(name: &str, group: &str) -> ProcessParams {
        ProcessParams {
            name: name.to_owned(),
            group: group.to_owned(),
            autostart: true,
            autorestart: AutoRestart::Unexpected,
            startsecs: 1,
            startretries: 3,
            exitcodes: vec![0],
            stopsignal: Signal::TERM,
            stopwaitsecs: 10,
            stopasgroup: false,
            killasgroup: false,
            pacing: RestartPacing::default(),
            ready_timeout: None,
        }
    }
}
