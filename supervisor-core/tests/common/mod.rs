//! Helpers shared by supervisor-core's integration-test binaries (each includes this module).
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// Whether `python3 -c <check>` succeeds. When it does not: under CI (env `CI` set) this
/// panics, so interop tests fail rather than skip; otherwise it prints a note and returns
/// false so the test can return early.
pub fn python_has(check: &str) -> bool {
    let ok = Command::new("python3")
        .args(["-c", check])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "CI is set but `python3 -c {check:?}` fails: pip install -r requirements-test.txt"
    );
    if !ok {
        eprintln!(
            "note: `python3 -c {check:?}` fails; skipping (pip install -r requirements-test.txt)"
        );
    }
    ok
}

/// The Python supervisor 4.3 reference is installed (see [`python_has`]).
pub fn python_reference() -> bool {
    python_has("import supervisor")
}

/// A fresh directory `<tmp>/rsv-<label>-<pid>` (emptied if it existed).
pub fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rsv-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
