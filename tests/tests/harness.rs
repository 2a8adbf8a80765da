//! The harness itself, checked against the Python reference: a daemon comes up in its temp
//! dir, answers RPC, runs a program, and everything is gone after drop.

use std::time::Duration;

use nix::sys::signal::kill;
use nix::unistd::Pid;
use tests::{python_reference, wait_until, Daemon, Implementation};

#[test]
fn python_reference_daemon_runs_a_program_and_cleans_up() {
    if !python_reference() {
        return;
    }
    runs_a_program_and_cleans_up(Implementation::Python);
}

#[test]
fn our_daemon_runs_a_program_and_cleans_up() {
    if !python_reference() {
        return;
    }
    runs_a_program_and_cleans_up(Implementation::Rust);
}

fn runs_a_program_and_cleans_up(which: Implementation) {
    let d = Daemon::start(
        which,
        "[program:sleeper]\ncommand=sleep 1000\nstartsecs=0\n",
    )
    .expect("reference supervisord starts");
    wait_until(Duration::from_secs(10), "sleeper RUNNING", || {
        d.rpc("s.supervisor.getProcessInfo('sleeper')['statename']")
            .is_ok_and(|s| s == "RUNNING")
    });
    let pid: i32 = d
        .rpc("s.supervisor.getProcessInfo('sleeper')['pid']")
        .expect("rpc")
        .parse()
        .expect("a pid");
    let daemon_pid = d.pid() as i32;
    assert!(d.main_log().contains("spawned: 'sleeper' with pid"));
    drop(d);
    for p in [pid, daemon_pid] {
        wait_until(Duration::from_secs(10), "process gone", || {
            kill(Pid::from_raw(p), None).is_err() || is_zombie(p)
        });
    }
}

fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.split(' ').nth(2) == Some("Z"))
        .unwrap_or(true)
}
