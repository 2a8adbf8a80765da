//! A log file with 4.3's size-based rotation ([LOG-CHILD-rotate], [LOG-MAIN-rotate]).
//!
//! Rotation applies only to regular files. A target that cannot be rotated or seeked, such as
//! `/dev/stdout` or a FIFO, is simply written to: 4.3 crash-loops on it when maxbytes is set
//! (its issue #1224) because it asks the stream for its position after every write.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// An append-mode log file that rotates when it reaches `maxbytes`.
///
/// Survives its file or directory vanishing: a rotation that cannot complete drops the
/// handle, and later writes try to open the path again (failing with the reason until, say,
/// the directory is recreated). [`RotatingLog::failing`] lets callers report a failure once and
/// its recovery once, instead of once per write.
#[derive(Debug)]
pub struct RotatingLog {
    path: PathBuf,
    maxbytes: u64,
    backups: u32,
    /// `None` after a failed (re)open or rotation: the next write opens the path again.
    file: Option<File>,
    /// Bytes in the current file.
    size: u64,
    /// Whether the target is a regular file (only those rotate).
    regular: bool,
    /// Whether the last write failed.
    failing: bool,
    /// Whether each line starts with an RFC 3339 timestamp (`*_log_timestamps`).
    timestamps: bool,
    /// Whether the next byte written starts a line (for `timestamps`).
    at_line_start: bool,
}

impl RotatingLog {
    /// Opens `path` for appending (creating it). `maxbytes = 0` never rotates.
    pub fn open(path: &Path, maxbytes: u64, backups: u32) -> io::Result<RotatingLog> {
        let (file, size, regular) = open_append(path)?;
        Ok(RotatingLog {
            path: path.to_owned(),
            maxbytes,
            backups,
            file: Some(file),
            size,
            regular,
            failing: false,
            timestamps: false,
            at_line_start: true,
        })
    }

    /// Starts each line written from now on with an RFC 3339 timestamp of the time it is
    /// written (`2026-12-03T12:58:42.123+00:00 `), or stops doing so.
    pub fn with_timestamps(mut self, on: bool) -> RotatingLog {
        self.timestamps = on;
        self
    }

    /// A log for `path` that could not be opened: it counts as failing, and each write tries
    /// to open the path again (so [`RotatingLog::failing`] turns false once it can).
    pub fn unopened(path: &Path, maxbytes: u64, backups: u32) -> RotatingLog {
        RotatingLog {
            path: path.to_owned(),
            maxbytes,
            backups,
            file: None,
            size: 0,
            regular: true,
            failing: true,
            timestamps: false,
            at_line_start: true,
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the last write failed.
    pub fn failing(&self) -> bool {
        self.failing
    }

    /// Appends `data` in one write, then rotates if the file reached `maxbytes`; so a single
    /// large write can exceed it, as in 4.3.
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        let result = if self.timestamps && !data.is_empty() {
            let stamped = self.stamp(data, std::time::SystemTime::now());
            self.write_inner(&stamped)
        } else {
            self.write_inner(data)
        };
        self.failing = result.is_err();
        result
    }

    /// `data` with the timestamp of `now` at the start of each line it starts.
    fn stamp(&mut self, data: &[u8], now: std::time::SystemTime) -> Vec<u8> {
        let ts = crate::local_time::LocalTime::from_system(now).rfc3339();
        let mut out = Vec::with_capacity(data.len() + 30);
        for piece in data.split_inclusive(|&b| b == b'\n') {
            if self.at_line_start {
                out.extend_from_slice(ts.as_bytes());
                out.push(b' ');
            }
            out.extend_from_slice(piece);
            self.at_line_start = piece.ends_with(b"\n");
        }
        out
    }

    fn write_inner(&mut self, data: &[u8]) -> io::Result<()> {
        let file = match &mut self.file {
            Some(file) => file,
            None => {
                self.reopen()?;
                self.file
                    .as_mut()
                    .ok_or_else(|| io::Error::other("log not open"))?
            }
        };
        file.write_all(data)?;
        self.size += data.len() as u64;
        if self.regular && self.maxbytes > 0 && self.size >= self.maxbytes {
            if let Err(e) = self.rotate() {
                // Whatever was left open may be an unlinked file no one can read: start over
                // from the path on the next write.
                self.file = None;
                return Err(e);
            }
        }
        Ok(())
    }

    /// Shifts `f.(n-1)` → `f.n` … `f` → `f.1` (the oldest is removed) and starts `f`
    /// empty; with no backups `f` is just truncated. A current file that has vanished is
    /// simply started afresh.
    fn rotate(&mut self) -> io::Result<()> {
        for i in (1..self.backups).rev() {
            let from = backup_path(&self.path, i);
            if from.exists() {
                move_replacing(&from, &backup_path(&self.path, i + 1))?;
            }
        }
        if self.backups > 0 {
            match move_replacing(&self.path, &backup_path(&self.path, 1)) {
                Ok(()) => {}
                Err(e)
                    if e.kind() == io::ErrorKind::NotFound
                        && self.path.parent().is_some_and(Path::is_dir) => {}
                Err(e) => return Err(e),
            }
        }
        self.file = Some(
            OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(true)
                .open(&self.path)?,
        );
        self.size = 0;
        Ok(())
    }

    /// Closes and reopens the file (SIGUSR2, [LOG-CHILD-reopen]), e.g. after an external
    /// rotation moved it away.
    pub fn reopen(&mut self) -> io::Result<()> {
        self.file = None;
        let (file, size, regular) = open_append(&self.path)?;
        self.file = Some(file);
        self.size = size;
        self.regular = regular;
        Ok(())
    }

    /// Deletes the file and starts a new one (RPC `clearLog`, [LOG-CHILD-clear]).
    pub fn clear(&mut self) -> io::Result<()> {
        if self.regular {
            match fs::remove_file(&self.path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        self.reopen()
    }
}

fn open_append(path: &Path) -> io::Result<(File, u64, bool)> {
    let file = OpenOptions::new().create(true).append(true).open(path)?;
    let meta = file.metadata()?;
    Ok((file, meta.len(), meta.is_file()))
}

/// Renames `from` to `to`, removing `to` first, as 4.3's rotation does. The removal is not
/// only for fidelity: on ext4 a rename over an existing file makes the kernel write back the
/// renamed file's pending data there and then (the `auto_da_alloc` rule), which stalled every
/// rotation for milliseconds, while a removed backup's unwritten pages are simply dropped.
fn move_replacing(from: &Path, to: &Path) -> io::Result<()> {
    match fs::remove_file(to) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    fs::rename(from, to)
}

/// `f.n`.
pub fn backup_path(path: &Path, n: u32) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".{n}"));
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "rsv-rotating-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    fn read(p: &Path) -> String {
        fs::read_to_string(p).unwrap_or_else(|_| "<missing>".into())
    }

    #[test]
    fn timestamps_start_each_line_across_writes() {
        let dir = temp_dir("stamps");
        let p = dir.join("t.log");
        let mut log = RotatingLog::open(&p, 0, 0)
            .expect("open")
            .with_timestamps(true);
        log.write(b"one\ntw").expect("write");
        log.write(b"o\n\nthree").expect("write");
        let text = read(&p);
        let lines: Vec<&str> = text.split('\n').collect();
        assert_eq!(lines.len(), 4, "{text}");
        for (line, rest) in lines.iter().zip(["one", "two", "", "three"]) {
            let (stamp, body) = line.split_once(' ').unwrap_or((line, ""));
            assert_eq!(body, rest, "{text}");
            // 2026-12-03T12:58:42.123+00:00
            assert_eq!(stamp.len(), 29, "{stamp}");
            assert_eq!(&stamp[10..11], "T", "{stamp}");
            assert!(stamp[23..].starts_with(['+', '-']), "{stamp}");
        }
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn rotation_example_log_child_rotate() {
        let dir = temp_dir("example");
        let f = dir.join("f");
        let mut log = RotatingLog::open(&f, 10, 2).expect("open");
        for chunk in ["1234567890", "second-chunk", "third", "fourth-chunk!", "x"] {
            log.write(chunk.as_bytes()).expect("write");
        }
        assert_eq!(read(&f), "x");
        assert_eq!(read(&backup_path(&f, 1)), "thirdfourth-chunk!");
        assert_eq!(read(&backup_path(&f, 2)), "second-chunk");
        assert_eq!(read(&backup_path(&f, 3)), "<missing>");
        fs::remove_dir_all(dir).expect("cleanup");
    }

    #[test]
    fn one_large_write_and_no_backups() {
        let dir = temp_dir("large");
        let f = dir.join("spam.log");
        let mut log = RotatingLog::open(&f, 1024, 1).expect("open");
        log.write(&[b'a'; 3000]).expect("write");
        assert_eq!(fs::metadata(backup_path(&f, 1)).expect("f.1").len(), 3000);
        assert_eq!(fs::metadata(&f).expect("f").len(), 0);
        let g = dir.join("g");
        let mut log = RotatingLog::open(&g, 4, 0).expect("open");
        log.write(b"12345").expect("write");
        log.write(b"ab").expect("write");
        assert_eq!(read(&g), "ab");
        assert!(!backup_path(&g, 1).exists());
        fs::remove_dir_all(dir).expect("cleanup");
    }

    #[test]
    fn unseekable_targets_are_written_not_rotated_issue_1224() {
        let mut log = RotatingLog::open(Path::new("/dev/null"), 1, 3).expect("open /dev/null");
        for _ in 0..3 {
            log.write(b"more than one byte")
                .expect("write to a char device");
        }
        assert!(!Path::new("/dev/null.1").exists());
    }

    #[test]
    fn a_vanished_directory_fails_writes_until_it_returns() {
        let dir = temp_dir("vanish");
        let logs = dir.join("logs");
        fs::create_dir_all(&logs).expect("logs dir");
        let f = logs.join("f");
        let mut log = RotatingLog::open(&f, 10, 2).expect("open");
        log.write(b"12345").expect("write");
        fs::remove_dir_all(&logs).expect("rm logs");
        // Under maxbytes the open (now unlinked) file still takes writes; the rotation fails.
        let err = log
            .write(b"67890")
            .expect_err("rotation into a missing dir");
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(log.failing());
        assert!(log.write(b"x").is_err(), "no directory, no log");
        fs::create_dir_all(&logs).expect("logs dir back");
        log.write(b"back").expect("writes resume");
        assert!(!log.failing());
        assert_eq!(read(&f), "back");
        fs::remove_dir_all(dir).expect("cleanup");
    }

    #[test]
    fn a_deleted_file_is_started_afresh_at_rotation() {
        let dir = temp_dir("deleted");
        let f = dir.join("f");
        let mut log = RotatingLog::open(&f, 10, 1).expect("open");
        log.write(b"1234").expect("write");
        fs::remove_file(&f).expect("rm f");
        log.write(b"567890")
            .expect("rotation over the missing file");
        log.write(b"new").expect("write");
        assert_eq!(read(&f), "new");
        fs::remove_dir_all(dir).expect("cleanup");
    }

    #[test]
    fn appends_to_existing_files_and_counts_their_size() {
        let dir = temp_dir("append");
        let f = dir.join("f");
        fs::write(&f, "12345678").expect("seed");
        let mut log = RotatingLog::open(&f, 10, 1).expect("open");
        log.write(b"90").expect("write");
        assert_eq!(read(&backup_path(&f, 1)), "1234567890");
        log.write(b"new").expect("write");
        log.clear().expect("clear");
        assert_eq!(read(&f), "");
        fs::remove_dir_all(dir).expect("cleanup");
    }
}
