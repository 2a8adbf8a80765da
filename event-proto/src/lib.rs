//! supervisord's event-listener wire protocol as a sans-io codec.
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

pub use envelope::{
    encode_envelope, encode_ready, encode_result, DecodeError, DecodeErrorKind, Envelope,
    EnvelopeFields, EventDecoder,
};
pub use event_type::{EventMask, EventName, EventType, UnknownEventType};
pub use header::{Header, HeaderError, PROTOCOL_VERSION};
pub use limits::{LenUnit, Limits};
pub use listener_protocol::{
    ListenerOutput, ListenerProtocol, ListenerResult, ListenerState, ProtocolError,
    ProtocolErrorKind,
};
pub use payload::{Payload, PayloadError};
pub use state::{ProcessState, UnknownStateName};
pub use text::Text;
