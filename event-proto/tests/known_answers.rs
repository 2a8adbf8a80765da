//! Every captured example of 4.3's event protocol (the envelopes and payloads 4.3 writes, [EV-*]) decodes to the expected value and encodes
//! back to the identical bytes.

use bytes::{Bytes, BytesMut};
use event_proto::payload::{
    Channel, ProcessCommunicationPayload, ProcessGroupPayload, ProcessLogPayload,
    ProcessStatePayload, RemoteCommunicationPayload, TickPayload,
};
use event_proto::{
    encode_envelope, EnvelopeFields, EventDecoder, EventName, EventType, LenUnit, Payload,
    ProcessState, Text,
};

/// Frames `payload` as 4.3 would (pool `p`, serial 1/2), decodes it byte by byte, checks the
/// typed value, then re-encodes payload and envelope and compares bytes.
fn kat(event_type: EventType, payload: &[u8], expected: Payload) {
    let fields = EnvelopeFields {
        server: "supervisor",
        serial: 1,
        pool: "p",
        poolserial: 2,
        len_unit: LenUnit::Chars,
    };
    let mut wire = BytesMut::new();
    encode_envelope(&fields, event_type, payload, &mut wire);
    let mut dec = EventDecoder::new();
    let mut got = None;
    for b in wire.iter() {
        assert!(got.is_none(), "an event before its last byte");
        dec.push(&[*b]);
        got = dec.next().expect("valid stream");
    }
    let env = got.expect("one whole event");
    // The borrowed decode, byte by byte too, gives the same event and payload.
    let mut dec = EventDecoder::new();
    for (i, b) in wire.iter().enumerate() {
        dec.push(&[*b]);
        let view = dec.next_view().expect("valid stream");
        assert_eq!(
            view.is_some(),
            i + 1 == wire.len(),
            "a view only once whole"
        );
        if let Some(view) = view {
            assert_eq!(view.to_envelope(), env);
            let payload = view.payload().expect("valid payload");
            assert_eq!(payload.to_payload(), expected);
        }
    }
    assert_eq!(env.header.event_name, EventName::Known(event_type));
    assert_eq!(&env.payload[..], payload);
    let decoded = env.payload().expect("valid payload");
    assert_eq!(decoded, expected);
    assert_eq!(
        &decoded.to_bytes()[..],
        payload,
        "payload re-encodes identically"
    );
    let mut again = BytesMut::new();
    env.encode(&mut again);
    assert_eq!(again, wire, "envelope re-encodes identically");
}

fn state(
    pname: &'static str,
    gname: &'static str,
    from: ProcessState,
    expected: Option<bool>,
    tries: Option<u32>,
    pid: Option<u32>,
) -> Payload {
    Payload::ProcessState(ProcessStatePayload {
        process_name: Text::from_static(pname),
        group_name: Text::from_static(gname),
        from_state: from,
        expected,
        tries,
        pid,
    })
}

#[test]
fn ev_pay_starting() {
    let expected = state("quick", "quick", ProcessState::Backoff, None, Some(1), None);
    kat(
        EventType::ProcessStateStarting,
        b"processname:quick groupname:quick from_state:BACKOFF tries:1",
        expected.clone(),
    );
    let built = ProcessStatePayload::transition(
        "quick".into(),
        "quick".into(),
        ProcessState::Backoff,
        ProcessState::Starting,
        1,
        999,
        true,
    );
    assert_eq!(Payload::ProcessState(built), expected);
}

#[test]
fn ev_pay_running() {
    kat(
        EventType::ProcessStateRunning,
        b"processname:talker groupname:talker from_state:STARTING pid:8745",
        state(
            "talker",
            "talker",
            ProcessState::Starting,
            None,
            None,
            Some(8745),
        ),
    );
}

#[test]
fn ev_pay_backoff() {
    kat(
        EventType::ProcessStateBackoff,
        b"processname:quick groupname:quick from_state:STARTING tries:1",
        state(
            "quick",
            "quick",
            ProcessState::Starting,
            None,
            Some(1),
            None,
        ),
    );
}

#[test]
fn ev_pay_stopping() {
    kat(
        EventType::ProcessStateStopping,
        b"processname:sleeper_00 groupname:sleeper from_state:RUNNING pid:8739",
        state(
            "sleeper_00",
            "sleeper",
            ProcessState::Running,
            None,
            None,
            Some(8739),
        ),
    );
}

#[test]
fn ev_pay_exited() {
    let expected = state(
        "badexit",
        "badexit",
        ProcessState::Running,
        Some(false),
        None,
        Some(8737),
    );
    kat(
        EventType::ProcessStateExited,
        b"processname:badexit groupname:badexit from_state:RUNNING expected:0 pid:8737",
        expected.clone(),
    );
    let built = ProcessStatePayload::transition(
        "badexit".into(),
        "badexit".into(),
        ProcessState::Running,
        ProcessState::Exited,
        0,
        8737,
        false,
    );
    assert_eq!(Payload::ProcessState(built), expected);
}

#[test]
fn ev_pay_stopped() {
    kat(
        EventType::ProcessStateStopped,
        b"processname:sleeper_00 groupname:sleeper from_state:STOPPING pid:8739",
        state(
            "sleeper_00",
            "sleeper",
            ProcessState::Stopping,
            None,
            None,
            Some(8739),
        ),
    );
    kat(
        EventType::ProcessStateStopped,
        b"processname:crash groupname:crash from_state:BACKOFF pid:0",
        state("crash", "crash", ProcessState::Backoff, None, None, Some(0)),
    );
}

#[test]
fn ev_pay_fatal_and_unknown() {
    kat(
        EventType::ProcessStateFatal,
        b"processname:quick groupname:quick from_state:BACKOFF",
        state("quick", "quick", ProcessState::Backoff, None, None, None),
    );
    kat(
        EventType::ProcessStateUnknown,
        b"processname:quick groupname:quick from_state:RUNNING",
        state("quick", "quick", ProcessState::Running, None, None, None),
    );
}

#[test]
fn ev_pay_log() {
    kat(
        EventType::ProcessLogStderr,
        b"processname:talker groupname:talker pid:8745 channel:stderr\nhello stderr\n",
        Payload::ProcessLog(ProcessLogPayload {
            process_name: Text::from_static("talker"),
            group_name: Text::from_static("talker"),
            pid: 8745,
            channel: Channel::Stderr,
            data: Bytes::from_static(b"hello stderr\n"),
        }),
    );
}

#[test]
fn ev_pay_text_undecodable_output() {
    let raw = b"after\ncaf\xc3\xa9 \xc3\xbcber\nbad \xff\xfe bytes\n";
    let body = event_proto::payload::output_body(raw);
    let mut payload = b"processname:talker groupname:talker pid:1 channel:stdout\n".to_vec();
    payload.extend_from_slice(&body);
    let expected = ProcessLogPayload {
        process_name: Text::from_static("talker"),
        group_name: Text::from_static("talker"),
        pid: 1,
        channel: Channel::Stdout,
        data: body,
    };
    assert_eq!(&expected.output()[..], &raw[..]);
    let view = event_proto::PayloadView::decode(Some(EventType::ProcessLogStdout), &payload);
    let Ok(event_proto::PayloadView::ProcessLog(view)) = view else {
        panic!("a log view: {view:?}");
    };
    assert_eq!(
        &view.output()[..],
        &raw[..],
        "the view undoes the rewriting too"
    );
    kat(
        EventType::ProcessLogStdout,
        &payload,
        Payload::ProcessLog(expected),
    );
}

#[test]
fn ev_pay_comm() {
    kat(
        EventType::ProcessCommunicationStdout,
        b"processname:talker groupname:talker pid:8745\ncaptured data\nline2",
        Payload::ProcessCommunication(ProcessCommunicationPayload {
            process_name: Text::from_static("talker"),
            group_name: Text::from_static("talker"),
            pid: 8745,
            data: Bytes::from_static(b"captured data\nline2"),
        }),
    );
}

#[test]
fn ev_pay_remote() {
    kat(
        EventType::RemoteCommunication,
        b"type:mytype\nsome data\nline2",
        Payload::RemoteCommunication(RemoteCommunicationPayload {
            kind: Text::from_static("mytype"),
            data: Bytes::from_static(b"some data\nline2"),
        }),
    );
    // [EV-PAY-remote-raw]: spaces and colons in the type are kept verbatim.
    kat(
        EventType::RemoteCommunication,
        b"type:a b:c\n",
        Payload::RemoteCommunication(RemoteCommunicationPayload {
            kind: Text::from_static("a b:c"),
            data: Bytes::new(),
        }),
    );
}

#[test]
fn ev_pay_supstate() {
    kat(
        EventType::SupervisorStateChangeRunning,
        b"",
        Payload::SupervisorStateChange,
    );
    let mut wire = BytesMut::new();
    let fields = EnvelopeFields {
        server: "supervisor",
        serial: 0,
        pool: "p",
        poolserial: 0,
        len_unit: LenUnit::Chars,
    };
    encode_envelope(
        &fields,
        EventType::SupervisorStateChangeStopping,
        b"",
        &mut wire,
    );
    assert!(wire.ends_with(b"eventname:SUPERVISOR_STATE_CHANGE_STOPPING len:0\n"));
}

#[test]
fn ev_pay_tick() {
    kat(
        EventType::Tick5,
        b"when:1795468685",
        Payload::Tick(TickPayload { when: 1795468685 }),
    );
}

#[test]
fn ev_pay_group() {
    let payload = b"groupname:dumper\n";
    assert_eq!(payload.len(), 17, "len:17 in the capture");
    kat(
        EventType::ProcessGroupAdded,
        payload,
        Payload::ProcessGroup(ProcessGroupPayload {
            group_name: Text::from_static("dumper"),
        }),
    );
}

#[test]
fn ev_hdr_format_captured_header() {
    let payload = "processname:talker groupname:talker pid:8745 channel:stderr\nhello stderr\n";
    let mut wire = BytesMut::new();
    let fields = EnvelopeFields {
        server: "supervisor",
        serial: 23,
        pool: "dumper",
        poolserial: 23,
        len_unit: LenUnit::Chars,
    };
    encode_envelope(
        &fields,
        EventType::ProcessLogStderr,
        payload.as_bytes(),
        &mut wire,
    );
    let header = b"ver:3.0 server:supervisor serial:23 pool:dumper poolserial:23 eventname:PROCESS_LOG_STDERR len:73\n";
    assert_eq!(payload.len(), 73);
    assert_eq!(&wire[..header.len()], header);
}

#[test]
fn ev_hdr_len_counts_characters() {
    // `type:café\nüber` went out with len:14 while it is 16 bytes of UTF-8.
    let payload = "type:caf\u{e9}\n\u{fc}ber";
    assert_eq!(payload.len(), 16);
    let mut wire = BytesMut::new();
    let mut fields = EnvelopeFields {
        server: "supervisor",
        serial: 0,
        pool: "p",
        poolserial: 0,
        len_unit: LenUnit::Chars,
    };
    encode_envelope(
        &fields,
        EventType::RemoteCommunication,
        payload.as_bytes(),
        &mut wire,
    );
    assert!(wire.starts_with(b"ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:REMOTE_COMMUNICATION len:14\n"));
    // A following event must still frame: both decode, in both len modes.
    fields.len_unit = LenUnit::Bytes;
    encode_envelope(
        &fields,
        EventType::RemoteCommunication,
        payload.as_bytes(),
        &mut wire,
    );
    assert!(std::str::from_utf8(&wire)
        .expect("utf-8")
        .contains("len:16 lenunit:bytes\n"));
    let mut dec = EventDecoder::new();
    dec.push(&wire);
    for unit in [LenUnit::Chars, LenUnit::Bytes] {
        let env = dec.next().expect("valid").expect("whole event");
        assert_eq!(env.header.len_unit, unit);
        assert_eq!(&env.payload[..], payload.as_bytes());
    }
    assert_eq!(dec.next(), Ok(None));
}

#[test]
fn ev_proto_transcript_envelope_is_107_bytes() {
    let expected: &[u8] = b"ver:3.0 server:supervisor serial:0 pool:fails poolserial:0 eventname:REMOTE_COMMUNICATION len:10\ntype:gen\n0";
    assert_eq!(expected.len(), 107);
    let payload = Payload::RemoteCommunication(RemoteCommunicationPayload {
        kind: Text::from_static("gen"),
        data: Bytes::from_static(b"0"),
    });
    let mut wire = BytesMut::new();
    let fields = EnvelopeFields {
        server: "supervisor",
        serial: 0,
        pool: "fails",
        poolserial: 0,
        len_unit: LenUnit::Chars,
    };
    encode_envelope(
        &fields,
        EventType::RemoteCommunication,
        &payload.to_bytes(),
        &mut wire,
    );
    assert_eq!(&wire[..], expected);
}
