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
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

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

/// Reads [`render`]'s text back: (daemon pid, daemon start, children); `None` if it does not
/// start as such a file. Lines after the header that do not read as a child (the tail of an
/// older, longer text cut short by a crash) are skipped.
pub fn parse(text: &str) -> Option<(i32, u64, Vec<Child>)> {
    let mut lines = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty());
    let mut header = lines.next()?.splitn(3, ' ');
    if header.next()? != "supervisord" {
        return None;
    }
    let pid = header.next()?.parse().ok()?;
    let start = header.next()?.parse().ok()?;
    let child = |line: &str| {
        let mut parts = line.splitn(4, ' ');
        if parts.next()? != "child" {
            return None;
        }
        Some(Child {
            pid: parts.next()?.parse().ok()?,
            start: parts.next()?.parse().ok()?,
            program: parts.next().filter(|p| !p.is_empty())?.to_owned(),
        })
    };
    Some((pid, start, lines.filter_map(child).collect()))
}

/// The children file, open for rewriting in place.
///
/// It is overwritten from the start and cut to the new length, never replaced by a rename:
/// on ext4 a rename over an existing file starts the renamed file's writeback there and then
/// (`auto_da_alloc`), measured at about 0.4 ms per rewrite. A supervisord killed between the
/// write and the cut can leave the previous text's tail after the new one; [`parse`] takes
/// the lines it can read, and each child is checked against its start time before anything
/// is done to it, so a stale line names nothing.
#[derive(Debug)]
pub struct File {
    file: std::fs::File,
    len: u64,
}

impl File {
    /// Opens (creating) the file at `path`.
    pub fn open(path: &Path) -> io::Result<File> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        let len = file.metadata()?.len();
        Ok(File { file, len })
    }

    /// Makes `text` the file's content.
    pub fn write(&mut self, text: &str) -> io::Result<()> {
        use std::os::unix::fs::FileExt;
        self.file.write_all_at(text.as_bytes(), 0)?;
        let len = text.len() as u64;
        if len < self.len {
            self.file.set_len(len)?;
        }
        self.len = len;
        Ok(())
    }
}

/// Writes the children file on a thread of its own, so that the daemon's task never waits
/// for the file system on a spawn or an exit. Only the newest text matters, so texts
/// submitted while a write is under way replace each other and the next write takes the
/// latest.
///
/// ```
/// use supervisor_core::daemon::children_file::{parse, Writer};
///
/// let dir = std::env::temp_dir().join(format!("children-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).expect("doc io");
/// let path = dir.join("supervisord.children");
/// let writer = Writer::start(path.clone()).expect("doc io");
/// writer.submit("supervisord 1 2\n".into());
/// writer.finish(false); // waits for the write
/// assert_eq!(parse(&std::fs::read_to_string(&path).unwrap()), Some((1, 2, vec![])));
/// std::fs::remove_dir_all(&dir).expect("doc io");
/// ```
#[derive(Debug)]
pub struct Writer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    path: PathBuf,
}

#[derive(Debug, Default)]
struct Shared {
    pending: Mutex<Pending>,
    wake: Condvar,
}

#[derive(Debug, Default)]
struct Pending {
    /// The newest text not yet written.
    text: Option<String>,
    /// No more texts come: write what is pending, then end.
    closing: bool,
    /// The first write that failed since the last [`Writer::take_error`].
    error: Option<io::Error>,
}

impl Writer {
    /// Starts the writer thread for the file at `path`.
    pub fn start(path: PathBuf) -> io::Result<Writer> {
        let shared = Arc::new(Shared::default());
        let thread = {
            let (shared, path) = (shared.clone(), path.clone());
            std::thread::Builder::new()
                .name("children-file".into())
                .spawn(move || write_loop(&shared, &path))?
        };
        Ok(Writer {
            shared,
            thread: Some(thread),
            path,
        })
    }

    /// Has the file rewritten with `text` (replacing any text not yet written).
    pub fn submit(&self, text: String) {
        let mut pending = self.lock();
        pending.text = Some(text);
        drop(pending);
        self.shared.wake.notify_one();
    }

    /// The first write error since the last call, if any.
    pub fn take_error(&self) -> Option<io::Error> {
        self.lock().error.take()
    }

    /// Writes what is pending, ends the thread, and then removes the file if `remove` is set
    /// (after the thread, so that no late write brings it back).
    pub fn finish(mut self, remove: bool) {
        self.close();
        if remove {
            let _ = std::fs::remove_file(&self.path);
        }
    }

    fn close(&mut self) {
        self.lock().closing = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.shared
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.close();
    }
}

fn write_loop(shared: &Shared, path: &Path) {
    let mut file: Option<File> = None;
    let mut pending = shared
        .pending
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    loop {
        if let Some(text) = pending.text.take() {
            drop(pending);
            let result = match &mut file {
                Some(f) => f.write(&text),
                None => File::open(path).and_then(|mut f| {
                    f.write(&text)?;
                    file = Some(f);
                    Ok(())
                }),
            };
            pending = shared
                .pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Err(e) = result {
                pending.error.get_or_insert(e);
            }
        } else if pending.closing {
            return;
        } else {
            pending = shared
                .wake
                .wait(pending)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("children-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("test io");
        dir.join("supervisord.children")
    }

    fn kids(n: i32) -> Vec<Child> {
        (0..n)
            .map(|i| Child {
                pid: 100 + i,
                start: 7,
                program: format!("web:web_{i}"),
            })
            .collect()
    }

    #[test]
    fn a_shorter_text_replaces_a_longer_one_whole() {
        let path = temp_path("shorter");
        let mut f = File::open(&path).expect("test io");
        f.write(&render(1, 2, &kids(5))).expect("test io");
        f.write(&render(1, 2, &kids(1))).expect("test io");
        let text = std::fs::read_to_string(&path).expect("test io");
        assert_eq!(text, render(1, 2, &kids(1)));
        // Reopened (a restart in place), it keeps writing over what is there.
        let mut f = File::open(&path).expect("test io");
        f.write(&render(1, 2, &[])).expect("test io");
        assert_eq!(
            parse(&std::fs::read_to_string(&path).expect("test io")),
            Some((1, 2, vec![]))
        );
        std::fs::remove_dir_all(path.parent().expect("test io")).expect("test io");
    }

    #[test]
    fn the_tail_of_an_older_text_is_skipped_line_by_line() {
        // What a crash between the write and the cut leaves: the new text, then the rest of
        // the old one from wherever the new one ended.
        let old = render(1, 2, &kids(5));
        let new = render(1, 2, &kids(1));
        for cut in new.len()..old.len() {
            let torn = format!("{new}{}", &old[cut..]);
            let (pid, start, children) = parse(&torn).expect("the header is intact");
            assert_eq!((pid, start), (1, 2));
            assert_eq!(children[0], kids(1)[0]);
            // Whatever else is read is a whole line of the old text, never a made-up child.
            assert!(children.iter().all(|c| kids(5).contains(c)), "{torn:?}");
        }
        assert_eq!(parse("child 1 2 web:web\n"), None, "no header");
    }

    #[test]
    fn the_writer_writes_the_latest_text_and_removes_the_file_last() {
        let path = temp_path("writer");
        let writer = Writer::start(path.clone()).expect("test io");
        for n in 0..50 {
            writer.submit(render(1, 2, &kids(n % 7)));
        }
        writer.submit(render(1, 2, &kids(3)));
        writer.finish(false);
        assert_eq!(
            parse(&std::fs::read_to_string(&path).expect("test io")),
            Some((1, 2, kids(3)))
        );
        let writer = Writer::start(path.clone()).expect("test io");
        writer.submit(render(1, 2, &kids(2)));
        writer.finish(true);
        assert!(
            !path.exists(),
            "removed after the pending write, not before"
        );
        std::fs::remove_dir_all(path.parent().expect("test io")).expect("test io");
    }

    #[test]
    fn a_write_that_fails_is_reported() {
        let path = std::path::Path::new("/nonexistent-dir/supervisord.children").to_path_buf();
        let writer = Writer::start(path).expect("test io");
        writer.submit(render(1, 2, &[]));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut error = None;
        while error.is_none() && std::time::Instant::now() < deadline {
            error = writer.take_error();
            std::thread::yield_now();
        }
        assert!(error.is_some());
        writer.finish(false);
    }
}
