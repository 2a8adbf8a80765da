//! The signals supervisord acts on ([PROC-SIG-*]), caught with tokio and turned into
//! [`DaemonSignal`] messages; the supervisor task logs 4.3's lines and acts.

use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

use crate::log_level::{LogLevel, LogLine};

/// A signal the daemon reacts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DaemonSignal {
    /// SIGTERM, SIGINT or SIGQUIT (the name): shut down.
    Exit(&'static str),
    /// SIGHUP: restart, re-reading the config.
    Restart,
    /// SIGUSR2: reopen log files.
    ReopenLogs,
}

impl DaemonSignal {
    /// 4.3's log line on receipt ([LOG-LINE-sigterm], [LOG-LINE-sighup], [LOG-LINE-sigusr2]);
    /// `shutting_down` selects the "ignored SIGHUP" variant.
    pub fn log_line(self, shutting_down: bool) -> LogLine {
        match self {
            DaemonSignal::Exit(name) => LogLine::new(
                LogLevel::Warn,
                format!("received {name} indicating exit request"),
            ),
            DaemonSignal::Restart if shutting_down => LogLine::new(
                LogLevel::Warn,
                "ignored SIGHUP indicating restart request (shutdown in progress)",
            ),
            DaemonSignal::Restart => {
                LogLine::new(LogLevel::Warn, "received SIGHUP indicating restart request")
            }
            DaemonSignal::ReopenLogs => LogLine::new(
                LogLevel::Info,
                "received SIGUSR2 indicating log reopen request",
            ),
        }
    }
}

/// Installs the handlers (before returning, so nothing is missed) and forwards each signal.
pub fn spawn_signal_listener(
    tx: mpsc::UnboundedSender<DaemonSignal>,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut quit = signal(SignalKind::quit())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut usr2 = signal(SignalKind::user_defined2())?;
    Ok(tokio::spawn(async move {
        loop {
            let sig = tokio::select! {
                Some(()) = term.recv() => DaemonSignal::Exit("SIGTERM"),
                Some(()) = int.recv() => DaemonSignal::Exit("SIGINT"),
                Some(()) = quit.recv() => DaemonSignal::Exit("SIGQUIT"),
                Some(()) = hup.recv() => DaemonSignal::Restart,
                Some(()) = usr2.recv() => DaemonSignal::ReopenLogs,
                else => return,
            };
            if tx.send(sig).is_err() {
                return;
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_match_4_3() {
        assert_eq!(
            DaemonSignal::Exit("SIGTERM").log_line(false).message,
            "received SIGTERM indicating exit request"
        );
        assert_eq!(
            DaemonSignal::Restart.log_line(true).message,
            "ignored SIGHUP indicating restart request (shutdown in progress)"
        );
        assert_eq!(
            DaemonSignal::ReopenLogs.log_line(false).level,
            LogLevel::Info
        );
    }
}
