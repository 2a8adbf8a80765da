//! The children file: which children a running supervisord has (pid, start time, program),
//! kept next to its pidfile, so that after a crash of supervisord (SIGKILL, the OOM killer)
//! the next one started on the same config can find the processes left running and stop them
//! before it starts their replacements. The start time (from `/proc/<pid>/stat`) tells a
//! leftover from an unrelated process that reused its pid.
//!
//! ```
//! use supervisor_core::daemon::children_file::{parse, render, Child};
//!
//! let kids = vec![Child { pid: 42, start: 7, program: "web:web_0".into() }];
//! let text = render(1000, 5, &kids);
//! assert_eq!(parse(&text), Some((1000, 5, kids)));
//! assert_eq!(parse("garbage"), None);
//! ```

use std::io;
use std::path::Path;

/// One recorded child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Child {
    /// Its pid.
    pub pid: i32,
    /// Its start time, in clock ticks since boot (field 22 of `/proc/<pid>/stat`).
    pub start: u64,
    /// `group:name`.
    pub program: String,
}

/// The start time of `pid` (clock ticks since boot), if it is a live process (not a zombie).
pub fn start_time(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    let state = fields.next()?;
    if state == "Z" || state == "X" {
        return None;
    }
    // After the state: ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
    // utime stime cutime cstime priority nice num_threads itrealvalue starttime.
    fields.nth(18)?.parse().ok()
}

/// The file's text: a header with supervisord's own pid and start time, then one line per
/// child.
pub fn render(daemon_pid: i32, daemon_start: u64, children: &[Child]) -> String {
    let mut out = format!(
        "# children of a running supervisord: pid, start time (clock ticks since boot), program\n\
         supervisord {daemon_pid} {daemon_start}\n"
    );
    for c in children {
        out.push_str(&format!("child {} {} {}\n", c.pid, c.start, c.program));
    }
    out
}

/// Reads [`render`]'s text back: (daemon pid, daemon start, children); `None` if it is not
/// such a file.
pub fn parse(text: &str) -> Option<(i32, u64, Vec<Child>)> {
    let mut daemon = None;
    let mut children = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut parts = line.splitn(4, ' ');
        match (parts.next()?, parts.next()?, parts.next()?) {
            ("supervisord", pid, start) => daemon = Some((pid.parse().ok()?, start.parse().ok()?)),
            ("child", pid, start) => children.push(Child {
                pid: pid.parse().ok()?,
                start: start.parse().ok()?,
                program: parts.next()?.to_owned(),
            }),
            _ => return None,
        }
    }
    let (pid, start) = daemon?;
    Some((pid, start, children))
}

/// Replaces the file with `text` atomically (a temporary file renamed over it).
pub fn write(path: &Path, text: &str) -> io::Result<()> {
    let tmp = path.with_extension("children.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}
