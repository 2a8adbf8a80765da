//! The I/O of a ready check (`ready_check=`): one probe, reporting whether it passed.
//! `tcp:` checks are a task here. `exec:` and `http(s)://` checks are children of the daemon,
//! so the supervisor task runs them itself (the reaper reaps them): an `http(s)://` check is
//! the `supervisord-probe` binary installed beside `supervisord`, so the daemon links no TLS
//! stack (1.6 MB of code, about 0.6 MB of it resident) and parses nothing a server sends.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::model::ReadyCheck;

/// The outcome of one probe, tagged with the caller's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeResult<Id> {
    /// The caller's id for the probe.
    pub id: Id,
    /// `Ok` when the check passed, else why not.
    pub outcome: Result<(), String>,
}

/// Starts one probe of a `tcp:` check, giving up after `timeout`; the result goes to `tx`.
/// Must be called within a tokio runtime. `exec:` and `http(s)://` checks are not probed here.
pub fn spawn_probe<Id: Send + 'static>(
    check: &ReadyCheck,
    timeout: Duration,
    id: Id,
    tx: mpsc::UnboundedSender<ProbeResult<Id>>,
) {
    let check = check.clone();
    tokio::spawn(async move {
        let outcome = match tokio::time::timeout(timeout, probe(&check)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(format!("no answer within {} s", timeout.as_secs_f64())),
        };
        let _ = tx.send(ProbeResult { id, outcome });
    });
}

async fn probe(check: &ReadyCheck) -> Result<(), String> {
    match check {
        ReadyCheck::Tcp { host, port } => tokio::net::TcpStream::connect((host.as_str(), *port))
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        _ => Err("exec and http(s) checks are run by the supervisor task".into()),
    }
}

/// How `supervisord-probe` exits: its exit status is the outcome of an `http(s)://` check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum HttpOutcome {
    /// The GET answered 2xx.
    Passed = 0,
    /// The server answered, but not 2xx.
    NotSuccess = 10,
    /// No connection, TLS refused, or a malformed answer.
    Failed = 11,
    /// No answer in time.
    Timeout = 12,
    /// The probe was run with bad arguments.
    Usage = 13,
}

impl HttpOutcome {
    /// What an exit status of `supervisord-probe` means, for the daemon's log.
    pub fn describe(code: i32) -> String {
        match code {
            0 => "passed".into(),
            10 => "the server did not answer 2xx".into(),
            11 => "no connection, or no valid HTTP(S) answer".into(),
            12 => "no answer in time".into(),
            13 => "supervisord-probe refused its arguments".into(),
            n => format!("supervisord-probe exited with status {n}"),
        }
    }
}

/// The `supervisord-probe` binary beside the running daemon's own.
pub fn probe_binary() -> PathBuf {
    std::env::current_exe()
        .unwrap_or_else(|_| PathBuf::from("supervisord"))
        .with_file_name("supervisord-probe")
}

/// The command line of one `http(s)://` check: `supervisord-probe URL TIMEOUT_SECS`.
pub fn http_probe_command(url: &str, timeout: Duration) -> std::process::Command {
    let mut command = std::process::Command::new(probe_binary());
    command.arg(url).arg(format!("{}", timeout.as_secs_f64()));
    command
}
