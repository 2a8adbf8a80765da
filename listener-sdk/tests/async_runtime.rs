//! The tokio runtime over a real in-memory duplex pipe, written to in small pieces.
#![cfg(feature = "tokio")]

use event_proto::{LenUnit, ProcessState};
use listener_sdk::testing::TestEvent;
use listener_sdk::{AsyncListener, Event};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn async_handler_answers_ok_and_fail() {
    let events = [
        TestEvent::process_state(ProcessState::Exited, "web", "web").expected(false),
        TestEvent::remote("kind", "dätä".as_bytes()),
    ];
    let input: Vec<u8> = events
        .iter()
        .enumerate()
        .flat_map(|(i, e)| e.encode(i as u64 + 1, LenUnit::Chars))
        .collect();
    let (mut feed, listener_in) = tokio::io::duplex(64);
    let (listener_out, mut answers) = tokio::io::duplex(1024);
    let writer = tokio::spawn(async move {
        for piece in input.chunks(3) {
            feed.write_all(piece).await.expect("write");
        }
    });
    let summary = AsyncListener::with_io(listener_in, listener_out)
        .run(|e: Event| async move {
            tokio::task::yield_now().await;
            if e.expected() == Some(false) {
                Err("crash")
            } else {
                Ok(())
            }
        })
        .await
        .expect("clean end");
    writer.await.expect("writer");
    assert_eq!((summary.received, summary.ok, summary.failed), (2, 1, 1));
    let mut text = String::new();
    answers.read_to_string(&mut text).await.expect("read");
    assert_eq!(text, "READY\nRESULT 4\nFAILREADY\nRESULT 2\nOKREADY\n");
}
