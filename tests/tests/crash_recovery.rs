//! supervisord SIGKILLed with 20 programs running, then started again on the same config:
//! the new one finds the children the dead one left (its children file, next to the
//! pidfile), stops each, logged, before spawning, so each program runs exactly once
//! afterwards (issue 20).

use std::collections::BTreeMap;
use std::time::Duration;

use tests::{wait_until, Daemon, Implementation};

const PROGRAMS: usize = 20;

fn sections() -> String {
    (0..PROGRAMS)
        .map(|n| {
            format!(
                "[program:p{n:02}]\ncommand=sleep {}\nstartsecs=0\npriority={}\n\n",
                5000 + n,
                100 + n
            )
        })
        .collect()
}

/// Live (non-zombie) processes by the `SUPERVISOR_PROCESS_NAME` in their environment.
fn running_by_program() -> BTreeMap<String, Vec<i32>> {
    let mut out: BTreeMap<String, Vec<i32>> = BTreeMap::new();
    for e in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let zombie = std::fs::read_to_string(e.path().join("stat")).map_or(true, |s| {
            s.rsplit_once(')')
                .and_then(|(_, r)| r.split_whitespace().next().map(|st| st == "Z"))
                .unwrap_or(true)
        });
        let Ok(env) = std::fs::read(e.path().join("environ")) else {
            continue;
        };
        if zombie {
            continue;
        }
        let name = env
            .split(|&b| b == 0)
            .find_map(|v| v.strip_prefix(b"SUPERVISOR_PROCESS_NAME="))
            .map(|v| String::from_utf8_lossy(v).into_owned());
        // Only this test's programs (sleep 50xx) count.
        let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        if let Some(name) = name.filter(|_| cmd.starts_with(b"sleep\x0050")) {
            out.entry(name).or_default().push(pid);
        }
    }
    out
}

fn pids(d: &Daemon) -> BTreeMap<String, i32> {
    let text = d
        .rpc("' '.join('%s=%d' % (p['name'], p['pid']) for p in s.supervisor.getAllProcessInfo() if p['statename'] == 'RUNNING')")
        .expect("rpc");
    text.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .filter_map(|(k, v)| Some((k.to_owned(), v.parse().ok()?)))
        .collect()
}

#[test]
fn after_a_sigkill_each_program_runs_exactly_once() {
    let mut d = Daemon::start(Implementation::Rust, &sections()).expect("daemon starts");
    wait_until(Duration::from_secs(30), "20 programs RUNNING", || {
        pids(&d).len() == PROGRAMS
    });
    let before = pids(&d);
    d.crash_and_restart(Implementation::Rust).expect("restarts");
    wait_until(Duration::from_secs(30), "20 programs RUNNING again", || {
        pids(&d).len() == PROGRAMS
    });
    let after = pids(&d);
    let running = running_by_program();
    assert_eq!(running.len(), PROGRAMS, "{running:?}");
    for (name, pids) in &running {
        assert_eq!(
            pids,
            &vec![after[name]],
            "{name} runs once, as the new daemon's child"
        );
        assert_ne!(after[name], before[name], "{name} was started again");
    }
    let log = d.main_log();
    let second_run = log
        .rfind("supervisord started with pid")
        .map(|i| &log[i..])
        .expect("the second run's log");
    let first_spawn = second_run.find("spawned:").expect("spawns logged");
    let stopped: Vec<&str> = second_run[..first_spawn]
        .lines()
        .filter(|l| l.contains("left running by a previous supervisord"))
        .collect();
    assert_eq!(stopped.len(), PROGRAMS, "{second_run}");
    // In shutdown order: the highest priority first.
    assert!(stopped[0].contains("'p19:p19'"), "{}", stopped[0]);
    assert!(stopped[PROGRAMS - 1].contains("'p00:p00'"), "{second_run}");
    assert_eq!(
        second_run[..first_spawn]
            .matches("stopped leftover pid")
            .count(),
        PROGRAMS,
        "{second_run}"
    );
}

/// With `stoptree` and cgroups, the descendants of the dead supervisord's programs (a
/// `setsid` grandchild, which the children file does not list) are killed too, logged.
#[test]
fn after_a_sigkill_stoptree_descendants_are_killed_too() {
    if !std::fs::read_to_string("/proc/self/mountinfo").is_ok_and(|m| m.contains(" - cgroup2 ")) {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but there is no cgroup v2 hierarchy"
        );
        eprintln!("note: no cgroup v2 here; skipping");
        return;
    }
    let mut d = Daemon::start(
        Implementation::Rust,
        "[program:tree]\n\
         command=sh -c 'setsid sh -c \"echo \\$\\$ >> %(here)s/grandchild.pid; exec sleep 6001\" & exec sleep 6000'\n\
         startsecs=0\nstoptree=true\n",
    )
    .expect("daemon starts");
    let file = d.dir().join("grandchild.pid");
    let read = || -> Vec<i32> {
        std::fs::read_to_string(&file)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    };
    wait_until(Duration::from_secs(20), "the grandchild", || {
        read().len() == 1
    });
    let first = read()[0];
    // Killed by pid when the test ends, whatever happens.
    struct Kill(i32);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(self.0),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
    let _first_guard = Kill(first);
    d.crash_and_restart(Implementation::Rust).expect("restarts");
    wait_until(Duration::from_secs(20), "a new grandchild", || {
        read().len() == 2
    });
    let _second_guard = Kill(read()[1]);
    let log = d.main_log();
    assert!(
        log.contains(&format!("killing pid {first} left in ")),
        "{log}"
    );
    wait_until(Duration::from_secs(10), "the old grandchild gone", || {
        !std::fs::read_to_string(format!("/proc/{first}/stat")).is_ok_and(|s| !s.contains(") Z "))
    });
}
