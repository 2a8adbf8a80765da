//! Stopping, on both daemons with the same config (issue 4): SIGKILL after `stopwaitsecs` for
//! a child that ignores SIGTERM ([PROC-STOP-kill]); `stopasgroup` reaching grandchildren
//! ([PROC-STOP-signal]); start in ascending and stop in descending priority order
//! ([PROC-PRIO-start], [PROC-PRIO-stop]). The lines compared are 4.3's log lines.

use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tests::{python_reference, wait_until, Daemon, Implementation};

const SECTIONS: &str = "\
[program:stubborn]\ncommand=sh -c 'trap \"\" TERM; while true; do sleep 0.1; done'\nstartsecs=0\nstopwaitsecs=1\npriority=30\n\n\
[program:family]\ncommand=sh -c 'sleep 1000 & echo $! > %(here)s/grandchild.pid; wait'\nstartsecs=0\nstopasgroup=true\npriority=20\n\n\
[program:first]\ncommand=sleep 1000\nstartsecs=0\npriority=10\n";

/// The main-log lines about starting and stopping, pids replaced, in order.
fn lifecycle(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|l| l.get(24..))
        .filter(|m| m.contains("spawned:") || m.contains("stopped:") || m.contains("with SIGKILL"))
        .map(|m| {
            m.split(' ')
                .map(|w| {
                    let t = w.trim_matches(|c: char| "(),".contains(c));
                    if t.parse::<u32>().is_ok() {
                        w.replace(t, "N")
                    } else {
                        w.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn alive(pid: i32) -> bool {
    kill(Pid::from_raw(pid), None).is_ok()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
            s.rsplit(')')
                .next()
                .is_some_and(|r| r.trim_start().starts_with('Z'))
        })
}

fn scenario(which: Implementation) -> Vec<String> {
    let d = Daemon::start(which, SECTIONS).expect("daemon starts");
    let gc_file = d.dir().join("grandchild.pid");
    wait_until(Duration::from_secs(10), "the grandchild's pid", || {
        std::fs::read_to_string(&gc_file).is_ok_and(|s| s.trim().parse::<i32>().is_ok())
    });
    let grandchild: i32 = std::fs::read_to_string(&gc_file)
        .expect("pid file")
        .trim()
        .parse()
        .expect("pid");
    assert!(alive(grandchild));
    // stopasgroup: the whole group goes, grandchild included.
    d.rpc("s.supervisor.stopProcess('family')")
        .expect("stop family");
    wait_until(Duration::from_secs(10), "the grandchild gone", || {
        !alive(grandchild)
    });
    d.rpc("s.supervisor.startProcess('family')")
        .expect("start family");
    // SIGTERM ignored: SIGKILL after stopwaitsecs.
    d.rpc("s.supervisor.stopProcess('stubborn')")
        .expect("stop stubborn");
    d.rpc("s.supervisor.startProcess('stubborn')")
        .expect("start stubborn");
    wait_until(
        Duration::from_secs(10),
        "the second family's grandchild",
        || {
            std::fs::read_to_string(&gc_file)
                .ok()
                .and_then(|s| s.trim().parse::<i32>().ok())
                .is_some_and(|p| p != grandchild)
        },
    );
    let second: Option<i32> = std::fs::read_to_string(&gc_file)
        .ok()
        .and_then(|s| s.trim().parse().ok());
    // Shutdown order: descending priority.
    let lines = lifecycle(&d.stop_and_read_log());
    if let Some(pid) = second {
        // stopasgroup took it at shutdown; this only guards against a failing assertion.
        let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
    }
    lines
}

#[test]
fn stopping_like_4_3() {
    if !python_reference() {
        return;
    }
    let ours = scenario(Implementation::Rust);
    let reference = scenario(Implementation::Python);
    assert_eq!(ours, reference, "ours (left) vs Python 4.3 (right)");
    assert!(
        ours.iter()
            .any(|l| l.contains("killing 'stubborn' (N) with SIGKILL")),
        "{ours:?}"
    );
    let starts: Vec<&String> = ours
        .iter()
        .filter(|l| l.contains("spawned:"))
        .take(3)
        .collect();
    assert!(
        starts[0].contains("'first'") && starts[2].contains("'stubborn'"),
        "{starts:?}"
    );
}

/// SIGTERM while 60 programs are still STARTING (startsecs=5): every one is stopped, group
/// by group in descending priority, and nothing is left running (issue 9).
#[test]
fn sigterm_during_a_start_storm_stops_everything_in_priority_order() {
    if !python_reference() {
        return;
    }
    let mut sections = String::new();
    for i in 0..60 {
        sections.push_str(&format!(
            "[program:s{i:02}]\ncommand=sleep 1000\nstartsecs=5\npriority={}\nstdout_logfile=NONE\nstderr_logfile=NONE\n\n",
            100 + (i % 3) * 100
        ));
    }
    let d = Daemon::start(Implementation::Rust, &sections).expect("daemon starts");
    let client = listener_sdk::rpc::RpcClient::new(&d.server_url()).expect("url");
    let infos = client.get_all_process_info().expect("info");
    assert!(
        infos.iter().any(|p| p.statename == "STARTING"),
        "the storm is still starting when SIGTERM arrives"
    );
    let pids: Vec<i32> = infos.iter().map(|p| p.pid as i32).collect();
    let log = d.stop_and_read_log();
    let stopped: Vec<u32> = log
        .lines()
        .filter_map(|l| l.split("stopped: s").nth(1))
        .filter_map(|rest| rest.get(..2)?.parse::<u32>().ok())
        .map(|i| 100 + (i % 3) * 100)
        .collect();
    assert_eq!(stopped.len(), 60, "every program stopped: {log}");
    assert!(
        stopped.windows(2).all(|w| w[0] >= w[1]),
        "descending priority: {stopped:?}"
    );
    let alive: Vec<&i32> = pids.iter().filter(|&&p| p > 0 && alive(p)).collect();
    assert!(alive.is_empty(), "left running: {alive:?}");
}
