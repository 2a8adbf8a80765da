//! `sendProcessStdin` to a child that never reads: the daemon holds a bounded amount and then
//! refuses with FAILED, while a child that reads gets everything (a deliberate difference
//! from 4.3, which buffers without limit; see COMPATIBILITY.md).

use std::time::Duration;

use listener_sdk::rpc::{RpcClient, RpcError};
use supervisor_core::daemon::pipes::STDIN_QUEUE_LIMIT;
use tests::{python_reference, wait_until, Daemon, Implementation};

#[test]
fn stdin_to_a_child_that_never_reads_is_bounded_then_refused_with_failed() {
    if !python_reference() {
        return;
    }
    let d = Daemon::start(
        Implementation::Rust,
        "[program:deaf]\ncommand=sleep 600\nstartsecs=0\n\n\
         [program:reader]\ncommand=cat\nstartsecs=0\nstdout_logfile=%(here)s/reader.log\n",
    )
    .expect("daemon");
    let client = RpcClient::new(&d.server_url()).expect("client");
    wait_until(Duration::from_secs(10), "both RUNNING", || {
        client
            .get_all_process_info()
            .is_ok_and(|all| all.iter().filter(|p| p.statename == "RUNNING").count() == 2)
    });
    let piece = "x".repeat(256 * 1024);
    let mut accepted = 0usize;
    let refusal = loop {
        match client.send_process_stdin("deaf", &piece) {
            Ok(_) => accepted += piece.len(),
            Err(e) => break e,
        }
        assert!(
            accepted <= 4 * STDIN_QUEUE_LIMIT,
            "{accepted} bytes accepted for a child that reads nothing"
        );
    };
    match refusal {
        RpcError::Fault { code, string } => {
            assert_eq!(code, 30, "FAILED: {string}");
            assert!(string.contains("not read yet"), "{string}");
        }
        other => panic!("expected a FAILED fault, got {other:?}"),
    }
    // What was accepted is at most the limit, plus what the pipe itself holds (the writer
    // has it in hand, up to 1 MiB if the pipe grew).
    assert!(
        accepted >= STDIN_QUEUE_LIMIT && accepted <= STDIN_QUEUE_LIMIT + (1 << 20) + piece.len(),
        "accepted {accepted}"
    );
    // The daemon answers, and a child that reads gets every byte sent to it.
    for i in 0..20 {
        client
            .send_process_stdin("reader", &format!("line {i}\n"))
            .expect("send to a reader");
    }
    let log = d.dir().join("reader.log");
    wait_until(Duration::from_secs(10), "the reader's 20 lines", || {
        std::fs::read_to_string(&log).is_ok_and(|t| t.lines().count() == 20)
    });
}
