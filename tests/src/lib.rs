//! The harness every end-to-end test uses: a private temp dir, a supervisord.conf writer,
//! a daemon started on its own unix socket (ours or the Python reference, side by side),
//! polling with deadlines, and cleanup of every process by pid, even when a test fails.
//!
//! ```no_run
//! use std::time::Duration;
//! use tests::{Daemon, Implementation};
//!
//! let d = Daemon::start(Implementation::Python, "[program:cat]\ncommand=cat\n").unwrap();
//! let state = d.rpc("s.supervisor.getProcessInfo('cat')['statename']").unwrap();
//! tests::wait_until(Duration::from_secs(10), "cat RUNNING", || {
//!     d.rpc("s.supervisor.getProcessInfo('cat')['statename']").is_ok_and(|s| s == "RUNNING")
//! });
//! # let _ = state;
//! ```

mod alertmanager;
mod daemon;
mod nats;
mod smtp;
mod stop_on_drop;
mod temp_dir;
mod tls;
mod wait;

pub use alertmanager::{alertmanager_installed, Alertmanager};
pub use daemon::{rust_binary, Daemon, Implementation};
pub use nats::{nats_installed, NatsServer, StoredMessage};
pub use smtp::{aiosmtpd_installed, Received, SmtpMode, SmtpServer, SMTP_PASSWORD, SMTP_USER};
pub use stop_on_drop::StopOnDrop;
pub use temp_dir::TempDir;
pub use tls::TestCa;
pub use wait::{try_wait_until, wait_until};

/// Whether the Python supervisor 4.3 reference is installed. When it is not: under CI (env
/// `CI` set) this panics, so interop tests fail rather than skip; otherwise it prints a note
/// and returns false so the test can return early.
pub fn python_reference() -> bool {
    let ok = runs(
        "python3",
        &[
            "-c",
            "import supervisor, sys; sys.exit(supervisor.__name__ != 'supervisor')",
        ],
    );
    required(
        ok,
        "the Python reference",
        "pip install -r requirements-test.txt",
    )
}

/// Whether `program args...` runs and exits 0 (its output discarded).
pub fn runs(program: &str, args: &[&str]) -> bool {
    std::process::Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The one rule for a component a test needs: when it is missing (`found` false), under CI
/// (env `CI` set) this panics, so the test fails rather than skips; otherwise it prints a
/// note saying how to install `what` and returns false so the test can return early.
pub fn required(found: bool, what: &str, install: &str) -> bool {
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but {what} is missing: {install}"
        );
        eprintln!("note: {what} not installed; skipping ({install})");
    }
    found
}

/// The chromium binary (Debian's `chromium`, scripts/apt-packages): under CI its absence
/// fails the test; otherwise the test is skipped with a note.
pub fn chromium() -> Option<std::path::PathBuf> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.exists());
    required(found.is_some(), "chromium", "apt-get install chromium");
    found
}

/// A TCP port on 127.0.0.1 that nothing listened on a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
