//! Opening a process's log files before it is spawned. 4.3 makes a spawn that cannot open
//! its logs a spawn error, so a deleted log directory takes the service down (FATAL after
//! the retries). Here a missing directory is created, and a log that still cannot be opened
//! leaves the process running without it: the log is retried on every write and its
//! recovery announced (`writing <path> again`), as for a log that fails while running.

use std::io;
use std::path::Path;

use super::state::Supervisor;
use crate::log_level::LogLevel;
use crate::model::ChannelModel;
use crate::output::rotating::RotatingLog;

/// What opening one channel's log did, beyond opening it.
enum Opened {
    /// Opened (or the channel has no log).
    Plain(Option<RotatingLog>),
    /// Opened after creating its missing directory.
    CreatedDir(RotatingLog, std::path::PathBuf),
    /// Could not be opened: the process starts without it until it can be.
    Unavailable(RotatingLog, io::Error),
}

impl Supervisor {
    /// Opens process `i`'s stdout and stderr logs for a spawn. Only running out of file
    /// descriptors is an error (the spawn would fail anyway); every other failure is logged
    /// once (not again while the same log keeps failing) and the log left unavailable.
    pub(super) fn open_child_logs(
        &mut self,
        i: usize,
    ) -> io::Result<(Option<RotatingLog>, Option<RotatingLog>)> {
        let slot = &self.procs[i];
        let name = slot.model.params.name.clone();
        let stdout_wanted = slot.listener.is_none();
        let previous_failing =
            |log: &Option<RotatingLog>| log.as_ref().is_some_and(|l| l.failing());
        let was = [
            previous_failing(&slot.stdout_log),
            previous_failing(&slot.stderr_log),
        ];
        let opened = [
            open_or_degrade(&slot.model.stdout, stdout_wanted)?,
            open_or_degrade(&slot.model.stderr, true)?,
        ];
        let mut logs = [None, None];
        for (k, o) in opened.into_iter().enumerate() {
            logs[k] = match o {
                Opened::Plain(log) => log,
                Opened::CreatedDir(log, dir) => {
                    self.line(
                        LogLevel::Warn,
                        format!(
                            "created the missing log directory {} for '{name}'",
                            dir.display()
                        ),
                    );
                    Some(log)
                }
                Opened::Unavailable(log, e) => {
                    if !was[k] {
                        self.line(
                            LogLevel::Error,
                            format!(
                                "cannot open {} for '{name}': {e}; starting it without \
                                 this log until it can be opened",
                                log.path().display()
                            ),
                        );
                    }
                    Some(log)
                }
            };
        }
        let [stdout, stderr] = logs;
        Ok((stdout, stderr))
    }
}

fn open_or_degrade(model: &ChannelModel, wanted: bool) -> io::Result<Opened> {
    let Some(path) = model.logfile.as_deref().filter(|_| wanted) else {
        return Ok(Opened::Plain(None));
    };
    let first = match open_log(model, path) {
        Ok(log) => return Ok(Opened::Plain(Some(log))),
        Err(e) => e,
    };
    if first.raw_os_error() == Some(nix::libc::EMFILE) {
        return Err(first);
    }
    let missing_dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.exists());
    let error = match missing_dir {
        Some(dir) if first.kind() == io::ErrorKind::NotFound => {
            match std::fs::create_dir_all(dir).and_then(|()| open_log(model, path)) {
                Ok(log) => return Ok(Opened::CreatedDir(log, dir.to_owned())),
                Err(e) => e,
            }
        }
        _ => first,
    };
    Ok(Opened::Unavailable(
        RotatingLog::unopened(path, model.maxbytes, model.backups)
            .with_timestamps(model.timestamps),
        error,
    ))
}

/// Opens the channel's log file; an AUTO log starts out private (0600), as 4.3 makes AUTO
/// names with mkstemp.
fn open_log(model: &ChannelModel, path: &Path) -> io::Result<RotatingLog> {
    if model.auto {
        use std::os::unix::fs::OpenOptionsExt;
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path);
        match created {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    RotatingLog::open(path, model.maxbytes, model.backups)
        .map(|l| l.with_timestamps(model.timestamps))
}
