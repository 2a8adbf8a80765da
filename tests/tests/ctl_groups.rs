//! Python `supervisorctl` (4.3, from pip) changing the set of groups at run time: `avail`,
//! `reread`, `update`, `add`, `remove`, `clear` ([CTL-reread], [CTL-update],
//! [RPC-supervisor.reloadConfig], [RPC-supervisor.addProcessGroup],
//! [RPC-supervisor.removeProcessGroup], [RPC-supervisor.getAllConfigInfo],
//! [RPC-supervisor.clearProcessLogs]). The same scenario runs against both daemons and the
//! transcripts must be identical.

use std::time::Duration;

use tests::{python_reference, wait_until, Daemon, Implementation};

const FIRST: &str = "\
[program:alpha]\ncommand=sleep 1000\nstartsecs=0\n\n\
[program:beta]\ncommand=sleep 1001\nstartsecs=0\n\n\
[program:gamma]\ncommand=sleep 1002\nstartsecs=0\nautostart=false\n";

/// alpha changed (command), beta gone, delta new, gamma unchanged.
const SECOND: &str = "\
[program:alpha]\ncommand=sleep 2000\nstartsecs=0\n\n\
[program:gamma]\ncommand=sleep 1002\nstartsecs=0\nautostart=false\n\n\
[program:delta]\ncommand=sleep 1003\nstartsecs=0\npriority=5\n";

/// Runs the scenario; returns the transcript of every command with its output and status.
fn scenario(which: Implementation) -> String {
    let d = Daemon::start(which, FIRST).expect("daemon starts");
    let state = |name: &str| {
        d.rpc(&format!(
            "s.supervisor.getProcessInfo('{name}')['statename']"
        ))
        .unwrap_or_default()
    };
    wait_until(Duration::from_secs(10), "alpha and beta RUNNING", || {
        state("alpha") == "RUNNING" && state("beta") == "RUNNING"
    });
    let mut transcript = String::new();
    let mut run = |args: &[&str]| {
        let (out, code) = d.ctl(args).expect("supervisorctl runs");
        transcript.push_str(&format!(
            "$ supervisorctl {}\n{out}[exit {code}]\n",
            args.join(" ")
        ));
        out
    };
    run(&["avail"]);
    run(&["reread"]);
    d.rewrite_sections(SECOND, "debug").expect("rewrite");
    run(&["reread"]);
    run(&["avail"]);
    run(&["update"]);
    wait_until(
        Duration::from_secs(10),
        "delta and the new alpha RUNNING",
        || state("delta") == "RUNNING" && state("alpha") == "RUNNING",
    );
    run(&["reread"]);
    run(&["remove", "gamma"]);
    run(&["remove", "alpha"]);
    run(&["stop", "alpha"]);
    run(&["remove", "alpha"]);
    run(&["remove", "nosuch"]);
    run(&["add", "alpha"]);
    run(&["add", "alpha"]);
    run(&["add", "nosuch"]);
    wait_until(Duration::from_secs(10), "alpha RUNNING again", || {
        state("alpha") == "RUNNING"
    });
    run(&["clear", "alpha"]);
    run(&["clear", "nosuch"]);
    let group_events = d
        .rpc("[p['group'] for p in s.supervisor.getAllProcessInfo()]")
        .expect("rpc");
    transcript.push_str(&format!("groups: {group_events}\n"));
    // Every field but the log paths (AUTO names are random) and our extensions' keys
    // (COMPATIBILITY.md); the log fields' kinds too.
    let config = d
        .rpc(
            "[(sorted((k, v) for k, v in c.items() if not k.endswith('_logfile') \
             and k not in ('stoptree', 'stdout_log_timestamps', 'stderr_log_timestamps', \
             'depends_on', 'ready_check', 'ready_timeout', 'ready_interval', 'essential', \
             'backoff', 'backoff_max', 'fatal_retry_after')), \
             c['stdout_logfile'] in ('auto', 'none') or c['stdout_logfile'].startswith('/')) \
             for c in s.supervisor.getAllConfigInfo()]",
        )
        .expect("rpc");
    transcript.push_str(&format!("config: {config}\n"));
    let help = d
        .rpc("s.system.methodSignature('supervisor.addProcessGroup')")
        .expect("rpc");
    transcript.push_str(&format!("signature: {help}\n"));
    transcript
}

#[test]
fn groups_change_at_run_time_like_4_3() {
    if !python_reference() {
        return;
    }
    let ours = scenario(Implementation::Rust);
    let reference = scenario(Implementation::Python);
    assert_eq!(ours, reference, "ours:\n{ours}\nPython 4.3:\n{reference}");
    assert!(ours.contains("alpha: changed"), "{ours}");
    assert!(ours.contains("delta: added process group"), "{ours}");
}
