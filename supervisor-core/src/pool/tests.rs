//! Pool state machine tests: each scenario is one of 4.3's pool behaviours ([EV-*]), driven without processes.

use bytes::Bytes;
use event_proto::payload::{ProcessGroupPayload, RemoteCommunicationPayload};
use event_proto::{EventMask, EventType, LenUnit, ListenerState, Payload, Text};

use super::*;
use crate::events::EventBus;

fn settings(name: &str, events: &str, buffer_size: usize) -> PoolSettings {
    PoolSettings {
        name: name.to_owned(),
        events: EventMask::parse_list(events).expect("valid events"),
        buffer_size,
        len_unit: LenUnit::Chars,
        server: "supervisor".to_owned(),
        exit_details: false,
    }
}

fn remote(data: &str) -> Payload {
    Payload::RemoteCommunication(RemoteCommunicationPayload {
        kind: Text::from("gen"),
        data: Bytes::copy_from_slice(data.as_bytes()),
    })
}

/// A bus plus pools, collecting what they ask for.
struct Rig {
    bus: EventBus,
    pools: Vec<Pool>,
    out: Vec<(usize, PoolAction)>,
}

impl Rig {
    fn new(pools: Vec<Pool>) -> Rig {
        Rig {
            bus: EventBus::new(),
            pools,
            out: Vec::new(),
        }
    }

    fn emit_remote(&mut self, data: &str) {
        self.bus.emit(
            EventType::RemoteCommunication,
            &remote(data),
            &mut self.pools,
            &mut self.out,
        );
    }

    fn start(&mut self, p: usize, l: usize) {
        let mut out = Vec::new();
        self.pools[p].listener_spawned(l);
        self.pools[p].listener_running(l, true, &mut out);
        self.out.extend(out.into_iter().map(|a| (p, a)));
    }

    fn write(&mut self, p: usize, l: usize, bytes: &[u8]) {
        let mut out = Vec::new();
        self.pools[p].listener_output(l, bytes, &mut out);
        self.out.extend(out.into_iter().map(|a| (p, a)));
    }

    fn exit(&mut self, p: usize, l: usize) {
        let mut out = Vec::new();
        self.pools[p].listener_exited(l, &mut out);
        self.out.extend(out.into_iter().map(|a| (p, a)));
    }

    /// Sends since the last call, as (pool, listener, bytes).
    fn sends(&mut self) -> Vec<(usize, usize, String)> {
        self.take()
            .into_iter()
            .filter_map(|(p, a)| match a {
                PoolAction::Send { listener, bytes } => {
                    Some((p, listener, String::from_utf8_lossy(&bytes).into_owned()))
                }
                _ => None,
            })
            .collect()
    }

    fn take(&mut self) -> Vec<(usize, PoolAction)> {
        std::mem::take(&mut self.out)
    }
}

fn logs(actions: &[(usize, PoolAction)]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|(_, a)| match a {
            PoolAction::Log(l) => Some(format!("{} {}", l.level.code(), l.message)),
            _ => None,
        })
        .collect()
}

fn serial_of(envelope: &str) -> &str {
    envelope
        .split(' ')
        .find_map(|t| t.strip_prefix("serial:"))
        .expect("serial token")
}

#[test]
fn fail_then_ok_redelivers_identical_bytes_ev_proto_transcript() {
    let mut rig = Rig::new(vec![Pool::new(
        settings("fails", "REMOTE_COMMUNICATION", 10),
        vec!["fails".into()],
    )]);
    rig.start(0, 0);
    rig.write(0, 0, b"READY\n");
    rig.emit_remote("0");
    let expected = "ver:3.0 server:supervisor serial:0 pool:fails poolserial:0 eventname:REMOTE_COMMUNICATION len:10\ntype:gen\n0";
    assert_eq!(rig.sends(), vec![(0, 0, expected.to_owned())]);
    rig.write(0, 0, b"RESULT 4\nFAIL");
    let actions = rig.take();
    assert_eq!(
        logs(&actions),
        [
            "WARN fails: event was rejected",
            "DEBG rebuffering event 0 for pool fails (buf size=0, max=10)",
            "DEBG fails: BUSY -> ACKNOWLEDGED",
        ]
    );
    rig.write(0, 0, b"READY\n");
    assert_eq!(
        rig.sends(),
        vec![(0, 0, expected.to_owned())],
        "same serial and poolserial"
    );
    rig.write(0, 0, b"RESULT 2\nOKREADY\n");
    let l = logs(&rig.take());
    assert!(
        l.contains(&"DEBG fails: event was processed".to_owned()),
        "{l:?}"
    );
    assert!(
        l.contains(&"DEBG fails: ACKNOWLEDGED -> READY".to_owned()),
        "{l:?}"
    );
    let c = rig.pools[0].counters();
    assert_eq!(
        (
            c.accepted,
            c.sent,
            c.delivered,
            c.rejected,
            c.rebuffered,
            c.dropped
        ),
        (1, 2, 1, 1, 1, 0)
    );
}

#[test]
fn overflow_drops_the_oldest_ev_buf_overflow() {
    let mut rig = Rig::new(vec![Pool::new(
        settings("over", "REMOTE_COMMUNICATION", 3),
        vec!["slow".into()],
    )]);
    rig.start(0, 0);
    rig.write(0, 0, b"READY\n");
    for i in 0..7 {
        rig.emit_remote(&i.to_string());
    }
    let actions = rig.take();
    let errors: Vec<_> = logs(&actions)
        .into_iter()
        .filter(|l| l.starts_with("ERRO"))
        .collect();
    assert_eq!(
        errors,
        [
            "ERRO pool over event buffer overflowed, discarding event 1",
            "ERRO pool over event buffer overflowed, discarding event 2",
            "ERRO pool over event buffer overflowed, discarding event 3",
        ]
    );
    let mut delivered = Vec::new();
    for _ in 0..4 {
        rig.write(0, 0, b"RESULT 2\nOKREADY\n");
        delivered.extend(
            rig.sends()
                .into_iter()
                .map(|(_, _, s)| serial_of(&s).to_owned()),
        );
    }
    assert_eq!(delivered, ["4", "5", "6"]);
    let c = rig.pools[0].counters();
    assert_eq!(
        (c.accepted, c.delivered, c.dropped),
        (7, 4, 3),
        "every event delivered or counted dropped"
    );
}

#[test]
fn rebuffer_into_a_full_queue_drops_the_head_ev_buf_rebuffer() {
    let mut rig = Rig::new(vec![Pool::new(
        settings("p", "REMOTE_COMMUNICATION", 2),
        vec!["l".into()],
    )]);
    rig.start(0, 0);
    rig.write(0, 0, b"READY\n");
    for i in 0..3 {
        rig.emit_remote(&i.to_string());
    }
    rig.take();
    rig.write(0, 0, b"RESULT 4\nFAIL");
    let l = logs(&rig.take());
    assert!(
        l.contains(&"ERRO pool p event buffer overflowed, discarding event 1".to_owned()),
        "{l:?}"
    );
    rig.write(0, 0, b"READY\n");
    assert_eq!(
        serial_of(&rig.sends()[0].2),
        "0",
        "the rejected event is at the head"
    );
}

#[test]
fn first_ready_listener_in_order_wins_ev_pool_choice() {
    let mut rig = Rig::new(vec![Pool::new(
        settings("pair", "REMOTE_COMMUNICATION", 10),
        vec!["pair_0".into(), "pair_1".into()],
    )]);
    rig.start(0, 0);
    rig.start(0, 1);
    rig.write(0, 1, b"READY\n");
    rig.write(0, 0, b"READY\n");
    rig.emit_remote("a");
    rig.write(0, 0, b"RESULT 2\nOKREADY\n");
    rig.emit_remote("b");
    rig.emit_remote("c");
    let got: Vec<_> = rig
        .sends()
        .into_iter()
        .map(|(_, l, s)| (l, serial_of(&s).to_owned()))
        .collect();
    assert_eq!(got, [(0, "0".into()), (0, "1".into()), (1, "2".into())]);
}

#[test]
fn only_running_listeners_get_events_ev_pool_running() {
    let mut rig = Rig::new(vec![Pool::new(
        settings("p", "EVENT", 10),
        vec!["l".into()],
    )]);
    rig.pools[0].listener_spawned(0);
    rig.write(0, 0, b"READY\n");
    rig.emit_remote("x");
    assert!(rig.sends().is_empty(), "STARTING listener got an event");
    assert_eq!(rig.pools[0].queued(), 1);
    let mut out = Vec::new();
    rig.pools[0].listener_running(0, true, &mut out);
    assert!(out
        .iter()
        .any(|a| matches!(a, PoolAction::Send { listener: 0, .. })));
}

#[test]
fn exit_while_busy_rebuffers_for_the_successor_ev_lst_exit_busy() {
    let mut rig = Rig::new(vec![Pool::new(
        settings("slowpoke", "EVENT", 10),
        vec!["exiter".into()],
    )]);
    rig.start(0, 0);
    rig.write(0, 0, b"READY\n");
    rig.emit_remote("x");
    let first = rig.sends();
    rig.exit(0, 0);
    let l = logs(&rig.take());
    assert_eq!(
        l,
        ["DEBG rebuffering event 0 for pool slowpoke (buf size=0, max=10)"]
    );
    rig.start(0, 0);
    rig.write(0, 0, b"READY\n");
    assert_eq!(
        rig.sends(),
        first,
        "the successor gets the same serial and poolserial"
    );
}

#[test]
fn garbage_enters_unknown_and_asks_for_a_restart_ev_lst_unknown() {
    let mut rig = Rig::new(vec![Pool::new(
        settings("p", "EVENT", 10),
        vec!["garb".into()],
    )]);
    rig.start(0, 0);
    rig.write(0, 0, b"hello\n");
    let actions = rig.take();
    let l = logs(&actions);
    assert!(
        l.contains(&"DEBG garb: ACKNOWLEDGED -> UNKNOWN".to_owned()),
        "{l:?}"
    );
    assert!(l.contains(&"WARN garb: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol".to_owned()), "{l:?}");
    assert!(actions
        .iter()
        .any(|(_, a)| *a == PoolAction::RestartUnknown { listener: 0 }));
    assert_eq!(rig.pools[0].listener_state(0), Some(ListenerState::Unknown));
    rig.emit_remote("x");
    assert!(rig.sends().is_empty(), "UNKNOWN gets no events");
}

#[test]
fn bad_result_line_is_logged_and_the_event_rebuffered_ev_log_badresult() {
    let mut rig = Rig::new(vec![Pool::new(
        settings("p", "EVENT", 10),
        vec!["badres".into()],
    )]);
    rig.start(0, 0);
    rig.write(0, 0, b"READY\n");
    rig.emit_remote("x");
    rig.take();
    rig.write(0, 0, b"RESULT x\n");
    let l = logs(&rig.take());
    assert_eq!(&l[..3], [
        "WARN badres: bad result line: 'RESULT x'",
        "DEBG badres: BUSY -> UNKNOWN",
        "WARN badres: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol",
    ]);
    assert_eq!(
        l[3],
        "DEBG rebuffering event 0 for pool p (buf size=0, max=10)"
    );
    assert_eq!(rig.pools[0].queued(), 1);
}

#[test]
fn serials_global_lazy_and_per_pool_ev_serial_global() {
    let mut rig = Rig::new(vec![
        Pool::new(
            settings("aaa", "REMOTE_COMMUNICATION", 10),
            vec!["a".into()],
        ),
        Pool::new(
            settings("bbb", "REMOTE_COMMUNICATION, PROCESS_GROUP", 10),
            vec!["b".into()],
        ),
    ]);
    // Nobody listens to TICK_5: no serial consumed ([EV-SERIAL-lazy]).
    let tick = Payload::Tick(event_proto::payload::TickPayload { when: 5 });
    assert!(rig
        .bus
        .emit(EventType::Tick5, &tick, &mut rig.pools, &mut rig.out)
        .is_none());
    let group = Payload::ProcessGroup(ProcessGroupPayload {
        group_name: Text::from("g"),
    });
    rig.bus.emit(
        EventType::ProcessGroupAdded,
        &group,
        &mut rig.pools,
        &mut rig.out,
    );
    rig.emit_remote("x");
    for p in 0..2 {
        rig.start(p, 0);
        rig.write(p, 0, b"READY\n");
    }
    let sends = rig.sends();
    assert!(sends[0].2.starts_with("ver:3.0 server:supervisor serial:1 pool:aaa poolserial:0 eventname:REMOTE_COMMUNICATION"), "{sends:?}");
    assert!(sends[1].2.starts_with("ver:3.0 server:supervisor serial:0 pool:bbb poolserial:0 eventname:PROCESS_GROUP_ADDED"), "{sends:?}");
}

#[test]
fn a_rejection_rebuffers_in_the_owning_pool_only_ev_bug_reject_crosspool() {
    let mut rig = Rig::new(vec![
        Pool::new(
            settings("aaa", "REMOTE_COMMUNICATION", 10),
            vec!["a".into()],
        ),
        Pool::new(
            settings("bbb", "REMOTE_COMMUNICATION", 10),
            vec!["b".into()],
        ),
    ]);
    for p in 0..2 {
        rig.start(p, 0);
        rig.write(p, 0, b"READY\n");
    }
    rig.emit_remote("x");
    assert_eq!(rig.sends().len(), 2);
    rig.write(1, 0, b"RESULT 2\nOKREADY\n");
    rig.write(0, 0, b"RESULT 4\nFAILREADY\n");
    let sends = rig.sends();
    assert_eq!(sends.len(), 1, "only aaa redelivers: {sends:?}");
    assert_eq!(sends[0].0, 0);
    assert_eq!(rig.pools[1].counters().sent, 1);
}

#[test]
fn removing_a_pool_counts_what_it_drops_ev_buf_remove() {
    let mut rig = Rig::new(vec![Pool::new(
        settings("p", "EVENT", 10),
        vec!["l".into()],
    )]);
    rig.start(0, 0);
    rig.write(0, 0, b"READY\n");
    rig.emit_remote("held");
    rig.emit_remote("queued");
    assert_eq!(rig.pools[0].clear(), 2);
    assert_eq!(rig.pools[0].counters().dropped, 2);
}
