//! Invariants checked on arbitrary input, shared by the property tests, the corpus replay test
//! and the cargo-fuzz targets (which include this file with `#[path]`). Each function panics
//! only when an invariant is broken: that is a finding.

#![allow(dead_code)]

use bytes::{Bytes, BytesMut};
use event_proto::payload::PayloadView;
use event_proto::{
    pyfmt, DecodeError, Envelope, EventDecoder, EventName, EventType, Limits, ListenerOutput,
    ListenerProtocol, Payload,
};

/// What a decoder run produced, comparable across chunkings (errors by kind and offset).
#[derive(Debug, PartialEq)]
pub enum Step {
    Event(Envelope),
    Error(String, u64),
}

fn small_limits() -> Limits {
    Limits {
        max_line_len: 256,
        max_payload_len: 4096,
        max_result_len: 512,
    }
}

/// How [`decode_stream_with`] takes events out of the decoder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Take {
    /// `next()`: owned envelopes.
    Owned,
    /// `next_view()`: borrowed views, copied out (and their payloads checked against the
    /// owned decode).
    Views,
    /// Each in turn.
    Alternating,
}

/// Decodes `data` pushed in pieces of `chunk` bytes (0: all at once).
pub fn decode_stream(data: &[u8], chunk: usize) -> Vec<Step> {
    decode_stream_with(data, chunk, Take::Owned)
}

/// One event out of `dec`, as `take` says (`n`: how many were taken before).
fn take_one(dec: &mut EventDecoder, take: Take, n: usize) -> Result<Option<Envelope>, DecodeError> {
    let view = take == Take::Views || (take == Take::Alternating && n % 2 == 1);
    if !view {
        return dec.next();
    }
    let Some(event) = dec.next_view()? else {
        return Ok(None);
    };
    let envelope = event.to_envelope();
    let borrowed = event.payload().map(|p| p.to_payload());
    let owned = envelope.payload();
    assert_eq!(borrowed, owned, "view and owned payload decodes differ");
    Ok(Some(envelope))
}

/// [`decode_stream`], taking events out as `take` says.
pub fn decode_stream_with(data: &[u8], chunk: usize, take: Take) -> Vec<Step> {
    let mut dec = EventDecoder::with_limits(small_limits());
    let mut steps = Vec::new();
    let pieces: Vec<&[u8]> = if chunk == 0 {
        vec![data]
    } else {
        data.chunks(chunk).collect()
    };
    'outer: for piece in pieces {
        dec.push(piece);
        loop {
            match take_one(&mut dec, take, steps.len()) {
                Ok(Some(env)) => steps.push(Step::Event(env)),
                Ok(None) => break,
                Err(DecodeError { kind, offset, .. }) => {
                    let kind = format!("{kind:?}");
                    // Where a too-long header is noticed depends on how much was buffered.
                    let kind = if kind.starts_with("HeaderTooLong") {
                        "HeaderTooLong".into()
                    } else {
                        kind
                    };
                    steps.push(Step::Error(kind, offset));
                    break 'outer;
                }
            }
        }
    }
    steps
}

/// The listener-side decoder: same results for any chunking; every envelope re-encodes to
/// something that decodes to itself; every payload is decode→encode→decode stable.
pub fn check_event_stream(data: &[u8]) {
    let whole = decode_stream(data, 0);
    for chunk in [1, 7] {
        if data.len() <= 4096 || chunk == 7 {
            assert_eq!(
                decode_stream(data, chunk),
                whole,
                "chunking {chunk} changed the result"
            );
        }
    }
    for (chunk, take) in [(0, Take::Views), (1, Take::Alternating), (7, Take::Views)] {
        if data.len() <= 4096 || chunk != 1 {
            assert_eq!(
                decode_stream_with(data, chunk, take),
                whole,
                "{take:?} in chunks of {chunk} changed the result"
            );
        }
    }
    for step in &whole {
        if let Step::Event(env) = step {
            let mut wire = BytesMut::new();
            env.encode(&mut wire);
            let again = decode_stream(&wire, 0);
            assert_eq!(again.len(), 1);
            match &again[0] {
                Step::Event(e2) => {
                    assert_eq!(e2.payload, env.payload);
                    assert_eq!(e2.header, env.header);
                }
                Step::Error(k, _) => panic!("re-encoded envelope failed: {k}"),
            }
            check_payload(&env.header.event_name, env.payload.clone());
        }
    }
}

/// A payload that decodes re-encodes to bytes that decode to the same value.
pub fn check_payload(name: &EventName, payload: Bytes) {
    let borrowed = PayloadView::decode(name.event_type(), &payload).map(PayloadView::to_payload);
    let owned = Payload::decode(name, payload);
    assert_eq!(borrowed, owned, "borrowed and owned payload decodes differ");
    if let Ok(p) = owned {
        let again = Payload::decode(name, p.to_bytes()).expect("re-encoded payload decodes");
        assert_eq!(again, p);
    }
}

/// Every event type's payload decoder on the same bytes.
pub fn check_payload_all_types(data: &[u8]) {
    let bytes = Bytes::copy_from_slice(data);
    for t in EventType::ALL {
        check_payload(&EventName::Known(*t), bytes.clone());
    }
    check_payload(&EventName::Other("X".into()), bytes);
}

/// Runs the daemon-side machine over `data` in pieces, dispatching an event whenever the
/// listener is READY; violations compare by kind and offset.
pub fn listener_outputs(data: &[u8], chunk: usize) -> Vec<String> {
    let mut lp = ListenerProtocol::with_limits(small_limits());
    let mut out = Vec::new();
    let pieces: Vec<&[u8]> = if chunk == 0 {
        vec![data]
    } else {
        data.chunks(chunk).collect()
    };
    for piece in pieces {
        lp.push(piece);
        while let Some(o) = lp.next() {
            match o {
                ListenerOutput::Ready => {
                    out.push("READY".to_owned());
                    lp.event_sent().expect("READY accepts an event");
                }
                ListenerOutput::Result(r) => out.push(format!("RESULT {:?}", r.body())),
                ListenerOutput::Violation(e) => out.push(format!("{:?}@{}", e.kind, e.offset)),
            }
        }
    }
    out
}

/// The daemon-side machine gives the same outputs for any chunking.
pub fn check_listener_stream(data: &[u8]) {
    let whole = listener_outputs(data, 0);
    let bytewise = listener_outputs(data, 1);
    let norm = |v: &[String]| -> Vec<String> {
        v.iter()
            .map(|s| {
                if s.starts_with("ResultLineTooLong") {
                    "ResultLineTooLong".to_owned()
                } else {
                    s.clone()
                }
            })
            .collect()
    };
    assert_eq!(norm(&bytewise), norm(&whole));
}

/// Python literal helpers never panic and round-trip.
pub fn check_pyfmt(data: &[u8]) {
    assert_eq!(
        pyfmt::parse_bytes_literal(pyfmt::bytes_repr(data).as_bytes()).as_deref(),
        Some(data)
    );
    let _ = pyfmt::parse_bytes_literal(data);
    let _ = pyfmt::parse_int(data);
    let _ = pyfmt::str_repr(&String::from_utf8_lossy(data));
}
