//! SIGHUP restarts supervisord in the same process: the config is read again and programs
//! start again ([PROC-SIG-HUP], [PROC-SUPD-restart]). Same scenario for both daemons.

use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tests::{python_reference, wait_until, Daemon, Implementation};

fn sighup_restarts(which: Implementation) {
    let d = Daemon::start(
        which,
        "[program:sleeper]\ncommand=sleep 1000\nstartsecs=0\n",
    )
    .expect("daemon starts");
    let pid_of = |d: &Daemon| {
        d.rpc("s.supervisor.getProcessInfo('sleeper')['pid']")
            .unwrap_or_default()
    };
    wait_until(Duration::from_secs(10), "sleeper RUNNING", || {
        pid_of(&d).parse::<u32>().is_ok_and(|p| p > 0)
    });
    let before = pid_of(&d);
    kill(Pid::from_raw(d.pid() as i32), Signal::SIGHUP).expect("SIGHUP");
    wait_until(
        Duration::from_secs(20),
        "a new sleeper after the restart",
        || {
            let now = pid_of(&d);
            !now.is_empty() && now != "0" && now != before
        },
    );
    assert_eq!(
        d.rpc("s.supervisor.getPID()").expect("rpc"),
        d.pid().to_string(),
        "the same supervisord process"
    );
    let log = d.main_log();
    assert!(
        log.contains("WARN received SIGHUP indicating restart request"),
        "{log}"
    );
    assert_eq!(
        log.matches("supervisord started with pid").count(),
        2,
        "{log}"
    );
}

#[test]
fn sighup_restarts_python_reference() {
    if python_reference() {
        sighup_restarts(Implementation::Python);
    }
}

#[test]
fn sighup_restarts_ours() {
    if python_reference() {
        sighup_restarts(Implementation::Rust);
    }
}
