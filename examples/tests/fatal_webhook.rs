//! fatal-webhook as a subprocess against a loopback webhook that fails once, then accepts.

use std::process::Command;
use std::time::Duration;

use event_proto::ProcessState;
use listener_sdk::testing::{FakeHttp, Harness, TestEvent};

#[test]
fn posts_fatal_and_unexpected_exits_with_retry() {
    let hook = FakeHttp::start(&["503 Service Unavailable", "200 OK"], "").expect("webhook");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fatal-webhook"));
    cmd.args([
        "--exited",
        "-b",
        "0.05",
        "-n",
        "box1",
        "-H",
        "X-Token: s3cret",
        "--spool",
    ])
    .arg(std::env::temp_dir().join(format!("fatal-webhook-test-{}.spool", std::process::id())))
    .arg(hook.url());
    let run = Harness::new()
        .run_binary(
            cmd,
            &[
                TestEvent::process_state(ProcessState::Fatal, "web", "site"),
                TestEvent::process_state(ProcessState::Running, "web", "site"),
                TestEvent::process_state(ProcessState::Exited, "db", "db")
                    .expected(false)
                    .pid(77),
                TestEvent::process_state(ProcessState::Exited, "db", "db").expected(true),
            ],
            Duration::from_secs(20),
        )
        .expect("runs");
    assert!(
        run.transcript.all_ok() && run.transcript.results.len() == 4,
        "{run:?}"
    );
    assert!(
        run.exit.is_some_and(|s| s.success()),
        "drains and exits: {run:?}"
    );
    let requests = hook.requests();
    assert_eq!(requests[0].header("X-Token"), Some("s3cret"));
    assert_eq!(requests[0].header("Content-Type"), Some("application/json"));
    let bodies: Vec<String> = requests.iter().map(|r| r.text()).collect();
    assert_eq!(
        bodies.len(),
        3,
        "one retry, two alerts: {bodies:?}\n{}",
        run.stderr
    );
    let first: serde_json::Value = serde_json::from_str(&bodies[1]).expect("json");
    assert_eq!(first["event"], "PROCESS_STATE_FATAL");
    assert_eq!(first["namespec"], "site:web");
    assert_eq!(first["host"], "box1");
    assert_eq!(bodies[0], bodies[1], "the retry sends the same alert");
    let second: serde_json::Value = serde_json::from_str(&bodies[2]).expect("json");
    assert_eq!(second["event"], "PROCESS_STATE_EXITED");
    assert_eq!(second["pid"], 77);
    assert_eq!(second["expected"], false);
    assert!(run.stderr.contains("retry 1/5"), "{}", run.stderr);
}
