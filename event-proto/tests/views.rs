//! The borrowed decode ([EV-HDR-format], [EV-PAY-LOG]): `next_view` frames as `next` does and
//! holds the event's bytes only until the next call.

use bytes::BytesMut;
use event_proto::payload::{PayloadView, ProcessStateView};
use event_proto::{
    encode_envelope, DecodeErrorKind, EnvelopeFields, EventDecoder, EventType, LenUnit,
    ProcessState,
};

const STATE: &[u8] = b"processname:web groupname:web from_state:RUNNING expected:0 pid:8737";

fn wire(serial: u64, unit: LenUnit) -> BytesMut {
    let fields = EnvelopeFields {
        server: "supervisor",
        serial,
        pool: "listener",
        poolserial: serial,
        len_unit: unit,
    };
    let mut out = BytesMut::new();
    encode_envelope(&fields, EventType::ProcessStateExited, STATE, &mut out);
    out
}

#[test]
fn a_view_borrows_its_frame_until_the_next_call() {
    let one = wire(1, LenUnit::Chars);
    let mut dec = EventDecoder::new();
    dec.push(&one);
    dec.push(&wire(2, LenUnit::Bytes)[..10]);
    let event = dec.next_view().expect("valid").expect("whole event");
    assert_eq!(event.header.serial, 1);
    assert_eq!(event.header.event_type, Some(EventType::ProcessStateExited));
    assert_eq!(event.header.event_name, "PROCESS_STATE_EXITED");
    assert_eq!(event.payload, STATE);
    let expected = ProcessStateView {
        process_name: "web",
        group_name: "web",
        from_state: ProcessState::Running,
        expected: Some(false),
        tries: None,
        pid: Some(8737),
    };
    assert_eq!(event.payload(), Ok(PayloadView::ProcessState(expected)));
    // Its bytes no longer count as buffered, and go at the next call.
    assert_eq!(dec.buffered(), 10);
    assert!(dec.next_view().expect("valid").is_none());
    assert_eq!(dec.remaining(), &wire(2, LenUnit::Bytes)[..10]);
    dec.push(&wire(2, LenUnit::Bytes)[10..]);
    let second = dec.next().expect("valid").expect("whole event");
    assert_eq!(
        (second.header.serial, second.header.len_unit),
        (2, LenUnit::Bytes)
    );
    assert_eq!(dec.buffered(), 0);
}

#[test]
fn reading_into_the_buffer_after_views_keeps_it_bounded() {
    let one = wire(7, LenUnit::Chars);
    let mut dec = EventDecoder::new();
    for _ in 0..10_000 {
        dec.buffer_mut().extend_from_slice(&one);
        let event = dec.next_view().expect("valid").expect("whole event");
        assert_eq!(event.header.serial, 7);
    }
    assert!(
        dec.buffer_mut().capacity() < 16 * one.len(),
        "consumed views are released before the buffer is handed out"
    );
    assert_eq!(dec.buffered(), 0);
}

#[test]
fn a_bad_header_stops_views_like_envelopes() {
    let mut dec = EventDecoder::new();
    dec.push(b"ver:3.0 server:s serial:x pool:p poolserial:1 eventname:TICK_5 len:1\nz");
    let err = dec.next_view().expect_err("bad serial");
    assert!(matches!(err.kind, DecodeErrorKind::BadHeader(_)), "{err}");
    assert_eq!(err.offset, 0);
    assert_eq!(dec.next_view().expect_err("still failed"), err);
    assert_eq!(dec.next().expect_err("still failed"), err);
    dec.push(b"more");
    assert_eq!(dec.buffered(), 0, "a failed decoder holds nothing");
}

#[test]
fn a_too_long_payload_is_reported_at_its_header() {
    let limits = event_proto::Limits {
        max_payload_len: 16,
        ..event_proto::Limits::DEFAULT
    };
    let first = wire(1, LenUnit::Bytes);
    for use_views in [false, true] {
        let mut dec = EventDecoder::with_limits(limits);
        let tick = b"ver:3.0 server:s serial:1 pool:p poolserial:1 eventname:TICK_5 len:15\nwhen:1795468685";
        dec.push(tick);
        dec.push(&first);
        let taken = if use_views {
            dec.next_view().map(|v| v.map(|v| v.header.serial))
        } else {
            dec.next().map(|e| e.map(|e| e.header.serial))
        };
        assert_eq!(taken, Ok(Some(1)));
        let err = if use_views {
            dec.next_view().map(|_| ()).expect_err("len 68 > 16")
        } else {
            dec.next().map(|_| ()).expect_err("len 68 > 16")
        };
        assert_eq!(err.kind, DecodeErrorKind::PayloadTooLong(16));
        assert_eq!(
            err.offset,
            tick.len() as u64,
            "the offending header's stream offset"
        );
        assert!(err
            .bytes
            .starts_with(b"ver:3.0 server:supervisor serial:1 "));
    }
}
