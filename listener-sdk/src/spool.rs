//! A small on-disk spool: what a listener has acknowledged to supervisord but not yet
//! delivered (an alert, a mail, a message for a broker). One file per entry in a directory
//! of its own, written to a temporary name, `fsync`ed and renamed into place (and the
//! directory `fsync`ed) before [`Spool::push`] returns, so an entry survives the listener's
//! crash, SIGKILL or restart. Entries come back in order with [`Spool::next`], and stay
//! until [`Spool::ack`] removes them: delivery is at least once. A full spool drops its
//! oldest entry, counted (across restarts, in the `dropped` file) and reported.
//!
//! [`Listener::run_spooled`](crate::Listener::run_spooled) builds the "acknowledge only once
//! durably queued" listener on it; other forwarders can use it directly:
//!
//! ```
//! use listener_sdk::spool::{Spool, SpoolOptions};
//!
//! let dir = std::env::temp_dir().join(format!("spool-doc-{}", std::process::id()));
//! let spool = Spool::open(&dir, SpoolOptions::default())?;
//! spool.push(b"first")?;
//! spool.push(b"second")?;
//! let entry = spool.next().expect("an entry");
//! assert_eq!(entry.data, b"first");
//! spool.ack(&entry)?;
//! assert_eq!(spool.len(), 1);
//! drop(spool);
//! // Reopened (as after a crash): what was not acknowledged is still there.
//! let spool = Spool::open(&dir, SpoolOptions::default())?;
//! assert_eq!(spool.next().map(|e| e.data), Some(b"second".to_vec()));
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How a spool is bounded and how hard it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpoolOptions {
    /// The most entries kept; pushing one more drops the oldest (10,000 by default).
    pub capacity: usize,
    /// `fsync` each entry and the directory before `push` returns (on by default). Off, an
    /// entry survives the listener's crash but not the machine's.
    pub sync: bool,
}

impl Default for SpoolOptions {
    fn default() -> Self {
        SpoolOptions {
            capacity: 10_000,
            sync: true,
        }
    }
}

/// One spooled entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its sequence number (increasing in push order, across restarts).
    pub seq: u64,
    /// What was pushed.
    pub data: Vec<u8>,
}

/// What [`Spool::push`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pushed {
    /// The new entry's sequence number.
    pub seq: u64,
    /// The sequence number of the oldest entry dropped to make room, if the spool was full.
    pub dropped: Option<u64>,
}

#[derive(Debug)]
struct State {
    /// Sequence numbers on disk, oldest first.
    queued: VecDeque<u64>,
    /// The sequence number the next push gets.
    next_seq: u64,
    dropped: u64,
    closed: bool,
}

/// A directory of entries waiting for delivery; share it between threads with an `Arc`.
/// One process per directory: two processes sharing one would deliver each other's
/// entries.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    options: SpoolOptions,
    state: Mutex<State>,
    ready: Condvar,
}

const SUFFIX: &str = ".entry";

fn entry_name(seq: u64) -> String {
    format!("{seq:020}{SUFFIX}")
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

impl Spool {
    /// Opens (creating it if needed) the spool in `dir`, finding the entries a previous run
    /// left. Leftover temporary files of an interrupted push are removed.
    pub fn open(dir: impl AsRef<Path>, options: SpoolOptions) -> io::Result<Spool> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir)?;
        let mut queued = Vec::new();
        for item in fs::read_dir(&dir)? {
            let item = item?;
            let name = item.file_name();
            let name = name.to_string_lossy();
            if name.ends_with(".tmp") {
                let _ = fs::remove_file(item.path());
            } else if let Some(seq) = name.strip_suffix(SUFFIX).and_then(|s| s.parse().ok()) {
                queued.push(seq);
            }
        }
        queued.sort_unstable();
        let dropped = fs::read_to_string(dir.join("dropped"))
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(0);
        let next_seq = queued.last().map_or(1, |s| s + 1);
        Ok(Spool {
            dir,
            options: SpoolOptions {
                capacity: options.capacity.max(1),
                ..options
            },
            state: Mutex::new(State {
                queued: queued.into(),
                next_seq,
                dropped,
                closed: false,
            }),
            ready: Condvar::new(),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stores `data` durably (see [`SpoolOptions::sync`]); when it returns `Ok` the entry
    /// survives a crash. When the spool is full the oldest entry is removed first.
    pub fn push(&self, data: &[u8]) -> io::Result<Pushed> {
        let seq = {
            let mut s = self.state();
            let seq = s.next_seq;
            s.next_seq += 1;
            seq
        };
        let tmp = self.dir.join(format!("{seq:020}.tmp"));
        let result = (|| {
            let mut file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
            file.write_all(data)?;
            if self.options.sync {
                file.sync_data()?;
            }
            fs::rename(&tmp, self.dir.join(entry_name(seq)))?;
            if self.options.sync {
                sync_dir(&self.dir)?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        let mut s = self.state();
        // Keep the queue in sequence order even when pushes from threads finish out of order.
        let at = s.queued.partition_point(|&q| q < seq);
        s.queued.insert(at, seq);
        let mut dropped = None;
        if s.queued.len() > self.options.capacity {
            if let Some(oldest) = s.queued.pop_front() {
                let _ = fs::remove_file(self.dir.join(entry_name(oldest)));
                s.dropped += 1;
                let _ = fs::write(self.dir.join("dropped"), s.dropped.to_string());
                dropped = Some(oldest);
            }
        }
        drop(s);
        self.ready.notify_all();
        Ok(Pushed { seq, dropped })
    }

    /// The oldest entry, if any, without waiting. It stays in the spool until acknowledged.
    pub fn next(&self) -> Option<Entry> {
        loop {
            let seq = *self.state().queued.front()?;
            match fs::read(self.dir.join(entry_name(seq))) {
                Ok(data) => return Some(Entry { seq, data }),
                // Dropped (spool full) or acknowledged meanwhile: look again.
                Err(_) => {
                    let mut s = self.state();
                    if s.queued.front() == Some(&seq) {
                        s.queued.pop_front();
                    }
                }
            }
        }
    }

    /// Every entry waiting, oldest first (for a consumer that delivers in batches); each
    /// stays until acknowledged.
    pub fn entries(&self) -> Vec<Entry> {
        let queued: Vec<u64> = self.state().queued.iter().copied().collect();
        queued
            .into_iter()
            .filter_map(|seq| {
                fs::read(self.dir.join(entry_name(seq)))
                    .ok()
                    .map(|data| Entry { seq, data })
            })
            .collect()
    }

    /// Waits up to `timeout` for an entry; `None` on timeout or once closed and empty.
    pub fn next_timeout(&self, timeout: Duration) -> Option<Entry> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(e) = self.next() {
                return Some(e);
            }
            let s = self.state();
            if s.closed && s.queued.is_empty() {
                return None;
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            if s.queued.is_empty() {
                let _ = self
                    .ready
                    .wait_timeout(s, deadline - now)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
    }

    /// Removes a delivered entry (at-least-once: call it only after delivery succeeded).
    pub fn ack(&self, entry: &Entry) -> io::Result<()> {
        let path = self.dir.join(entry_name(entry.seq));
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let mut s = self.state();
        if let Some(at) = s.queued.iter().position(|&q| q == entry.seq) {
            s.queued.remove(at);
        }
        drop(s);
        self.ready.notify_all();
        Ok(())
    }

    /// Wakes waiters in [`Spool::next_timeout`] for good: no more pushes are coming.
    pub fn close(&self) {
        self.state().closed = true;
        self.ready.notify_all();
    }

    /// Entries waiting.
    pub fn len(&self) -> usize {
        self.state().queued.len()
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries dropped because the spool was full, over the spool's whole life.
    pub fn dropped(&self) -> u64 {
        self.state().dropped
    }
}

/// Capped exponential backoff between delivery attempts: `initial`, doubled after each
/// failure up to `max`, back to `initial` after a success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The first wait.
    pub initial: Duration,
    /// The longest wait.
    pub max: Duration,
    current: Duration,
}

impl Backoff {
    /// Waits starting at `initial`, capped at `max`.
    pub fn new(initial: Duration, max: Duration) -> Backoff {
        Backoff {
            initial,
            max: max.max(initial),
            current: initial,
        }
    }

    /// The wait before the next attempt, doubling the one after.
    pub fn next_delay(&mut self) -> Duration {
        let d = self.current;
        self.current = (self.current * 2).min(self.max);
        d
    }

    /// Back to `initial` (after a success).
    pub fn reset(&mut self) {
        self.current = self.initial;
    }
}

impl Default for Backoff {
    /// 1 s doubling up to 60 s.
    fn default() -> Self {
        Backoff::new(Duration::from_secs(1), Duration::from_secs(60))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("spool-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn full_drops_the_oldest_counted_across_reopen() {
        let d = dir("full");
        let options = SpoolOptions {
            capacity: 2,
            sync: false,
        };
        let spool = Spool::open(&d, options).expect("open");
        assert_eq!(spool.push(b"a").expect("push").dropped, None);
        spool.push(b"b").expect("push");
        let third = spool.push(b"c").expect("push");
        assert_eq!(third.dropped, Some(1));
        assert_eq!(spool.dropped(), 1);
        drop(spool);
        let spool = Spool::open(&d, options).expect("reopen");
        assert_eq!(spool.dropped(), 1);
        let first = spool.next().expect("entry");
        assert_eq!(first.data, b"b");
        // Not acknowledged: the same entry again.
        assert_eq!(spool.next().map(|e| e.seq), Some(first.seq));
        spool.ack(&first).expect("ack");
        assert_eq!(spool.next().map(|e| e.data), Some(b"c".to_vec()));
        assert_eq!(spool.push(b"d").expect("push").seq, 4, "sequence goes on");
        let all: Vec<Vec<u8>> = spool.entries().into_iter().map(|e| e.data).collect();
        assert_eq!(all, [b"c".to_vec(), b"d".to_vec()]);
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn waiting_ends_on_push_or_close() {
        let d = dir("wait");
        let spool = std::sync::Arc::new(Spool::open(&d, SpoolOptions::default()).expect("open"));
        let pusher = {
            let spool = std::sync::Arc::clone(&spool);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                spool.push(b"late").expect("push");
                spool.close();
            })
        };
        let got = spool.next_timeout(Duration::from_secs(10)).expect("woken");
        assert_eq!(got.data, b"late");
        spool.ack(&got).expect("ack");
        pusher.join().expect("joined");
        assert_eq!(spool.next_timeout(Duration::from_secs(10)), None);
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn backoff_doubles_to_the_cap() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(5));
        let waits: Vec<u64> = (0..5).map(|_| b.next_delay().as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 5, 5]);
        b.reset();
        assert_eq!(b.next_delay().as_secs(), 1);
    }
}
