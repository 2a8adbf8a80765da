//! [`Logger`]: the listener's diagnostics, on stderr. stdout belongs to the protocol:
//! anything else written there makes supervisord put the listener in UNKNOWN.

use std::fmt;
use std::io::Write;

/// Writes one line per message to stderr, prefixed with the listener's name. supervisord
/// captures it in the listener's `stderr_logfile`.
#[derive(Debug, Clone)]
pub struct Logger {
    prefix: String,
}

impl Logger {
    /// A logger whose lines start with `name: `; the name defaults to
    /// `SUPERVISOR_PROCESS_NAME` when empty.
    pub fn new(name: &str) -> Logger {
        let name = if name.is_empty() {
            std::env::var("SUPERVISOR_PROCESS_NAME").unwrap_or_else(|_| "listener".into())
        } else {
            name.to_owned()
        };
        Logger {
            prefix: format!("{name}: "),
        }
    }

    /// Writes one line. Errors writing stderr are ignored: there is nowhere else to report
    /// them.
    pub fn log(&self, message: impl fmt::Display) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{}{message}", self.prefix);
        let _ = err.flush();
    }
}

impl Default for Logger {
    fn default() -> Self {
        Logger::new("")
    }
}
