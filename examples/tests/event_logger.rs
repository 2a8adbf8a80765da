//! `event-logger` as a real subprocess with scripted stdin: exact protocol bytes on stdout,
//! one JSON line per event on stderr.

use std::io::Write;
use std::process::{Command, Stdio};

#[test]
fn acknowledges_every_event_and_logs_json_lines() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_event-logger"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn event-logger");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(
            b"ver:3.0 server:supervisor serial:0 pool:events poolserial:0 eventname:PROCESS_STATE_RUNNING len:64\nprocessname:talker groupname:talker from_state:STARTING pid:8745\
              ver:3.0 server:supervisor serial:1 pool:events poolserial:1 eventname:REMOTE_COMMUNICATION len:14\ntype:caf\xc3\xa9\n\xc3\xbcber",
        )
        .expect("write");
    drop(stdin); // EOF ends the listener
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "READY\nRESULT 2\nOKREADY\nRESULT 2\nOKREADY\n"
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["eventname"], "PROCESS_STATE_RUNNING");
    assert_eq!(lines[0]["headers"]["pid"], "8745");
    assert_eq!(
        lines[1]["data"], "\u{fc}ber",
        "len counted in characters, as 4.3 sends it"
    );
}
