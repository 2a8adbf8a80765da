//! The blocking runtime over real in-memory streams: framing under every chunking, answers,
//! filters, end of input, buffered mode.

use std::io::{self, Read};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use event_proto::payload::Channel;
use event_proto::{EventType, LenUnit, ListenerResult, ProcessState};
use listener_sdk::testing::{Harness, TestEvent};
use listener_sdk::{Batcher, BoundedQueue, Event, Filter, Listener, RunError, Verdict};

/// A reader that returns at most `n` bytes per read, as a pipe may.
struct Trickle<'a> {
    data: &'a [u8],
    n: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.n.min(buf.len()).min(self.data.len());
        buf[..k].copy_from_slice(&self.data[..k]);
        self.data = &self.data[k..];
        Ok(k)
    }
}

fn script(events: &[TestEvent], unit: LenUnit) -> Vec<u8> {
    events
        .iter()
        .enumerate()
        .flat_map(|(i, e)| e.encode(i as u64 + 1, unit))
        .collect()
}

fn sample() -> Vec<TestEvent> {
    vec![
        TestEvent::supervisor_running(),
        TestEvent::process_state(ProcessState::Exited, "web", "web")
            .expected(false)
            .pid(42),
        TestEvent::log(Channel::Stdout, "web", "web", "héllo wörld\n".as_bytes()),
        TestEvent::tick(EventType::Tick60, 1_700_000_040),
        TestEvent::remote("kind", b"data\nwith newline"),
    ]
}

#[test]
fn every_chunking_and_both_len_units_give_the_same_events() {
    for unit in [LenUnit::Chars, LenUnit::Bytes] {
        let input = script(&sample(), unit);
        for n in [1, 2, 7, 64, 1 << 16] {
            let mut seen = Vec::new();
            let mut out = Vec::new();
            let summary = Listener::with_io(Trickle { data: &input, n }, &mut out)
                .run_verdicts(|e| {
                    seen.push((
                        e.name().to_owned(),
                        e.serial(),
                        e.text_lossy().map(|t| t.into_owned()),
                    ));
                    Verdict::Ok
                })
                .expect("clean end");
            assert_eq!(summary.received, 5, "chunk {n}, {unit:?}");
            assert_eq!(seen[2].2.as_deref(), Some("héllo wörld\n"), "chunk {n}");
            assert_eq!(seen[4].2.as_deref(), Some("data\nwith newline"));
            let text = String::from_utf8(out).expect("ascii");
            assert_eq!(text.matches("READY\n").count(), 6);
            assert_eq!(text.matches("RESULT 2\nOK").count(), 5);
        }
    }
}

#[test]
fn accessors_give_the_fields_of_each_family() {
    let mut got = Vec::new();
    Harness::new().run_handler(&sample(), |e: &Event| {
        got.push(e.clone());
        Verdict::Ok
    });
    let exited = &got[1];
    assert!(exited.is(EventType::ProcessState));
    assert!(exited.is(EventType::ProcessStateExited));
    assert!(!exited.is(EventType::Tick));
    assert_eq!(exited.process_name(), Some("web"));
    assert_eq!(exited.namespec().as_deref(), Some("web"));
    assert_eq!(exited.from_state(), Some(ProcessState::Running));
    assert_eq!(exited.to_state(), Some(ProcessState::Exited));
    assert_eq!(exited.expected(), Some(false));
    assert_eq!(exited.pid(), Some(42));
    assert_eq!(exited.tries(), None);
    assert_eq!(got[2].channel(), Some(Channel::Stdout));
    assert_eq!(got[3].tick_when(), Some(1_700_000_040));
    assert_eq!(got[4].remote_kind(), Some("kind"));
    assert_eq!(got[0].process_name(), None);
}

#[test]
fn errors_answer_fail_and_the_filter_skips() {
    let events = sample();
    let filter = Filter::new()
        .event(EventType::ProcessState)
        .event(EventType::ProcessLog)
        .process("web");
    let mut calls = 0;
    let input = script(&events, LenUnit::Chars);
    let mut out = Vec::new();
    let summary = Listener::with_io(&input[..], &mut out)
        .filter(filter)
        .run(|e: &Event| {
            calls += 1;
            if e.is(EventType::ProcessLog) {
                Err("cannot handle logs".into())
            } else {
                Ok(())
            }
        })
        .expect("clean end");
    assert_eq!(calls, 2);
    assert_eq!((summary.ok, summary.failed, summary.skipped), (1, 1, 3));
    let text = String::from_utf8(out).expect("ascii");
    assert_eq!(text.matches("RESULT 4\nFAIL").count(), 1);
}

#[test]
fn borrowed_runs_see_what_owned_runs_see_and_answer_the_same() {
    let mut events = sample();
    events.push(TestEvent::log(Channel::Stderr, "db", "db", b"not web\n"));
    events.push(TestEvent::process_state(ProcessState::Running, "web", "web").pid(43));
    let filter = || {
        Filter::new()
            .event(EventType::ProcessState)
            .event(EventType::ProcessLog)
            .process("web")
    };
    for unit in [LenUnit::Chars, LenUnit::Bytes] {
        let input = script(&events, unit);
        let (mut owned, mut out_owned) = (Vec::new(), Vec::new());
        let owned_summary = Listener::with_io(&input[..], &mut out_owned)
            .filter(filter())
            .run_verdicts(|e| {
                owned.push((e.serial(), e.payload().clone()));
                if e.is(EventType::ProcessLog) {
                    Verdict::Fail
                } else {
                    Verdict::Ok
                }
            })
            .expect("clean end");
        for n in [1, 7, 1 << 16] {
            let (mut borrowed, mut out) = (Vec::new(), Vec::new());
            let summary = Listener::with_io(Trickle { data: &input, n }, &mut out)
                .filter(filter())
                .run_views(|e| {
                    let payload = e.payload().expect("valid payload").to_payload();
                    borrowed.push((e.header.serial, payload));
                    if e.header
                        .event_type
                        .is_some_and(|t| t.is_a(EventType::ProcessLog))
                    {
                        Verdict::Fail
                    } else {
                        Verdict::Ok
                    }
                })
                .expect("clean end");
            assert_eq!(borrowed, owned, "chunk {n}, {unit:?}");
            assert_eq!(summary, owned_summary);
            assert_eq!(out, out_owned, "the same answers");
        }
        assert_eq!(owned.len(), 3, "the filter kept web's state and log events");
        assert_eq!((owned_summary.ok, owned_summary.failed), (2, 1));
        assert_eq!(owned_summary.skipped, 4);
    }
}

#[test]
fn input_ending_inside_an_event_is_an_error_not_a_hang() {
    let input = script(&sample()[..2], LenUnit::Chars);
    let cut = &input[..input.len() - 3];
    let err = Listener::with_io(cut, Vec::new())
        .run_verdicts(|_| Verdict::Ok)
        .expect_err("truncated");
    assert!(matches!(err, RunError::Truncated(_)), "{err}");
    let garbage = b"this is not a header\n".to_vec();
    let err = Listener::with_io(&garbage[..], Vec::new())
        .run_verdicts(|_| Verdict::Ok)
        .expect_err("garbage");
    assert!(matches!(err, RunError::Protocol(_)), "{err}");
}

#[test]
fn the_harness_sees_fail_and_readiness() {
    let (t, _) = Harness::new().run_handler(&sample(), |e| {
        if e.is(EventType::Tick) {
            Verdict::Fail
        } else {
            Verdict::Ok
        }
    });
    assert_eq!(t.results.len(), 5);
    assert_eq!(t.results[3], ListenerResult::Fail);
    assert!(!t.all_ok());
    assert_eq!(t.readies, 6);
    assert!(t.violations.is_empty());
}

#[test]
fn buffered_mode_acknowledges_at_once_and_drops_the_oldest() {
    let events: Vec<TestEvent> = (0..20)
        .map(|i| TestEvent::remote("n", format!("{i}").as_bytes()))
        .collect();
    let input = script(&events, LenUnit::Chars);
    let handled = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&handled);
    let mut out = Vec::new();
    let summary = Listener::with_io(&input[..], &mut out)
        .run_buffered(4, move |e: Event| {
            // A slow notifier: the protocol side must not wait for it.
            std::thread::sleep(Duration::from_millis(20));
            seen.lock()
                .expect("lock")
                .push(e.text_lossy().unwrap_or_default().into_owned());
            Ok::<(), String>(())
        })
        .expect("clean end");
    let text = String::from_utf8(out).expect("ascii");
    assert_eq!(text.matches("RESULT 2\nOK").count(), 20, "all acknowledged");
    let handled = handled.lock().expect("lock").clone();
    assert_eq!(summary.handled as usize, handled.len());
    assert_eq!(summary.handled + summary.dropped, 20, "{summary:?}");
    assert!(summary.dropped > 0, "{summary:?}");
    assert_eq!(
        handled.last().map(String::as_str),
        Some("19"),
        "newest kept"
    );
}

#[test]
fn bounded_queue_drops_the_oldest_and_drains_after_close() {
    let q = BoundedQueue::new(2);
    assert_eq!(q.push(1), None);
    assert_eq!(q.push(2), None);
    assert_eq!(q.push(3), Some(1));
    assert_eq!(q.dropped(), 1);
    q.close();
    assert_eq!((q.pop(), q.pop(), q.pop()), (Some(2), Some(3), None));
}

#[test]
fn batcher_flushes_on_size_and_on_tick_60() {
    let mut b = Batcher::new(3);
    assert_eq!(b.push("a"), None);
    assert_eq!(b.push("b"), None);
    assert_eq!(b.push("c"), Some(vec!["a", "b", "c"]));
    assert!(b.is_empty());
    b.push("d");
    let mut flushed = Vec::new();
    Harness::new().run_handler(
        &[
            TestEvent::tick(EventType::Tick5, 5),
            TestEvent::tick(EventType::Tick60, 60),
        ],
        |e| {
            if let Some(batch) = b.on_event(e) {
                flushed.push((e.name().to_owned(), batch));
            }
            Verdict::Ok
        },
    );
    assert_eq!(flushed, vec![("TICK_60".to_owned(), vec!["d"])]);
}
