//! Listeners written with listener-sdk, under both daemons: the event-logger example as a
//! real `[eventlistener:x]` (issue 7), and the SDK's RPC client calling back over the unix
//! socket ([RPC-*], childutils discovery).

use std::time::Duration;

use listener_sdk::rpc::{RpcClient, RpcError};
use tests::{python_reference, rust_binary, wait_until, Daemon, Implementation};

fn sections() -> String {
    format!(
        "[program:sleeper]\ncommand=sleep 1000\nstartsecs=0\n\n\
         [eventlistener:log]\ncommand={}\nevents=PROCESS_STATE,REMOTE_COMMUNICATION\n\
         stderr_logfile=%(here)s/events.jsonl\nstartsecs=0\n",
        rust_binary("event-logger").display()
    )
}

fn scenario(which: Implementation) {
    let d = Daemon::start(which, &sections()).expect("daemon starts");
    let client = RpcClient::new(&d.server_url()).expect("url");
    wait_until(Duration::from_secs(10), "sleeper RUNNING", || {
        client
            .get_process_info("sleeper")
            .is_ok_and(|p| p.statename == "RUNNING" && p.pid > 0)
    });
    assert_eq!(client.get_state().expect("state"), "RUNNING");
    let before = client.get_process_info("sleeper").expect("info").pid;
    assert!(client.restart_process("sleeper").expect("restart"));
    let after = client.get_process_info("sleeper").expect("info");
    assert_eq!(after.statename, "RUNNING");
    assert_ne!(after.pid, before, "a new process");
    let all = client.get_all_process_info().expect("all");
    assert_eq!(all.len(), 2);
    match client.get_process_info("nosuch") {
        Err(RpcError::Fault { code: 10, string }) => assert_eq!(string, "BAD_NAME: nosuch"),
        other => panic!("expected BAD_NAME, got {other:?}"),
    }
    assert!(client
        .send_remote_comm_event("alert", "from the sdk")
        .expect("remote comm"));
    let log = d.dir().join("events.jsonl");
    let lines = || -> Vec<serde_json::Value> {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    };
    wait_until(Duration::from_secs(10), "the JSON lines", || {
        let l = lines();
        l.iter()
            .any(|e| e["eventname"] == "REMOTE_COMMUNICATION" && e["data"] == "from the sdk")
            && l.iter().any(|e| {
                e["eventname"] == "PROCESS_STATE_RUNNING"
                    && e["headers"]["pid"].as_str() == Some(after.pid.to_string().as_str())
            })
    });
    // SIGTERM (the listener's stopsignal) between events: a clean exit, status 0.
    assert!(client.stop_process("log", true).expect("stop"));
    wait_until(Duration::from_secs(10), "the listener's clean stop", || {
        d.main_log().contains("stopped: log (exit status 0)")
    });
}

#[test]
fn sdk_listener_and_client_under_python_reference() {
    if python_reference() {
        scenario(Implementation::Python);
    }
}

#[test]
fn sdk_listener_and_client_under_ours() {
    if python_reference() {
        scenario(Implementation::Rust);
    }
}

/// The tokio example under a real daemon: counts from its timer task in its stderr log,
/// and a clean exit (status 0) on SIGTERM despite tokio's uncancellable stdin read.
fn tokio_scenario(which: Implementation) {
    let sections = format!(
        "[program:sleeper]\ncommand=sleep 1000\nstartsecs=0\n\n\
         [eventlistener:rates]\ncommand={} --every 0.5\nevents=PROCESS_STATE\n\
         stderr_logfile=%(here)s/rates.jsonl\nstartsecs=0\n",
        rust_binary("event-rates").display()
    );
    let d = Daemon::start(which, &sections).expect("daemon starts");
    let client = RpcClient::new(&d.server_url()).expect("url");
    wait_until(Duration::from_secs(10), "sleeper RUNNING", || {
        client
            .get_process_info("sleeper")
            .is_ok_and(|p| p.statename == "RUNNING")
    });
    assert!(client.restart_process("sleeper").expect("restart"));
    let log = d.dir().join("rates.jsonl");
    wait_until(Duration::from_secs(10), "counted RUNNING events", || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .any(|v| v["counts"]["PROCESS_STATE_RUNNING"].as_u64().unwrap_or(0) >= 1)
    });
    assert!(client.stop_process("rates", true).expect("stop"));
    wait_until(
        Duration::from_secs(10),
        "the tokio listener's clean stop",
        || d.main_log().contains("stopped: rates (exit status 0)"),
    );
}

#[test]
fn tokio_listener_under_python_reference() {
    if python_reference() {
        tokio_scenario(Implementation::Python);
    }
}

#[test]
fn tokio_listener_under_ours() {
    if python_reference() {
        tokio_scenario(Implementation::Rust);
    }
}
