//! Sending log lines to the local syslog daemon, as 4.3 does through Python's `syslog.syslog`
//! ([LOG-MAIN-rotate] `logfile=syslog`, [LOG-CHILD-syslog] `*_syslog=true`): one datagram per
//! line to `/dev/log`, facility `user`, priority `info`, tagged with the program's name, in the
//! classic BSD format glibc's `syslog(3)` writes: `<14>Nov 25 03:55:57 supervisord: <line>`.

use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::SystemTime;

use crate::local_time::LocalTime;

/// Where syslog listens unless `SUPERVISORD_SYSLOG_SOCKET` names another socket (macOS uses
/// `/var/run/syslog`, say; tests use one in a temp dir).
pub const DEFAULT_SOCKET: &str = "/dev/log";

/// `user.info`: the priority Python's `syslog.syslog(message)` uses.
const PRIORITY: u8 = 8 + 6;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A connection to syslog. Like glibc's, it connects lazily, reconnects once when a send
/// fails (syslogd restarted) and otherwise drops messages silently: logging must never stop
/// the daemon.
#[derive(Debug)]
pub struct Syslog {
    path: PathBuf,
    tag: String,
    socket: Option<UnixDatagram>,
}

impl Default for Syslog {
    fn default() -> Self {
        Syslog::new()
    }
}

impl Syslog {
    /// A sender tagged with the basename of `argv[0]` (as Python's implicit `openlog`).
    pub fn new() -> Syslog {
        let path = std::env::var_os("SUPERVISORD_SYSLOG_SOCKET")
            .map_or_else(|| PathBuf::from(DEFAULT_SOCKET), PathBuf::from);
        let tag = std::env::args()
            .next()
            .and_then(|a| {
                std::path::Path::new(&a)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "supervisord".into());
        Syslog {
            path,
            tag,
            socket: None,
        }
    }

    /// Sends each line of `text` (a trailing newline dropped first) as `<prefix><line><suffix>`.
    pub fn send_lines(&mut self, prefix: &str, text: &str, suffix: &str) {
        for line in text.strip_suffix('\n').unwrap_or(text).split('\n') {
            self.send(&format!("{prefix}{line}{suffix}"));
        }
    }

    /// Sends one message.
    pub fn send(&mut self, message: &str) {
        let datagram = format!(
            "<{PRIORITY}>{} {}: {message}",
            timestamp(SystemTime::now()),
            self.tag
        );
        for _ in 0..2 {
            if self.socket.is_none() {
                self.socket = UnixDatagram::unbound()
                    .and_then(|s| s.connect(&self.path).map(|()| s))
                    .ok();
            }
            match &self.socket {
                Some(s) if s.send(datagram.as_bytes()).is_ok() => return,
                Some(_) => self.socket = None,
                None => return,
            }
        }
    }
}

/// `Nov 25 03:55:57` (`%h %e %T`: the day is padded with a space).
fn timestamp(at: SystemTime) -> String {
    let t = LocalTime::from_system(at);
    let month = MONTHS
        .get(t.month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("Jan");
    format!(
        "{month} {:>2} {:02}:{:02}:{:02}",
        t.day, t.hour, t.minute, t.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_datagram_per_line_in_bsd_format() {
        let dir = std::env::temp_dir().join(format!("rsv-syslog-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("log.sock");
        let _ = std::fs::remove_file(&path);
        let server = UnixDatagram::bind(&path).expect("bind");
        let mut log = Syslog {
            path: path.clone(),
            tag: "supervisord".into(),
            socket: None,
        };
        log.send_lines("web ", "first\nsecond\n", "");
        let mut buf = [0u8; 256];
        let mut got = Vec::new();
        for _ in 0..2 {
            let n = server.recv(&mut buf).expect("datagram");
            got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        for (msg, line) in got.iter().zip(["first", "second"]) {
            assert!(msg.starts_with("<14>"), "{msg}");
            // "<14>" + "Nov 25 03:55:57" + " "
            assert_eq!(&msg[19..], format!(" supervisord: web {line}"), "{msg}");
        }
        // No syslog listening: dropped silently.
        drop(server);
        std::fs::remove_file(&path).expect("rm");
        log.send("nobody hears this");
        std::fs::remove_dir_all(dir).expect("cleanup");
    }

    #[test]
    fn timestamps_pad_the_day_with_a_space() {
        let s = timestamp(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(86_400 * 4));
        assert_eq!(s.len(), 15, "{s}");
        assert_eq!(&s[3..4], " ");
    }
}
