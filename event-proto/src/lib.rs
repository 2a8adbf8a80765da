//! supervisord's event-listener wire protocol as a sans-io codec: no I/O, no async runtime,
//! byte-exact with supervisor 4.3.
//!
//! You push bytes in and pull typed values out; drivers (the daemon's pool, the listener SDK)
//! are short loops around these machines.
//!
//! ```
//! use bytes::BytesMut;
//! use event_proto::payload::ProcessStatePayload;
//! use event_proto::{encode_result, EventDecoder, Payload, ProcessState};
//!
//! // Listener side: decode what supervisord wrote to our stdin, in whatever pieces it came.
//! let mut decoder = EventDecoder::new();
//! decoder.push(b"ver:3.0 server:supervisor serial:21 pool:listener poolserial:10 ");
//! decoder.push(b"eventname:PROCESS_STATE_EXITED len:68\nprocessname:web groupname:web ");
//! decoder.push(b"from_state:RUNNING expected:0 pid:8737");
//! let envelope = decoder.next()?.expect("a whole event");
//! assert_eq!(envelope.header.serial, 21);
//! let Payload::ProcessState(state) = envelope.payload()? else { unreachable!() };
//! assert_eq!(state.process_name, "web");
//! assert_eq!(state.from_state, ProcessState::Running);
//! assert_eq!(state.expected, Some(false));
//!
//! // ...and answer it.
//! let mut out = BytesMut::new();
//! encode_result(b"OK", &mut out);
//! assert_eq!(&out[..], b"RESULT 2\nOK");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! | piece | direction | what it does |
//! |---|---|---|
//! | [`EventType`], [`EventMask`] | — | the registry of 4.3's event types and subscription matching with the hierarchy |
//! | [`Header`], [`payload`] | both | the header line and one typed payload per event family, decode and byte-exact encode |
//! | [`EventDecoder`] | daemon → listener | cuts stdin into [`Envelope`]s: header line, then `len` units |
//! | [`EventDecoder::next_view`], [`EventView`], [`HeaderView`], [`payload::PayloadView`] | daemon → listener | the same decode borrowed from the decoder's buffer: no allocation, no copy, no reference count |
//! | [`encode_envelope`] | daemon → listener | writes header + payload |
//! | [`ListenerProtocol`] | listener → daemon | `READY\n` and `RESULT <n>\n<body>` as the daemon reads them, with the ACKNOWLEDGED / READY / BUSY / UNKNOWN states |
//! | [`encode_ready`], [`encode_result`] | listener → daemon | what a listener writes |
//! | [`pyfmt`] | — | the Python literal formats 4.3 puts in payloads and logs |
//!
//! # `len`: characters or bytes
//! supervisor 4.3 on Python 3 counts the payload's `len` in Unicode characters, not bytes
//! (its docs say bytes; supervisor issue #1243), and Python listeners read it in text mode.
//! [`LenUnit::Chars`] is therefore the default and matches 4.3 byte for byte.
//! [`LenUnit::Bytes`] is announced by an extra `lenunit:bytes` header token, which Python's
//! `childutils` ignores; [`EventDecoder`] handles both.
//!
//! # Limits
//! Every decoder is bounded by [`Limits`]: a peer sending garbage gets an error carrying the
//! offending bytes and their stream offset, never unbounded buffering or a panic.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod envelope;
pub mod event_type;
mod header;
mod limits;
mod listener_protocol;
pub mod payload;
pub mod pyfmt;
mod state;
mod text;
mod tokens;
#[cfg(feature = "xmlrpc")]
pub mod xmlrpc;

pub use envelope::{
    encode_envelope, encode_ready, encode_result, DecodeError, DecodeErrorKind, Envelope,
    EnvelopeFields, EventDecoder, EventView,
};
pub use event_type::{EventMask, EventName, EventType, UnknownEventType};
pub use header::{Header, HeaderError, HeaderView, PROTOCOL_VERSION};
pub use limits::{LenUnit, Limits};
pub use listener_protocol::{
    ListenerOutput, ListenerProtocol, ListenerResult, ListenerState, ProtocolError,
    ProtocolErrorKind,
};
pub use payload::{Payload, PayloadError, PayloadView};
pub use state::{ProcessState, UnknownStateName};
pub use text::Text;
