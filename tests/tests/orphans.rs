//! A child that forks grandchildren and exits (issue 9): the grandchildren keep the child's
//! stdout and stderr pipes open, so no EOF comes; the daemon must still see the exit (EXITED,
//! exit status 0), log what was written before it, keep answering, and start the program
//! again while the orphans live on. Same on both daemons ([PROC-TR-RUNNING-EXITED]).

use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tests::{python_reference, wait_until, Daemon, Implementation};

const SECTIONS: &str = "\
[program:parent]\n\
command=sh -c 'echo before-exit; sleep 1000 & echo $! >> %(here)s/orphans; sleep 1000 >&2 & echo $! >> %(here)s/orphans; exit 0'\n\
startsecs=0\nautorestart=false\nexitcodes=0\n";

/// Kills the orphans recorded in `file`, by pid.
struct Orphans(std::path::PathBuf);

impl Orphans {
    fn pids(&self) -> Vec<i32> {
        std::fs::read_to_string(&self.0)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    }
}

impl Drop for Orphans {
    fn drop(&mut self) {
        for pid in self.pids() {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
    }
}

fn orphans(which: Implementation) {
    let d = Daemon::start(which, SECTIONS).expect("daemon starts");
    let orphans = Orphans(d.dir().join("orphans"));
    let state = |what: &str| {
        d.rpc(&format!("s.supervisor.getProcessInfo('parent')['{what}']"))
            .unwrap_or_default()
    };
    wait_until(Duration::from_secs(10), "parent EXITED", || {
        state("statename") == "EXITED"
    });
    assert_eq!(state("exitstatus"), "0", "{which:?}");
    wait_until(Duration::from_secs(10), "two orphans recorded", || {
        orphans.pids().len() == 2
    });
    for pid in orphans.pids() {
        assert!(
            kill(Pid::from_raw(pid), None).is_ok(),
            "{which:?}: orphan {pid} lives on"
        );
    }
    assert!(
        d.main_log()
            .contains("exited: parent (exit status 0; expected)"),
        "{which:?}:\n{}",
        d.main_log()
    );
    wait_until(
        Duration::from_secs(10),
        "the output before the exit",
        || {
            d.rpc("s.supervisor.readProcessStdoutLog('parent', 0, 0)")
                .is_ok_and(|s| s.contains("before-exit"))
        },
    );
    // Start again while the first run's orphans still hold its pipes.
    assert_eq!(
        d.rpc("s.supervisor.startProcess('parent')")
            .expect("starts"),
        "True"
    );
    wait_until(Duration::from_secs(10), "second run EXITED", || {
        state("statename") == "EXITED" && orphans.pids().len() == 4
    });
    assert_eq!(
        d.rpc("s.supervisor.getState()['statename']")
            .expect("answers"),
        "RUNNING"
    );
}

#[test]
fn orphaned_grandchildren_python_reference() {
    if python_reference() {
        orphans(Implementation::Python);
    }
}

#[test]
fn orphaned_grandchildren_ours() {
    if python_reference() {
        orphans(Implementation::Rust);
    }
}
