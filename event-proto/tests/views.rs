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
