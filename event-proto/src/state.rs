//! The process states supervisor 4.3 names on the wire (`from_state:` tokens) and over RPC
//! (`statename`/`state` codes), shared by the daemon and listeners.

use std::fmt;
use std::str::FromStr;

/// A supervised process's state ([PROC-STATE-*]), with 4.3's numeric codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProcessState {
    /// Never started, or stopped by request (code 0).
    Stopped,
    /// Spawned, waiting for `startsecs` (code 10).
    Starting,
    /// Up for longer than `startsecs` (code 20).
    Running,
    /// Exited too quickly or failed to spawn; will retry (code 30).
    Backoff,
    /// Stop signal sent, waiting for the exit (code 40).
    Stopping,
    /// Exited from RUNNING (code 100).
    Exited,
    /// Gave up after `startretries` (code 200).
    Fatal,
    /// Could not be signalled (code 1000).
    Unknown,
}

impl ProcessState {
    /// Every state, in code order.
    pub const ALL: [ProcessState; 8] = [
        ProcessState::Stopped,
        ProcessState::Starting,
        ProcessState::Running,
        ProcessState::Backoff,
        ProcessState::Stopping,
        ProcessState::Exited,
        ProcessState::Fatal,
        ProcessState::Unknown,
    ];

    /// The upper-case name used on the wire and in logs (`RUNNING`).
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessState::Stopped => "STOPPED",
            ProcessState::Starting => "STARTING",
            ProcessState::Running => "RUNNING",
            ProcessState::Backoff => "BACKOFF",
            ProcessState::Stopping => "STOPPING",
            ProcessState::Exited => "EXITED",
            ProcessState::Fatal => "FATAL",
            ProcessState::Unknown => "UNKNOWN",
        }
    }

    /// The state named `name` (as [`as_str`](Self::as_str) spells it).
    pub(crate) fn from_name(name: &[u8]) -> Option<ProcessState> {
        Some(match name {
            b"STOPPED" => ProcessState::Stopped,
            b"STARTING" => ProcessState::Starting,
            b"RUNNING" => ProcessState::Running,
            b"BACKOFF" => ProcessState::Backoff,
            b"STOPPING" => ProcessState::Stopping,
            b"EXITED" => ProcessState::Exited,
            b"FATAL" => ProcessState::Fatal,
            b"UNKNOWN" => ProcessState::Unknown,
            _ => return None,
        })
    }

    /// The numeric code 4.3 returns over XML-RPC.
    pub fn code(self) -> i32 {
        match self {
            ProcessState::Stopped => 0,
            ProcessState::Starting => 10,
            ProcessState::Running => 20,
            ProcessState::Backoff => 30,
            ProcessState::Stopping => 40,
            ProcessState::Exited => 100,
            ProcessState::Fatal => 200,
            ProcessState::Unknown => 1000,
        }
    }

    /// The state with this RPC code.
    pub fn from_code(code: i32) -> Option<ProcessState> {
        ProcessState::ALL.into_iter().find(|s| s.code() == code)
    }

    /// In 4.3's "stopped" set: STOPPED, EXITED, FATAL, UNKNOWN ([PROC-STATE-sets]).
    pub fn is_stopped(self) -> bool {
        matches!(
            self,
            ProcessState::Stopped
                | ProcessState::Exited
                | ProcessState::Fatal
                | ProcessState::Unknown
        )
    }

    /// In 4.3's "running" set: STARTING, RUNNING, BACKOFF ([PROC-STATE-sets]).
    pub fn is_running(self) -> bool {
        matches!(
            self,
            ProcessState::Starting | ProcessState::Running | ProcessState::Backoff
        )
    }

    /// In 4.3's "signallable" set: STARTING, RUNNING, STOPPING ([PROC-STATE-sets]).
    pub fn is_signallable(self) -> bool {
        matches!(
            self,
            ProcessState::Starting | ProcessState::Running | ProcessState::Stopping
        )
    }
}

impl fmt::Display for ProcessState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A state name that is not one of the eight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownStateName(pub String);

impl fmt::Display for UnknownStateName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown process state name {:?}", self.0)
    }
}

impl std::error::Error for UnknownStateName {}

impl FromStr for ProcessState {
    type Err = UnknownStateName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProcessState::from_name(s.as_bytes()).ok_or_else(|| UnknownStateName(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_round_trip() {
        for st in ProcessState::ALL {
            assert_eq!(st.as_str().parse::<ProcessState>(), Ok(st));
            assert_eq!(ProcessState::from_code(st.code()), Some(st));
        }
        assert!("running".parse::<ProcessState>().is_err());
    }
}
