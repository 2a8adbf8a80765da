//! The main log writer.

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::SystemTime;

use super::syslog::Syslog;
use crate::local_time::LocalTime;
use crate::log_level::{LogLevel, LogLine};
use crate::output::rotating::RotatingLog;

/// Where the main log goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MainLogTarget {
    /// A file, rotated at `maxbytes` keeping `backups` old files.
    File {
        /// The `logfile=` path.
        path: PathBuf,
        /// `logfile_maxbytes=`.
        maxbytes: u64,
        /// `logfile_backups=`.
        backups: u32,
    },
    /// The local syslog, one message per line (`logfile=syslog`, [LOG-MAIN-rotate]).
    Syslog,
    /// Nowhere but stdout (if echoing).
    None,
}

/// supervisord's main log.
#[derive(Debug)]
pub struct MainLog {
    level: LogLevel,
    file: Option<RotatingLog>,
    syslog: Option<Syslog>,
    /// Echo every record to stdout (nodaemon and not silent, [LOG-MAIN-stdout]).
    echo: bool,
    /// Records written since the last [`MainLog::flush`] while batching (see
    /// [`MainLog::set_batching`]); empty otherwise.
    pending: Vec<u8>,
    batching: bool,
}

impl MainLog {
    /// Opens the log. Records below `level` are not written.
    pub fn open(target: &MainLogTarget, level: LogLevel, echo: bool) -> io::Result<MainLog> {
        let file = match target {
            MainLogTarget::File {
                path,
                maxbytes,
                backups,
            } => Some(RotatingLog::open(path, *maxbytes, *backups)?),
            MainLogTarget::Syslog | MainLogTarget::None => None,
        };
        Ok(MainLog {
            level,
            file,
            syslog: (*target == MainLogTarget::Syslog).then(Syslog::new),
            echo,
            pending: Vec::new(),
            batching: false,
        })
    }

    /// Whether records at `level` are written (lets callers skip formatting debug output).
    pub fn enabled(&self, level: LogLevel) -> bool {
        level >= self.level
    }

    /// Writes one record now.
    pub fn log(&mut self, line: &LogLine) {
        self.log_at(line, SystemTime::now());
    }

    /// Writes one record stamped `at`. Write errors are reported on stderr and survived.
    pub fn log_at(&mut self, line: &LogLine, at: SystemTime) {
        if !self.enabled(line.level) {
            return;
        }
        let head = prefix(line.level, at);
        if let Some(syslog) = &mut self.syslog {
            // 4.3 sends each line of the message as `<asctime> <LEVEL> <line>\n`.
            syslog.send_lines(&head, &line.message, "\n");
        }
        self.pending.extend_from_slice(head.as_bytes());
        self.pending.extend_from_slice(line.message.as_bytes());
        self.pending.push(b'\n');
        if !self.batching {
            self.flush();
        }
    }

    /// While batching, records are collected and written by [`MainLog::flush`] in one write
    /// (the supervisor task flushes after every turn of its loop, so a flood of lines — one
    /// per dropped event, say — costs one write per turn instead of one per line). Turning
    /// batching off flushes.
    pub fn set_batching(&mut self, on: bool) {
        self.batching = on;
        if !on {
            self.flush();
        }
    }

    /// Writes the collected records. Write errors are reported on stderr and survived.
    pub fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        if let Some(file) = &mut self.file {
            // Reported on stderr once per failure and once on recovery, not once per record.
            let was_failing = file.failing();
            match file.write(&self.pending) {
                Err(e) if !was_failing => eprintln!(
                    "supervisord: cannot write {}: {e} (records are lost until it can be \
                     written again)",
                    file.path().display()
                ),
                Ok(()) if was_failing => {
                    eprintln!("supervisord: writing {} again", file.path().display())
                }
                _ => {}
            }
        }
        if self.echo {
            let mut out = io::stdout().lock();
            let _ = out.write_all(&self.pending);
            let _ = out.flush();
        }
        self.pending.clear();
    }

    /// Deletes the file and starts a new one (`supervisor.clearLog`, [RPC-supervisor.clearLog]).
    /// `Ok(false)` when there is no log file to clear.
    pub fn clear(&mut self) -> io::Result<bool> {
        self.flush();
        match &mut self.file {
            Some(f) => f.clear().map(|()| true),
            None => Ok(false),
        }
    }

    /// Reopens the file (SIGUSR2).
    pub fn reopen(&mut self) -> io::Result<()> {
        self.flush();
        match &mut self.file {
            Some(f) => f.reopen(),
            None => Ok(()),
        }
    }
}

impl Drop for MainLog {
    fn drop(&mut self) {
        self.flush();
    }
}

/// `<asctime> <LEVEL> `, what every record (`2026-11-24 22:27:23,123 INFO message\n`,
/// [LOG-MAIN-format]) and every syslog line of it starts with.
fn prefix(level: LogLevel, at: SystemTime) -> String {
    let mut s = LocalTime::from_system(at).asctime();
    s.push(' ');
    s.push_str(level.code());
    s.push(' ');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_have_4_3_shape_and_respect_the_level() {
        let dir = std::env::temp_dir().join(format!("rsv-mainlog-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("supervisord.log");
        let target = MainLogTarget::File {
            path: path.clone(),
            maxbytes: 0,
            backups: 0,
        };
        let mut log = MainLog::open(&target, LogLevel::Info, false).expect("open");
        log.log(&LogLine::new(
            LogLevel::Info,
            "spawned: 'talker' with pid 8745",
        ));
        log.log(&LogLine::new(LogLevel::Debug, "hidden"));
        log.log(&LogLine::new(LogLevel::Warn, "multi\nline"));
        let text = std::fs::read_to_string(&path).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(&lines[0][23..], " INFO spawned: 'talker' with pid 8745");
        assert_eq!(&lines[1][23..], " WARN multi");
        assert_eq!(lines[2], "line");
        std::fs::remove_dir_all(dir).expect("cleanup");
    }
}
