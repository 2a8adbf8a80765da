//! Property tests (proptest) for the invariants the fuzz targets check, cheap enough for every
//! `cargo test`: round trips for every event type, chunking independence, no panics.

use bytes::{Bytes, BytesMut};
use event_proto::payload::{
    output_body, Channel, ProcessCommunicationPayload, ProcessGroupPayload, ProcessLogPayload,
    ProcessStatePayload, RemoteCommunicationPayload, TickPayload,
};
use event_proto::{
    encode_envelope, encode_ready, encode_result, EnvelopeFields, EventDecoder, EventType, LenUnit,
    Payload, ProcessState, Text,
};
use proptest::prelude::*;

use crate::invariants;

fn name() -> impl Strategy<Value = Text> {
    "[a-z][a-z0-9_-]{0,11}".prop_map(Text::from)
}

fn state() -> impl Strategy<Value = ProcessState> {
    prop::sample::select(ProcessState::ALL.to_vec())
}

fn output() -> impl Strategy<Value = Bytes> {
    prop::collection::vec(any::<u8>(), 0..200).prop_map(|raw| output_body(&raw))
}

/// An event of any concrete type with a payload of its family.
fn event() -> impl Strategy<Value = (EventType, Payload)> {
    let process_state = (
        name(),
        name(),
        state(),
        state(),
        any::<u32>(),
        any::<u32>(),
        any::<bool>(),
    )
        .prop_map(|(p, g, from, to, tries, pid, expected)| {
            let t = EventType::process_state(to);
            let payload = ProcessStatePayload::transition(p, g, from, to, tries, pid, expected);
            (t, Payload::ProcessState(payload))
        });
    let log = (name(), name(), any::<u32>(), any::<bool>(), output()).prop_map(
        |(p, g, pid, stderr, data)| {
            let (t, channel) = if stderr {
                (EventType::ProcessLogStderr, Channel::Stderr)
            } else {
                (EventType::ProcessLogStdout, Channel::Stdout)
            };
            let payload = ProcessLogPayload {
                process_name: p,
                group_name: g,
                pid,
                channel,
                data,
            };
            (t, Payload::ProcessLog(payload))
        },
    );
    let comm = (name(), name(), any::<u32>(), any::<bool>(), output()).prop_map(
        |(p, g, pid, stderr, data)| {
            let t = if stderr {
                EventType::ProcessCommunicationStderr
            } else {
                EventType::ProcessCommunicationStdout
            };
            let payload = ProcessCommunicationPayload {
                process_name: p,
                group_name: g,
                pid,
                data,
            };
            (t, Payload::ProcessCommunication(payload))
        },
    );
    let remote = ("[^\n]{0,20}", ".{0,40}").prop_map(|(kind, data): (String, String)| {
        let payload = RemoteCommunicationPayload {
            kind: Text::from(kind),
            data: Bytes::from(data),
        };
        (
            EventType::RemoteCommunication,
            Payload::RemoteCommunication(payload),
        )
    });
    let tick = (
        prop::sample::select(vec![
            EventType::Tick5,
            EventType::Tick60,
            EventType::Tick3600,
        ]),
        any::<u64>(),
    )
        .prop_map(|(t, when)| (t, Payload::Tick(TickPayload { when })));
    let group = (any::<bool>(), name()).prop_map(|(added, g)| {
        let t = if added {
            EventType::ProcessGroupAdded
        } else {
            EventType::ProcessGroupRemoved
        };
        (
            t,
            Payload::ProcessGroup(ProcessGroupPayload { group_name: g }),
        )
    });
    let sup = any::<bool>().prop_map(|running| {
        let t = if running {
            EventType::SupervisorStateChangeRunning
        } else {
            EventType::SupervisorStateChangeStopping
        };
        (t, Payload::SupervisorStateChange)
    });
    prop_oneof![process_state, log, comm, remote, tick, group, sup]
}

fn unit() -> impl Strategy<Value = LenUnit> {
    prop::sample::select(vec![LenUnit::Chars, LenUnit::Bytes])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// encode → decode gives back every field, for every event type and both len units, when
    /// the stream arrives in random pieces.
    #[test]
    fn round_trip_every_event_type(
        events in prop::collection::vec((event(), unit(), any::<u64>(), name()), 1..6),
        cuts in prop::collection::vec(1usize..64, 1..40),
    ) {
        let mut wire = BytesMut::new();
        for ((t, payload), len_unit, serial, pool) in &events {
            let fields = EnvelopeFields { server: "supervisor", serial: *serial, pool, poolserial: serial / 2, len_unit: *len_unit };
            encode_envelope(&fields, *t, &payload.to_bytes(), &mut wire);
        }
        let mut dec = EventDecoder::new();
        let mut got = Vec::new();
        let mut rest = &wire[..];
        let mut i = 0;
        while !rest.is_empty() {
            let n = cuts[i % cuts.len()].min(rest.len());
            i += 1;
            dec.push(&rest[..n]);
            rest = &rest[n..];
            while let Some(env) = dec.next().expect("valid stream") {
                got.push(env);
            }
        }
        prop_assert_eq!(got.len(), events.len());
        for (env, ((t, payload), len_unit, serial, pool)) in got.iter().zip(&events) {
            prop_assert_eq!(env.header.event_name.event_type(), Some(*t));
            prop_assert_eq!(env.header.serial, *serial);
            prop_assert_eq!(&env.header.pool, pool);
            prop_assert_eq!(env.header.len_unit, *len_unit);
            prop_assert_eq!(&env.payload().expect("typed payload"), payload);
        }
        prop_assert_eq!(dec.buffered(), 0);
    }

    /// The same stream decoded whole, byte by byte and in 7-byte pieces gives the same result,
    /// on arbitrary bytes (mostly garbage) and on valid streams with garbage appended.
    #[test]
    fn chunking_never_matters(garbage in prop::collection::vec(any::<u8>(), 0..300), (t, payload) in event()) {
        invariants::check_event_stream(&garbage);
        let mut wire = BytesMut::new();
        let fields = EnvelopeFields { server: "s", serial: 1, pool: "p", poolserial: 1, len_unit: LenUnit::Chars };
        encode_envelope(&fields, t, &payload.to_bytes(), &mut wire);
        wire.extend_from_slice(&garbage);
        invariants::check_event_stream(&wire);
    }

    /// Listener output in any chunking gives the same READY/RESULT/violation sequence.
    #[test]
    fn listener_output_chunking(
        script in prop::collection::vec(prop_oneof![
            Just(b"READY\n".to_vec()),
            prop::collection::vec(any::<u8>(), 0..12).prop_map(|body| {
                let mut b = BytesMut::new();
                encode_result(&body, &mut b);
                b.to_vec()
            }),
            prop::collection::vec(any::<u8>(), 0..8),
        ], 0..12)
    ) {
        let data: Vec<u8> = script.concat();
        invariants::check_listener_stream(&data);
    }

    /// A well-behaved listener's output is all READY and results, never a violation.
    #[test]
    fn well_behaved_listener(bodies in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..20), 0..10)) {
        let mut out = BytesMut::new();
        for body in &bodies {
            encode_ready(&mut out);
            encode_result(body, &mut out);
        }
        let steps = invariants::listener_outputs(&out, 3);
        prop_assert_eq!(steps.len(), bodies.len() * 2);
        prop_assert!(steps.iter().all(|s| s == "READY" || s.starts_with("RESULT")));
    }

    /// Payload decoders never panic and are decode→encode→decode stable on arbitrary bytes.
    #[test]
    fn payload_decoders_never_panic(data in prop::collection::vec(any::<u8>(), 0..200)) {
        invariants::check_payload_all_types(&data);
        invariants::check_pyfmt(&data);
    }

    /// Token-shaped garbage (more likely to reach deep decoder paths than random bytes).
    #[test]
    fn token_shaped_payloads(data in "((processname|groupname|from_state|pid|tries|expected|channel|when|type|x):[A-Za-z0-9_]{0,6}[ \n]?){0,8}") {
        invariants::check_payload_all_types(data.as_bytes());
    }
}

#[cfg(feature = "xmlrpc")]
proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// The XML-RPC request decoder never panics, on bytes or on XML-ish text.
    #[test]
    fn xmlrpc_decoder_never_panics(
        data in prop::collection::vec(any::<u8>(), 0..300),
        text in "(<(/)?(methodCall|methodName|params|param|value|int|string|struct|member|name|array|data|boolean|base64)>|[a-z0-9 &;]){0,40}",
    ) {
        let _ = event_proto::xmlrpc::MethodCall::decode(&data);
        let _ = event_proto::xmlrpc::MethodCall::decode(text.as_bytes());
        let _ = event_proto::xmlrpc::MethodResponse::decode(text.as_bytes());
    }
}
