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
                Err("crash".into())
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

fn script(events: &[TestEvent]) -> Vec<u8> {
    listener_sdk::testing::Harness::new().script(events)
}

/// Runs the async listener over a duplex pipe fed in `piece`-byte chunks; returns what it
/// wrote and its result.
async fn run_async<F>(
    input: Vec<u8>,
    piece: usize,
    run: F,
) -> (
    String,
    Result<listener_sdk::RunSummary, listener_sdk::RunError>,
)
where
    F: FnOnce(
        AsyncListener<tokio::io::DuplexStream, tokio::io::DuplexStream>,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<
                Output = Result<listener_sdk::RunSummary, listener_sdk::RunError>,
            >,
        >,
    >,
{
    let (mut feed, listener_in) = tokio::io::duplex(64);
    let (listener_out, mut answers) = tokio::io::duplex(1 << 16);
    let writer = tokio::spawn(async move {
        for p in input.chunks(piece) {
            if feed.write_all(p).await.is_err() {
                break;
            }
        }
    });
    let result = run(AsyncListener::with_io(listener_in, listener_out)).await;
    writer.await.expect("writer");
    let mut text = String::new();
    answers.read_to_string(&mut text).await.expect("read");
    (text, result)
}

#[tokio::test]
async fn both_runtimes_answer_alike_views_included() {
    use listener_sdk::event_proto::payload::{Channel, PayloadView};
    use listener_sdk::{Listener, Verdict};
    let events = [
        TestEvent::log(Channel::Stderr, "web", "web", b"ERROR one\n"),
        TestEvent::log(Channel::Stdout, "web", "web", b"fine\n"),
        TestEvent::process_state(ProcessState::Fatal, "db", "db"),
    ];
    let input = script(&events);
    let judge = |data: &[u8]| {
        if data.windows(5).any(|w| w == b"ERROR") {
            Verdict::Fail
        } else {
            Verdict::Ok
        }
    };
    let mut blocking_out = Vec::new();
    let blocking = Listener::with_io(&input[..], &mut blocking_out)
        .run_views(|e| match e.payload() {
            Ok(PayloadView::ProcessLog(log)) => judge(log.data),
            _ => Verdict::Ok,
        })
        .expect("blocking run");
    let (async_out, summary) = run_async(input.clone(), 5, |l| {
        Box::pin(l.run_views(move |e| match e.payload() {
            Ok(PayloadView::ProcessLog(log)) => judge(log.data),
            _ => Verdict::Ok,
        }))
    })
    .await;
    assert_eq!(async_out, String::from_utf8(blocking_out).expect("utf8"));
    assert_eq!(summary.expect("async run"), blocking);
    assert_eq!(
        async_out,
        "READY\nRESULT 4\nFAILREADY\nRESULT 2\nOKREADY\nRESULT 2\nOKREADY\n"
    );
}

#[tokio::test]
async fn limits_and_truncation_are_errors() {
    use listener_sdk::event_proto::Limits;
    use listener_sdk::{RunError, Verdict};
    let big = TestEvent::remote("kind", &[b'x'; 4096]);
    let limits = Limits {
        max_payload_len: 100,
        ..Limits::default()
    };
    let (_, result) = run_async(script(&[big]), 512, move |l| {
        Box::pin(l.limits(limits).run_verdicts(|_| async { Verdict::Ok }))
    })
    .await;
    assert!(matches!(result, Err(RunError::Protocol(_))), "{result:?}");
    let mut cut = script(&[TestEvent::supervisor_running()]);
    cut.truncate(cut.len() - 3);
    let (_, result) = run_async(cut, 7, |l| {
        Box::pin(l.run_verdicts(|_| async { Verdict::Ok }))
    })
    .await;
    assert!(matches!(result, Err(RunError::Truncated(_))), "{result:?}");
}
