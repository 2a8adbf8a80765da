//! Children start with the default SIGXFSZ and SIGPIPE and an empty signal mask, whichever way
//! the daemon starts them: `posix_spawn` (nothing to set up) or fork with the setup hook
//! (`directory=`). The daemon itself catches SIGXFSZ (tests/tests/disk_full.rs), which must not
//! leak into its children (COMPATIBILITY.md, process environment).

use std::time::Duration;

use tests::{python_reference, wait_until, Daemon, Implementation};

/// A signal's bit in the hex masks of /proc/<pid>/status.
fn bit(signal: i32) -> u64 {
    1 << (signal - 1)
}

fn mask(status: &str, field: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .unwrap_or_else(|| panic!("no {field} in {status}"))
}

#[test]
fn children_get_default_signal_dispositions_on_both_spawn_paths() {
    if !python_reference() {
        return;
    }
    let sections = "[program:plain]\ncommand=cat /proc/self/status\nautorestart=false\nstartsecs=0\n\
                    stdout_logfile=%(here)s/plain.log\n\n\
                    [program:hooked]\ncommand=cat /proc/self/status\nautorestart=false\nstartsecs=0\n\
                    directory=/\numask=022\nstdout_logfile=%(here)s/hooked.log\n";
    let d = Daemon::start(Implementation::Rust, sections).expect("daemon starts");
    for name in ["plain", "hooked"] {
        let path = d.dir().join(format!("{name}.log"));
        wait_until(Duration::from_secs(20), "the child's status logged", || {
            std::fs::read_to_string(&path).is_ok_and(|s| s.contains("SigCgt:"))
        });
        let status = std::fs::read_to_string(&path).expect("log");
        let (blocked, ignored) = (mask(&status, "SigBlk:"), mask(&status, "SigIgn:"));
        assert_eq!(blocked, 0, "{name}: signal mask {blocked:#x}");
        for signal in [nix::libc::SIGXFSZ, nix::libc::SIGPIPE] {
            assert_eq!(ignored & bit(signal), 0, "{name}: signal {signal} ignored");
        }
    }
}

/// A child's exit is announced at debug level with 4.3's line (supervisor's own
/// test_issue_638 waits for it).
#[test]
fn sigchld_is_logged_at_debug_like_4_3() {
    if !python_reference() {
        return;
    }
    for which in [Implementation::Rust, Implementation::Python] {
        let d = Daemon::start(
            which,
            "[program:brief]\ncommand=sh -c 'exit 3'\nautorestart=false\nstartsecs=0\n",
        )
        .expect("daemon starts");
        wait_until(Duration::from_secs(20), "brief exited", || {
            d.main_log().contains("exited: brief (exit status 3")
        });
        wait_until(Duration::from_secs(5), "the SIGCHLD line", || {
            d.main_log()
                .contains(" DEBG received SIGCHLD indicating a child quit\n")
        });
    }
}

/// A listener's answer and its next READY make one debug line (`b'RESULT 2\nOKREADY\n'`, as
/// 4.3 shows them when they come in one read; supervisor's test_issue_663 waits for it),
/// even when they arrive in separate reads.
#[test]
fn listener_output_is_logged_per_exchange() {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scripts/split_answer_listener.py"
    );
    let d = Daemon::start(
        Implementation::Rust,
        &format!("[eventlistener:slow]\ncommand=python3 -u {script}\nevents=TICK_5\n"),
    )
    .expect("daemon starts");
    wait_until(Duration::from_secs(20), "an exchange logged", || {
        d.main_log()
            .contains("'slow' stdout output:\nb'RESULT 2\\nOKREADY\\n'")
    });
}
