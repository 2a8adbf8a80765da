//! Output that goes nowhere (no log file, no events, no capture, no syslog, the main log
//! above `debug`) is given `/dev/null` instead of a pipe. 4.3 reads such a pipe and drops
//! the bytes; the child cannot tell the difference in what its writes do, and the daemon
//! keeps no descriptor for it. At `debug`, where 4.3 logs each read of child output to the
//! main log, and for a channel with events, the pipe stays.

use std::time::Duration;

use tests::{wait_until, Daemon, Implementation};

const SECTIONS: &str = "[program:quiet]\n\
    command=sh -c 'echo hello-out; echo hello-err >&2; exec sleep 1000'\n\
    startsecs=0\nstdout_logfile=NONE\nstderr_logfile=NONE\n\n\
    [program:evented]\n\
    command=sh -c 'echo hello-event; exec sleep 1000'\n\
    startsecs=0\nstdout_logfile=NONE\nstderr_logfile=NONE\nstdout_events_enabled=true\n";

/// Where fd `n` of `program`'s process points, once it runs.
fn fd_target(d: &Daemon, program: &str, n: u32) -> String {
    let mut pid = String::new();
    wait_until(Duration::from_secs(20), "the program running", || {
        pid = d
            .rpc(&format!("s.supervisor.getProcessInfo('{program}')['pid']"))
            .unwrap_or_default();
        pid.parse::<u32>().is_ok_and(|p| p > 0)
    });
    std::fs::read_link(format!("/proc/{pid}/fd/{n}"))
        .map(|p| p.display().to_string())
        .unwrap_or_else(|e| format!("unreadable: {e}"))
}

#[test]
fn output_logged_nowhere_goes_to_dev_null_and_the_log_file_calls_fail_as_in_4_3() {
    let d = Daemon::start_at_level(Implementation::Rust, SECTIONS, "info").expect("daemon starts");
    assert_eq!(fd_target(&d, "quiet", 1), "/dev/null");
    assert_eq!(fd_target(&d, "quiet", 2), "/dev/null");
    // A channel whose output becomes events is still read.
    assert!(fd_target(&d, "evented", 1).starts_with("pipe:"));
    assert_eq!(fd_target(&d, "evented", 2), "/dev/null");
    // What a client sees is 4.3's: no log file to read.
    let err = d
        .rpc("s.supervisor.readProcessStdoutLog('quiet', 0, 100)")
        .expect_err("no log file");
    assert!(err.to_string().contains("NO_FILE"), "{err}");
    assert_eq!(
        d.rpc("s.supervisor.getProcessInfo('quiet')['statename']")
            .expect("RPC answers"),
        "RUNNING"
    );
}

/// At `debug` both daemons log the child's output to the main log, so the pipe stays.
fn debug_keeps_the_pipe(which: Implementation) {
    let d = Daemon::start_at_level(which, SECTIONS, "debug").expect("daemon starts");
    let target = fd_target(&d, "quiet", 1);
    assert!(target.starts_with("pipe:"), "{which:?}: {target}");
    wait_until(
        Duration::from_secs(20),
        "the output in the main log",
        || {
            let log = d.main_log();
            log.contains("'quiet' stdout output:\nhello-out")
                && log.contains("'quiet' stderr output:\nhello-err")
        },
    );
}

#[test]
fn at_debug_the_output_is_read_and_logged_like_4_3() {
    debug_keeps_the_pipe(Implementation::Rust);
}

#[test]
fn at_debug_the_output_is_read_and_logged_by_4_3_too() {
    if tests::python_reference() {
        debug_keeps_the_pipe(Implementation::Python);
    }
}
