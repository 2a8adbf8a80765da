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

mod daemon;
mod stop_on_drop;
mod temp_dir;
mod wait;

pub use daemon::{rust_binary, Daemon, Implementation};
pub use stop_on_drop::StopOnDrop;
pub use temp_dir::TempDir;
pub use wait::{try_wait_until, wait_until};

/// Whether the Python supervisor 4.3 reference is installed. When it is not: under CI (env
/// `CI` set) this panics, so interop tests fail rather than skip; otherwise it prints a note
/// and returns false so the test can return early.
pub fn python_reference() -> bool {
    let ok = std::process::Command::new("python3")
        .args([
            "-c",
            "import supervisor, sys; sys.exit(supervisor.__name__ != 'supervisor')",
        ])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but the Python reference is missing: pip install -r requirements-test.txt"
        );
        eprintln!("note: Python supervisor 4.3 not installed; skipping (pip install -r requirements-test.txt)");
    }
    ok
}

/// The chromium binary (Debian's `chromium`, scripts/apt-packages): under CI its absence
/// fails the test; otherwise the test is skipped with a note.
pub fn chromium() -> Option<std::path::PathBuf> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but chromium is missing: apt-get install chromium"
        );
        eprintln!("note: chromium not installed; skipping (apt-get install chromium)");
    }
    found
}
