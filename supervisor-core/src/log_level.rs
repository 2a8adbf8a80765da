//! supervisord's log levels, with the four-letter codes its log lines carry (`INFO`, `DEBG`).

use std::fmt;
use std::str::FromStr;

/// A supervisord log level, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// Internal detail below trace (`BLAT`).
    Blather,
    /// `TRAC`.
    Trace,
    /// `DEBG`.
    Debug,
    /// `INFO`, the default.
    Info,
    /// `WARN`.
    Warn,
    /// `ERRO`.
    Error,
    /// `CRIT`.
    Critical,
}

impl LogLevel {
    /// The code printed in log lines (`INFO`).
    pub const fn code(self) -> &'static str {
        match self {
            LogLevel::Blather => "BLAT",
            LogLevel::Trace => "TRAC",
            LogLevel::Debug => "DEBG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERRO",
            LogLevel::Critical => "CRIT",
        }
    }

    /// The name used in `loglevel=` (`info`).
    pub const fn name(self) -> &'static str {
        match self {
            LogLevel::Blather => "blather",
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
            LogLevel::Critical => "critical",
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A `loglevel=` value that is not a level name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLogLevel(pub String);

impl fmt::Display for BadLogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bad logging level name '{}'; expected critical, error, warn, info, debug, trace or blather",
            self.0
        )
    }
}

impl std::error::Error for BadLogLevel {}

impl FromStr for LogLevel {
    type Err = BadLogLevel;

    /// Parses a `loglevel=` name case-insensitively, as 4.3 does ([CFG-TYPE-loglevel]).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "blather" => LogLevel::Blather,
            "trace" => LogLevel::Trace,
            "debug" => LogLevel::Debug,
            "info" => LogLevel::Info,
            "warn" => LogLevel::Warn,
            "error" => LogLevel::Error,
            "critical" => LogLevel::Critical,
            _ => return Err(BadLogLevel(s.to_owned())),
        })
    }
}

/// One line for supervisord's main log, produced by a pure state machine and written by the
/// daemon's log edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Its level.
    pub level: LogLevel,
    /// The text after the level code, exactly as 4.3 words it.
    pub message: String,
}

impl LogLine {
    /// A line at `level`.
    pub fn new(level: LogLevel, message: impl Into<String>) -> LogLine {
        LogLine {
            level,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_level_names_cfg_type_loglevel() {
        assert_eq!("BLATHER".parse(), Ok(LogLevel::Blather));
        assert_eq!("warn".parse(), Ok(LogLevel::Warn));
        assert_eq!("critical".parse(), Ok(LogLevel::Critical));
        let err = "warning".parse::<LogLevel>().expect_err("not a 4.3 name");
        assert!(err
            .to_string()
            .starts_with("bad logging level name 'warning'"));
        assert!(LogLevel::Error > LogLevel::Warn);
        assert_eq!(LogLevel::Debug.code(), "DEBG");
    }
}
