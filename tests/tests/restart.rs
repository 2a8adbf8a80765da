//! SIGHUP restarts supervisord in the same process: the config is read again and programs
//! start again ([PROC-SIG-HUP], [PROC-SUPD-restart]). Same scenario for both daemons.

use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tests::{python_reference, wait_until, Daemon, Implementation};

/// The sleeper's pid as RPC reports it ("" when the call fails).
fn pid_of(d: &Daemon) -> String {
    d.rpc("s.supervisor.getProcessInfo('sleeper')['pid']")
        .unwrap_or_default()
}

/// A daemon running one `sleeper`, once it has a pid.
fn sleeper_daemon(which: Implementation) -> Daemon {
    let d = Daemon::start(
        which,
        "[program:sleeper]\ncommand=sleep 1000\nstartsecs=0\n",
    )
    .expect("daemon starts");
    wait_until(Duration::from_secs(10), "sleeper RUNNING", || {
        pid_of(&d).parse::<u32>().is_ok_and(|p| p > 0)
    });
    d
}

fn sighup_restarts(which: Implementation) {
    let d = sleeper_daemon(which);
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

/// A restart (SIGHUP, `supervisor.restart`) or a re-read (`reread`, `update`) with a file that
/// no longer loads keeps the daemon running on the configuration it has and says why (issue 9;
/// 4.3 stops everything and exits on SIGHUP — see COMPATIBILITY.md).
#[test]
fn a_broken_file_keeps_the_running_configuration_ours() {
    if !python_reference() {
        return;
    }
    let d = sleeper_daemon(Implementation::Rust);
    let before = pid_of(&d);
    d.rewrite_sections(
        "[program:sleeper]\ncommand=sleep 1000\nautorestart=maybe\n",
        "debug",
    )
    .expect("rewrite");
    kill(Pid::from_raw(d.pid() as i32), Signal::SIGHUP).expect("SIGHUP");
    wait_until(Duration::from_secs(10), "the refusal in the log", || {
        d.main_log()
            .contains("ERRO not restarting: the configuration no longer loads")
    });
    assert!(
        d.main_log().contains("autorestart"),
        "the problem is named: {}",
        d.main_log()
    );
    let fault = d
        .rpc("s.supervisor.restart()")
        .expect_err("restart refused");
    assert!(fault.to_string().contains("CANT_REREAD"), "{fault}");
    let (out, code) = d.ctl(&["reread"]).expect("supervisorctl");
    assert!(
        out.starts_with("ERROR: CANT_REREAD:") && out.contains("autorestart"),
        "{out}"
    );
    assert_ne!(code, 0);
    let (out, _) = d.ctl(&["update"]).expect("supervisorctl");
    assert!(out.contains("CANT_REREAD"), "{out}");
    assert_eq!(pid_of(&d), before, "still the same sleeper");
    assert_eq!(
        d.rpc("s.supervisor.getState()['statename']").expect("rpc"),
        "RUNNING"
    );
}

/// At start (and so on each restart) the AUTO child logs a previous run left in
/// `childlogdir` are deleted, and nothing else ([CFG-SUPD-nocleanup]).
fn clears_auto_child_logs(which: Implementation) {
    let d = Daemon::start(
        which,
        "[program:sleeper]\ncommand=sleep 1000\nstartsecs=0\n",
    )
    .expect("daemon starts");
    let stale = [
        "web-stdout---supervisor-abc12345.log",
        "web-stderr---supervisor-x_9.log.3",
    ];
    let kept = [
        "notes.log",
        "web-stdout---other-abc12345.log",
        "---supervisor-x.log",
    ];
    for f in stale.iter().chain(&kept) {
        std::fs::write(d.dir().join(f), "old").expect("write");
    }
    kill(Pid::from_raw(d.pid() as i32), Signal::SIGHUP).expect("SIGHUP");
    wait_until(Duration::from_secs(20), "the restart", || {
        d.main_log().matches("supervisord started with pid").count() == 2
            && d.rpc("s.supervisor.getState()['statename']")
                .is_ok_and(|s| s == "RUNNING")
    });
    for f in stale {
        assert!(!d.dir().join(f).exists(), "{which:?}: {f} should be gone");
    }
    for f in kept {
        assert!(d.dir().join(f).exists(), "{which:?}: {f} should be kept");
    }
}

#[test]
fn clears_auto_child_logs_python_reference() {
    if python_reference() {
        clears_auto_child_logs(Implementation::Python);
    }
}

#[test]
fn clears_auto_child_logs_ours() {
    if python_reference() {
        clears_auto_child_logs(Implementation::Rust);
    }
}
