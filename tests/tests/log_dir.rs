//! The log directory removed while logging (issue 9, [PROC-SPAWN-errors-parent]).
//!
//! A program logs into a directory that is then deleted. Both daemons keep supervising and
//! answering; starting a program whose log cannot be opened is a spawn error with 4.3's
//! message. Ours also reports the failed writes once (not once per chunk) and resumes writing
//! when the directory comes back.

use std::time::Duration;

use tests::{python_reference, try_wait_until, wait_until, Daemon, Implementation, TempDir};

fn log_dir_removed(which: Implementation) {
    let logs = TempDir::new("logs").expect("temp dir");
    let l = logs.path().display().to_string();
    let d = Daemon::start(
        which,
        &format!(
            "[program:spew]\ncommand=sh -c 'while :; do echo spew-line; sleep 0.01; done'\n\
             startsecs=0\nstdout_logfile={l}/spew.log\nstdout_logfile_maxbytes=2KB\n\
             stdout_logfile_backups=1\n\n\
             [program:later]\ncommand=sleep 1000\nautostart=false\nstartsecs=0\n\
             startretries=0\nstdout_logfile={l}/later.log\n"
        ),
    )
    .expect("daemon starts");
    let spew = logs.join("spew.log");
    wait_until(Duration::from_secs(20), "spew logging", || {
        std::fs::metadata(&spew).is_ok_and(|m| m.len() > 0)
    });
    std::fs::remove_dir_all(logs.path()).expect("remove the log dir");

    // Starting a program whose log cannot be opened is a spawn error.
    let err = d
        .rpc("s.supervisor.startProcess('later')")
        .expect_err("the start fails");
    assert!(err.to_string().contains("SPAWN_ERROR"), "{which:?}: {err}");
    wait_until(Duration::from_secs(10), "the spawn error logged", || {
        d.main_log()
            .contains("spawnerr: unknown error making dispatchers for 'later': ENOENT")
    });
    // Still supervising: spew keeps running, the daemon answers and controls programs.
    assert_eq!(
        d.rpc("s.supervisor.getProcessInfo('spew')['statename']")
            .expect("RPC answers"),
        "RUNNING"
    );
    assert_eq!(
        d.rpc("s.supervisor.getState()['statename']").expect("RPC"),
        "RUNNING"
    );
    if which == Implementation::Python {
        return;
    }
    // Ours: the failure is reported once however many chunks fail ...
    wait_until(
        Duration::from_secs(10),
        "the write failure reported",
        || d.main_log().contains("cannot write"),
    );
    let reported = |log: &str| log.matches("cannot write").count();
    // (spew writes ~100 chunks/s; give it time to fail many more)
    let before = d.main_log();
    assert!(
        !try_wait_until(Duration::from_secs(1), || reported(&d.main_log()) > 1),
        "reported more than once:\n{before}"
    );
    // ... and writing resumes, announced once, when the directory returns.
    std::fs::create_dir_all(logs.path()).expect("recreate the log dir");
    wait_until(Duration::from_secs(10), "spew logging again", || {
        std::fs::read_to_string(&spew).is_ok_and(|s| s.contains("spew-line"))
            && d.main_log().contains("writing ")
    });
    assert_eq!(
        d.rpc("s.supervisor.startProcess('later')")
            .expect("starts now"),
        "True"
    );
}

#[test]
fn log_dir_removed_python_reference() {
    if python_reference() {
        log_dir_removed(Implementation::Python);
    }
}

#[test]
fn log_dir_removed_ours() {
    if python_reference() {
        log_dir_removed(Implementation::Rust);
    }
}
