//! 200 programs on both daemons: all reach RUNNING, and a shutdown leaves none behind
//! (issue 4).

use std::time::Duration;

use listener_sdk::rpc::RpcClient;
use nix::sys::signal::kill;
use nix::unistd::Pid;
use tests::{python_reference, wait_until, Daemon, Implementation};

fn two_hundred(which: Implementation) {
    let mut sections = String::new();
    for i in 0..200 {
        sections.push_str(&format!(
            "[program:p{i:03}]\ncommand=sleep 1000\nstartsecs=0\nstdout_logfile=NONE\nstderr_logfile=NONE\n\n"
        ));
    }
    let d = Daemon::start(which, &sections).expect("daemon starts");
    let client = RpcClient::new(&d.server_url()).expect("url");
    wait_until(Duration::from_secs(60), "200 programs RUNNING", || {
        client
            .get_all_process_info()
            .is_ok_and(|all| all.len() == 200 && all.iter().all(|p| p.statename == "RUNNING"))
    });
    let pids: Vec<u32> = client
        .get_all_process_info()
        .expect("info")
        .iter()
        .map(|p| p.pid)
        .collect();
    let log = d.stop_and_read_log();
    assert_eq!(
        log.matches("stopped: p").count(),
        200,
        "every program stopped"
    );
    let alive: Vec<&u32> = pids
        .iter()
        .filter(|&&p| {
            kill(Pid::from_raw(p as i32), None).is_ok()
                && !std::fs::read_to_string(format!("/proc/{p}/stat")).is_ok_and(|s| {
                    s.rsplit(')')
                        .next()
                        .is_some_and(|r| r.trim_start().starts_with('Z'))
                })
        })
        .collect();
    assert!(alive.is_empty(), "{which:?} left {alive:?} running");
}

#[test]
fn two_hundred_programs_python_reference() {
    if python_reference() {
        two_hundred(Implementation::Python);
    }
}

#[test]
fn two_hundred_programs_ours() {
    if python_reference() {
        two_hundred(Implementation::Rust);
    }
}
