//! supervisord's own process set-up and tear-down: rlimits (`minfds`, `minprocs`) and the
//! pidfile ([CFG-SUPD-minfds], [CFG-SUPD-minprocs], [CFG-SUPD-pidfile], [PROC-SUPD-startup]).

use std::io;
use std::path::{Path, PathBuf};

use nix::sys::resource::{getrlimit, setrlimit, Resource, RLIM_INFINITY};

use crate::log_level::{LogLevel, LogLine};

/// One rlimit supervisord insists on.
struct Minimum {
    resource: Resource,
    name: &'static str,
    setting: &'static str,
    /// What is required ("file descriptors", "available processes").
    required: &'static str,
    /// What one may open ("file descriptors", "processes").
    unit: &'static str,
    /// "process" or "program", as 4.3 words each message.
    subject: &'static str,
}

const NOFILE: Minimum = Minimum {
    resource: Resource::RLIMIT_NOFILE,
    name: "RLIMIT_NOFILE",
    setting: "minfds",
    required: "file descriptors",
    unit: "file descriptors",
    subject: "process",
};

const NPROC: Minimum = Minimum {
    resource: Resource::RLIMIT_NPROC,
    name: "RLIMIT_NPROC",
    setting: "minprocs",
    required: "available processes",
    unit: "processes",
    subject: "program",
};

/// Raises RLIMIT_NOFILE to `minfds` and RLIMIT_NPROC to `minprocs` where the soft limit is
/// lower (raising the hard limit too when it is lower, which only root may do). Returns the
/// INFO lines to log (`Increased RLIMIT_NOFILE limit to 4096`), or 4.3's usage message when a
/// limit cannot be raised (the caller exits with status 2).
pub fn set_rlimits(minfds: u64, minprocs: u64) -> Result<Vec<LogLine>, String> {
    let mut infos = Vec::new();
    for (limit, min) in [(NOFILE, minfds), (NPROC, minprocs)] {
        let (soft, hard) = getrlimit(limit.resource).map_err(|e| e.to_string())?;
        if soft == RLIM_INFINITY || soft >= min {
            continue;
        }
        let hard = if hard != RLIM_INFINITY && hard < min {
            min
        } else {
            hard
        };
        if setrlimit(limit.resource, min, hard).is_err() {
            return Err(usage_message(&limit, min, hard));
        }
        infos.push(LogLine::new(
            LogLevel::Info,
            format!("Increased {} limit to {min}", limit.name),
        ));
    }
    Ok(infos)
}

/// 4.3's refusal text; `hard` is the hard limit after it was raised to the minimum, as 4.3
/// prints it.
fn usage_message(limit: &Minimum, min: u64, hard: u64) -> String {
    let shown = if hard == RLIM_INFINITY {
        "-1".to_owned()
    } else {
        hard.to_string()
    };
    format!(
        "The minimum number of {required} required to run this {subject} is {min} as per the \
         \"{setting}\" command-line argument or config file setting. The current environment \
         will only allow you to open {shown} {unit}.  Either raise the number of usable {unit} \
         in your environment (see README.rst) or lower the {setting} setting in the config file \
         to allow the {subject} to start.",
        required = limit.required,
        subject = limit.subject,
        setting = limit.setting,
        unit = limit.unit,
    )
}

/// The pidfile, removed again by [`Pidfile::remove`] at clean exit.
#[derive(Debug)]
pub struct Pidfile {
    path: PathBuf,
}

impl Pidfile {
    /// Writes `<pid>\n`. On failure returns 4.3's CRIT line (`could not write pidfile <path>`),
    /// which is logged and survived.
    pub fn write(path: &Path) -> Result<Pidfile, LogLine> {
        match std::fs::write(path, format!("{}\n", std::process::id())) {
            Ok(()) => Ok(Pidfile {
                path: path.to_owned(),
            }),
            Err(_) => Err(LogLine::new(
                LogLevel::Critical,
                format!("could not write pidfile {}", path.display()),
            )),
        }
    }

    /// Removes the file.
    pub fn remove(self) -> io::Result<()> {
        std::fs::remove_file(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raises_soft_limits_within_the_hard_limit() {
        let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).expect("getrlimit");
        assert!(set_rlimits(1, 1).expect("nothing to raise").is_empty());
        if soft != RLIM_INFINITY && (hard == RLIM_INFINITY || soft < hard) {
            let target = if hard == RLIM_INFINITY {
                soft + 1
            } else {
                hard
            };
            let infos = set_rlimits(target, 1).expect("raise within hard");
            assert_eq!(
                infos[0].message,
                format!("Increased RLIMIT_NOFILE limit to {target}")
            );
            assert_eq!(
                getrlimit(Resource::RLIMIT_NOFILE).expect("getrlimit").0,
                target
            );
        }
    }

    #[test]
    fn usage_messages_match_4_3() {
        assert_eq!(
            usage_message(&NPROC, 500, 500),
            "The minimum number of available processes required to run this program is 500 as \
             per the \"minprocs\" command-line argument or config file setting. The current \
             environment will only allow you to open 500 processes.  Either raise the number of \
             usable processes in your environment (see README.rst) or lower the minprocs setting \
             in the config file to allow the program to start."
        );
        assert!(usage_message(&NOFILE, 9, 9).starts_with(
            "The minimum number of file descriptors required to run this process is 9"
        ));
    }

    #[test]
    fn pidfile_holds_our_pid_and_is_removed() {
        let path = std::env::temp_dir().join(format!("rsv-pid-{}", std::process::id()));
        let pf = Pidfile::write(&path).expect("write");
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            format!("{}\n", std::process::id())
        );
        pf.remove().expect("remove");
        assert!(!path.exists());
        let err = Pidfile::write(Path::new("/nonexistent-dir/x.pid")).expect_err("no dir");
        assert_eq!(
            err.message,
            "could not write pidfile /nonexistent-dir/x.pid"
        );
    }
}

/// Which side of [`daemonize`] we are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forked {
    /// The original process: it should exit 0 at once.
    Parent,
    /// The daemon.
    Daemon,
}

/// Detaches into the background as 4.3 does ([CFG-CLI-daemon], [LOG-LINE-daemonize]): fork
/// once; the child starts a new session, changes to `directory`, sets `umask`, and points
/// stdin/stdout/stderr at /dev/null. Returns the log lines for the daemon to write.
///
/// # Caveats
/// Must be called while the process is single-threaded (before any runtime starts), as any
/// `fork` must.
#[allow(unsafe_code)]
pub fn daemonize(directory: Option<&Path>, umask: u32) -> std::io::Result<(Forked, Vec<LogLine>)> {
    let mut lines = vec![LogLine::new(
        LogLevel::Info,
        "daemonizing the supervisord process",
    )];
    // SAFETY: the caller guarantees no other thread exists, so the child may do anything
    // the parent could.
    match unsafe { nix::unistd::fork() }? {
        nix::unistd::ForkResult::Parent { .. } => return Ok((Forked::Parent, Vec::new())),
        nix::unistd::ForkResult::Child => {}
    }
    lines.push(LogLine::new(
        LogLevel::Blather,
        "supervisord forked; parent exiting",
    ));
    if let Some(dir) = directory {
        std::env::set_current_dir(dir)?;
        lines.push(LogLine::new(
            LogLevel::Info,
            format!("set current directory: '{}'", dir.display()),
        ));
    }
    nix::unistd::setsid()?;
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(
        umask as libc::mode_t,
    ));
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")?;
    let fd = std::os::fd::AsRawFd::as_raw_fd(&null);
    for target in 0..3 {
        nix::unistd::dup2(fd, target)?;
    }
    Ok((Forked::Daemon, lines))
}
