//! supervisor 4.3.0's own end-to-end suite (`supervisor/tests/test_end_to_end.py`, from the
//! installed package) run against our supervisord (issue 20): the suite's `supervisorctl`,
//! `pidproxy` and `echo_supervisord_conf` stay Python's; every supervisord it starts is ours
//! (tests/scripts/upstream_e2e.py).
//!
//! Left out: `test_issue_565`, whose fixture `hello.sh` is not shipped in the 4.3.0 wheel
//! (the test fails against Python's own supervisord from that install too).

use std::process::Command;

use tests::{python_reference, rust_binary, TempDir};

/// Tests of the suite that cannot run from the installed package.
const SKIPPED: &[&str] = &["test_issue_565"];

fn pexpect_installed() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import pexpect"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but pexpect is missing: pip install -r requirements-test.txt"
        );
        eprintln!("note: pexpect not installed; skipping (pip install -r requirements-test.txt)");
    }
    ok
}

#[test]
fn supervisor_4_3_end_to_end_suite_passes_against_ours() {
    if !python_reference() || !pexpect_installed() {
        return;
    }
    let dir = TempDir::new("upstream-e2e").expect("temp dir");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/upstream_e2e.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(rust_binary("supervisord"))
        .arg(dir.path())
        .args(SKIPPED)
        .current_dir(dir.path())
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // 27 tests in 4.3.0's suite, less the skipped ones.
    assert!(text.contains("ran 26, skipped 1"), "{text}");
}
