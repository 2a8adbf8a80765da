//! fatal-webhook as a subprocess against a loopback webhook that fails once, then accepts.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use event_proto::ProcessState;
use listener_sdk::testing::{Harness, TestEvent};

/// A webhook answering `statuses` in turn; returns its URL and the bodies received.
fn webhook(statuses: &'static [&'static str]) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&bodies);
    std::thread::spawn(move || {
        for (conn, status) in listener.incoming().flatten().zip(statuses) {
            let mut reader = BufReader::new(conn.try_clone().expect("clone"));
            let mut length = 0;
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                line.clear();
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            seen.lock()
                .expect("lock")
                .push(String::from_utf8_lossy(&body).into_owned());
            let mut conn = conn;
            let _ = write!(conn, "HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n");
        }
    });
    (url, bodies)
}

#[test]
fn posts_fatal_and_unexpected_exits_with_retry() {
    let (url, bodies) = webhook(&["503 Service Unavailable", "200 OK", "200 OK"]);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fatal-webhook"));
    cmd.args([
        "--exited",
        "-b",
        "0.05",
        "-n",
        "box1",
        "-H",
        "X-Token: s3cret",
    ])
    .arg(&url);
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
    let bodies = bodies.lock().expect("lock").clone();
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
