//! Our `supervisorctl` shell on a terminal (a real pseudo-terminal): tab completion of
//! commands and process names, and history kept in the history file across sessions, as 4.3's
//! readline shell offers ([supervisorctl] `history_file`, `-r`).

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::pty::openpty;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tests::{rust_binary, Daemon, Implementation};

/// A `supervisorctl` on a pty: what it printed so far, and its keyboard.
struct Session {
    master: std::fs::File,
    child: Child,
    seen: String,
}

impl Session {
    fn start(d: &Daemon, history: &std::path::Path) -> Session {
        let pty = openpty(None, None).expect("openpty");
        let slave: OwnedFd = pty.slave;
        let flags = fcntl(pty.master.as_raw_fd(), FcntlArg::F_GETFL).expect("flags");
        fcntl(
            pty.master.as_raw_fd(),
            FcntlArg::F_SETFL(OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK),
        )
        .expect("nonblocking");
        let child = Command::new(rust_binary("supervisorctl"))
            .arg("-c")
            .arg(d.dir().join("supervisord.conf"))
            .arg("-r")
            .arg(history)
            .env("TERM", "xterm")
            .stdin(Stdio::from(slave.try_clone().expect("dup")))
            .stdout(Stdio::from(slave.try_clone().expect("dup")))
            .stderr(Stdio::from(slave))
            .spawn()
            .expect("spawn supervisorctl");
        Session {
            master: std::fs::File::from(pty.master),
            child,
            seen: String::new(),
        }
    }

    fn type_keys(&mut self, keys: &str) {
        self.master.write_all(keys.as_bytes()).expect("type");
    }

    /// Waits until the output since the last call contains `what`; returns that output.
    fn expect(&mut self, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut buf = [0u8; 4096];
        loop {
            match self.master.read(&mut buf) {
                Ok(n) if n > 0 => self.seen.push_str(&String::from_utf8_lossy(&buf[..n])),
                _ => std::thread::sleep(Duration::from_millis(10)),
            }
            if let Some(at) = self.seen.find(what) {
                let got = self.seen[..at + what.len()].to_owned();
                self.seen.drain(..at + what.len());
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "no {what:?} in the terminal output: {:?}",
                self.seen
            );
        }
    }

    fn finish(mut self) {
        self.type_keys("quit\r");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = kill(Pid::from_raw(self.child.id() as i32), Signal::SIGKILL);
        let _ = self.child.wait();
        panic!("supervisorctl did not quit");
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = kill(Pid::from_raw(self.child.id() as i32), Signal::SIGKILL);
            let _ = self.child.wait();
        }
    }
}

#[test]
fn completion_and_history_on_a_terminal() {
    let d = Daemon::start(
        Implementation::Rust,
        "[program:sleeper]\ncommand=sleep 1000\nstartsecs=0\n\n\
         [program:other]\ncommand=sleep 1000\nstartsecs=0\n",
    )
    .expect("daemon starts");
    let history = d.dir().join("ctl-history");

    let mut s = Session::start(&d, &history);
    s.expect("supervisor> ");
    // "sto" completes to the one command, "sl" to the one process name.
    s.type_keys("sto\t");
    s.expect("stop ");
    s.type_keys("sl\t");
    s.expect("sleeper ");
    s.type_keys("\r");
    s.expect("sleeper: stopped");
    s.finish();
    let kept = std::fs::read_to_string(&history).expect("history file");
    assert!(kept.contains("stop sleeper"), "{kept:?}");

    // A new session recalls it with the up arrow (the entry before `quit`, which readline
    // keeps too).
    let mut s = Session::start(&d, &history);
    s.expect("supervisor> ");
    s.type_keys("\x1b[A");
    s.expect("quit");
    s.type_keys("\x1b[A");
    s.expect("stop sleeper");
    s.type_keys("\r");
    s.expect("sleeper: ERROR (not running)");
    s.finish();
}
