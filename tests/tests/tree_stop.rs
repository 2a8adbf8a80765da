//! `stoptree = true` (issue 20): a program whose grandchild calls `setsid`, and one that
//! daemonizes (double fork into a new session); after a stop, none of their processes is
//! left. Both ways of finding the tree: cgroup v2 where it is writable, and `/proc` through
//! the subreaper (`SUPERVISORD_STOPTREE=proc`). Without `stoptree` the `setsid` grandchild
//! outlives the stop, as under 4.3 (`stopasgroup` misses it).

use std::path::Path;
use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tests::{wait_until, Daemon, Implementation};

fn sections(stoptree: bool) -> String {
    format!(
        "[supervisord]\nstoptree={stoptree}\n\n\
         [program:grandchild]\n\
         command=sh -c 'setsid sh -c \"echo \\$\\$ > %(here)s/grandchild.pid; exec sleep 1001\" & exec sleep 1000'\n\
         startsecs=0\nstopasgroup=true\nstopwaitsecs=5\n\n\
         [program:daemonizer]\n\
         command=sh -c '(setsid sh -c \"echo \\$\\$ > %(here)s/daemon.pid; exec sleep 1002\" &); exec sleep 1000'\n\
         startsecs=0\nstopwaitsecs=5\n"
    )
}

/// Whether `pid` is a live process (not gone, not a zombie).
fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .and_then(|(_, r)| r.split_whitespace().next().map(|c| c != "Z"))
        })
        .unwrap_or(false)
}

/// Kills the recorded pids when the test ends, pass or fail.
struct Recorded(Vec<i32>);

impl Drop for Recorded {
    fn drop(&mut self) {
        for &pid in &self.0 {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
    }
}

fn read_pid(path: &Path) -> i32 {
    wait_until(Duration::from_secs(20), "the pid file", || {
        std::fs::read_to_string(path).is_ok_and(|s| s.trim().parse::<i32>().is_ok())
    });
    std::fs::read_to_string(path)
        .expect("pid file")
        .trim()
        .parse()
        .expect("a pid")
}

/// The cgroup v2 path of `pid` (the `0::` line of `/proc/<pid>/cgroup`).
fn cgroup_of(pid: i32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/cgroup"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("0::").map(str::to_owned))
        .unwrap_or_default()
}

fn run(stoptree: bool, env: &[(&str, &str)]) -> (Vec<bool>, String) {
    let d = Daemon::start_with_env(Implementation::Rust, &sections(stoptree), "debug", env)
        .expect("daemon starts");
    let pids = Recorded(vec![
        read_pid(&d.dir().join("grandchild.pid")),
        read_pid(&d.dir().join("daemon.pid")),
    ]);
    assert!(pids.0.iter().all(|&p| alive(p)), "{:?}", pids.0);
    // With cgroups, even the detached descendants are in their program's cgroup (the child
    // moves itself in before it execs, so nothing it forks starts outside).
    if stoptree && env.is_empty() {
        for (&pid, program) in pids.0.iter().zip(["grandchild", "daemonizer"]) {
            let cg = cgroup_of(pid);
            assert!(
                cg.contains("/supervisord-") && cg.ends_with(&format!("/{program}:{program}")),
                "pid {pid} of {program} in {cg:?}"
            );
        }
    }
    for name in ["grandchild", "daemonizer"] {
        assert_eq!(
            d.rpc(&format!("s.supervisor.stopProcess('{name}')"))
                .expect("stop"),
            "True"
        );
    }
    let gone = || pids.0.iter().all(|&p| !alive(p));
    if stoptree {
        wait_until(Duration::from_secs(10), "the whole trees gone", gone);
    } else {
        // Give a leftover every chance to die before saying it did not.
        let _ = tests::try_wait_until(Duration::from_secs(1), gone);
    }
    let alive_after: Vec<bool> = pids.0.iter().map(|&p| alive(p)).collect();
    (alive_after, d.main_log())
}

fn cgroup_v2_writable() -> bool {
    let ok =
        std::fs::read_to_string("/proc/self/mountinfo").is_ok_and(|m| m.contains(" - cgroup2 "));
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but there is no cgroup v2 hierarchy to test the cgroup path"
        );
        eprintln!("note: no cgroup v2 here; skipping the cgroup path");
    }
    ok
}

#[test]
fn stoptree_with_cgroups_leaves_nothing() {
    if !cgroup_v2_writable() {
        return;
    }
    let (alive, log) = run(true, &[]);
    assert_eq!(alive, [false, false], "{log}");
    // The stop signal reached the rest of each tree.
    assert_eq!(
        log.matches("stoptree: sent SIGTERM to the rest of").count(),
        2,
        "{log}"
    );
    assert!(
        log.contains("stoptree: processes run in cgroups under"),
        "{log}"
    );
}

#[test]
fn stoptree_through_proc_leaves_nothing() {
    let (alive, log) = run(true, &[("SUPERVISORD_STOPTREE", "proc")]);
    assert_eq!(alive, [false, false], "{log}");
    assert_eq!(
        log.matches("stoptree: sent SIGTERM to the rest of").count(),
        2,
        "{log}"
    );
    assert!(
        log.contains("process trees are found through /proc"),
        "{log}"
    );
    // The orphans came to us as subreaper and were reaped, logged as 4.3 logs them.
    assert!(log.contains("reaped unknown pid"), "{log}");
}

#[test]
fn without_stoptree_the_setsid_grandchild_survives() {
    let (alive, log) = run(false, &[]);
    assert_eq!(alive, [true, true], "{log}");
}
