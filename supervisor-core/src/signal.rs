//! Signal names and numbers as supervisor 4.3 spells them (Linux numbering).
//!
//! One registry for every place a signal crosses a boundary: `stopsignal=` in the config
//! ([CFG-TYPE-signal]), `supervisor.signalProcess` over RPC, and log lines such as
//! `stopped: x (terminated by SIGTERM)` ([PROC-EXIT-status]). Conversion to `nix` types happens
//! only at the spawn/kill edge.

use std::fmt;

/// `(number, canonical name)` for every signal with a name, in the spelling 4.3's `signame()`
/// prints (29 is `SIGPOLL`, 6 is `SIGABRT`).
const NAMES: &[(i32, &str)] = &[
    (1, "SIGHUP"),
    (2, "SIGINT"),
    (3, "SIGQUIT"),
    (4, "SIGILL"),
    (5, "SIGTRAP"),
    (6, "SIGABRT"),
    (7, "SIGBUS"),
    (8, "SIGFPE"),
    (9, "SIGKILL"),
    (10, "SIGUSR1"),
    (11, "SIGSEGV"),
    (12, "SIGUSR2"),
    (13, "SIGPIPE"),
    (14, "SIGALRM"),
    (15, "SIGTERM"),
    (16, "SIGSTKFLT"),
    (17, "SIGCHLD"),
    (18, "SIGCONT"),
    (19, "SIGSTOP"),
    (20, "SIGTSTP"),
    (21, "SIGTTIN"),
    (22, "SIGTTOU"),
    (23, "SIGURG"),
    (24, "SIGXCPU"),
    (25, "SIGXFSZ"),
    (26, "SIGVTALRM"),
    (27, "SIGPROF"),
    (28, "SIGWINCH"),
    (29, "SIGPOLL"),
    (30, "SIGPWR"),
    (31, "SIGSYS"),
    (34, "SIGRTMIN"),
    (64, "SIGRTMAX"),
];

/// Extra names Python's `signal` module resolves (aliases and the handler/mask constants that
/// 4.3 accepts by accident: `SIG_DFL` is 0, `SIG_IGN` is 1, [CFG-TYPE-signal]).
const ALIASES: &[(&str, i32)] = &[
    ("SIGCLD", 17),
    ("SIGIO", 29),
    ("SIGIOT", 6),
    ("SIG_DFL", 0),
    ("SIG_IGN", 1),
    ("SIG_BLOCK", 0),
    ("SIG_UNBLOCK", 1),
    ("SIG_SETMASK", 2),
];

/// A signal number that supervisor 4.3 accepts (a named signal, or 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Signal(i32);

impl Signal {
    /// SIGHUP.
    pub const HUP: Signal = Signal(1);
    /// SIGINT.
    pub const INT: Signal = Signal(2);
    /// SIGQUIT.
    pub const QUIT: Signal = Signal(3);
    /// SIGKILL.
    pub const KILL: Signal = Signal(9);
    /// SIGUSR1.
    pub const USR1: Signal = Signal(10);
    /// SIGUSR2.
    pub const USR2: Signal = Signal(12);
    /// SIGTERM, the default `stopsignal`.
    pub const TERM: Signal = Signal(15);
    /// SIGCHLD.
    pub const CHLD: Signal = Signal(17);

    /// The signal with this number, if 4.3 accepts the number (0, or a named signal).
    pub fn from_number(num: i32) -> Option<Signal> {
        (num == 0 || NAMES.iter().any(|&(n, _)| n == num)).then_some(Signal(num))
    }

    /// The raw signal number.
    pub fn number(self) -> i32 {
        self.0
    }

    /// The canonical name (`SIGTERM`), or `None` for 0.
    pub fn name(self) -> Option<&'static str> {
        name_of(self.0)
    }

    /// Parses a config or RPC value the way 4.3's `signal_number` does: an integer (Python
    /// `int()` syntax: surrounding blanks, a sign and `_` between digits), or a name in any case
    /// with or without the `SIG` prefix.
    pub fn parse(value: &str) -> Result<Signal, SignalError> {
        if let Some(num) = parse_python_int(value) {
            return i32::try_from(num)
                .ok()
                .and_then(Signal::from_number)
                .ok_or_else(|| SignalError::BadNumber(value.to_owned()));
        }
        let upper = value.trim().to_ascii_uppercase();
        let name = if upper.starts_with("SIG") {
            upper
        } else {
            format!("SIG{upper}")
        };
        NAMES
            .iter()
            .find(|&&(_, n)| n == name)
            .map(|&(num, _)| Signal(num))
            .or_else(|| {
                ALIASES
                    .iter()
                    .find(|&&(n, _)| n == name)
                    .map(|&(_, num)| Signal(num))
            })
            .ok_or_else(|| SignalError::BadName(value.to_owned()))
    }
}

/// The name 4.3's `signame()` prints for a signal number: `SIGTERM`, or `signal 32` when the
/// number has no name.
pub fn signame(num: i32) -> String {
    match name_of(num) {
        Some(name) => name.to_owned(),
        None => format!("signal {num}"),
    }
}

fn name_of(num: i32) -> Option<&'static str> {
    NAMES
        .iter()
        .find(|&&(n, _)| n == num)
        .map(|&(_, name)| name)
}

/// Parses an integer with Python `int()` rules: surrounding whitespace, an optional sign, and
/// single underscores between digits.
pub fn parse_python_int(value: &str) -> Option<i64> {
    let s = value.trim();
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    let cleaned: String = digits.chars().filter(|&c| c != '_').collect();
    let n: i64 = cleaned.parse().ok()?;
    Some(if neg { -n } else { n })
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&signame(self.0))
    }
}

/// Why a signal value was refused; the text matches 4.3's message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignalError {
    /// An integer that is not a known signal number.
    BadNumber(String),
    /// A name that is not a known signal.
    BadName(String),
}

impl fmt::Display for SignalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignalError::BadNumber(v) => write!(f, "value '{v}' is not a valid signal number"),
            SignalError::BadName(v) => write!(f, "value '{v}' is not a valid signal name"),
        }
    }
}

impl SignalError {
    /// The message with what is accepted, for config errors.
    pub fn with_accepted(&self) -> String {
        format!("{self}; expected a signal name such as TERM, HUP, INT, QUIT, KILL, USR1 or USR2, or its number")
    }
}

impl std::error::Error for SignalError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_signal_number_cfg_type_signal() {
        let ok = [
            ("TERM", 15),
            ("SIGTERM", 15),
            ("term", 15),
            ("sigkill", 9),
            ("RTMIN", 34),
            ("rtmax", 64),
            ("0", 0),
            ("SIG_DFL", 0),
            ("_DFL", 0),
            ("sig_ign", 1),
            ("IOT", 6),
            ("CLD", 17),
            ("SIGIO", 29),
            (" 15 ", 15),
            ("+15", 15),
            ("1_5", 15),
            ("64", 64),
        ];
        for (input, num) in ok {
            assert_eq!(Signal::parse(input).map(Signal::number), Ok(num), "{input}");
        }
        let bad = [
            ("99", "value '99' is not a valid signal number"),
            ("32", "value '32' is not a valid signal number"),
            ("-1", "value '-1' is not a valid signal number"),
            ("FOO", "value 'FOO' is not a valid signal name"),
            (
                "SIGRTMIN+1",
                "value 'SIGRTMIN+1' is not a valid signal name",
            ),
            ("NSIG", "value 'NSIG' is not a valid signal name"),
            ("1__5", "value '1__5' is not a valid signal name"),
        ];
        for (input, msg) in bad {
            assert_eq!(
                Signal::parse(input).map_err(|e| e.to_string()),
                Err(msg.to_owned())
            );
        }
    }

    #[test]
    fn names_match_signame() {
        assert_eq!(signame(15), "SIGTERM");
        assert_eq!(signame(29), "SIGPOLL");
        assert_eq!(signame(6), "SIGABRT");
        assert_eq!(signame(32), "signal 32");
        assert_eq!(Signal::TERM.to_string(), "SIGTERM");
    }
}
