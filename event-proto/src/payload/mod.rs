//! Typed payloads, one module per event family ([EV-PAY-*]). Each decodes from the payload
//! bytes of one frame and encodes back to the identical bytes.

mod process_communication;
mod process_group;
mod process_log;
mod process_state;
mod remote_communication;
mod tick;

use std::borrow::Cow;
use std::fmt;

use bytes::{BufMut, Bytes, BytesMut};

pub use process_communication::{ProcessCommunicationPayload, ProcessCommunicationView};
pub use process_group::{ProcessGroupPayload, ProcessGroupView};
pub use process_log::{Channel, ProcessLogPayload, ProcessLogView};
pub use process_state::{ProcessStatePayload, ProcessStateView};
pub use remote_communication::{RemoteCommunicationPayload, RemoteCommunicationView};
pub use tick::TickPayload;

use crate::event_type::{EventName, EventType};
use crate::pyfmt;
use crate::text::{sub_bytes, Text};
use crate::tokens::{canonical, tokens};

/// The payload of one event, typed by its family.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Payload {
    /// `PROCESS_STATE_*`.
    ProcessState(ProcessStatePayload),
    /// `PROCESS_LOG_STDOUT` / `PROCESS_LOG_STDERR`.
    ProcessLog(ProcessLogPayload),
    /// `PROCESS_COMMUNICATION_STDOUT` / `PROCESS_COMMUNICATION_STDERR`.
    ProcessCommunication(ProcessCommunicationPayload),
    /// `REMOTE_COMMUNICATION`.
    RemoteCommunication(RemoteCommunicationPayload),
    /// `SUPERVISOR_STATE_CHANGE_*`: always empty ([EV-PAY-SUPSTATE]).
    SupervisorStateChange,
    /// `TICK_*`.
    Tick(TickPayload),
    /// `PROCESS_GROUP_ADDED` / `PROCESS_GROUP_REMOVED`.
    ProcessGroup(ProcessGroupPayload),
    /// An event type this version does not know: the payload bytes as received.
    Raw(Bytes),
}

/// The payload of one event, typed by its family and borrowed from its frame: what
/// [`EventView::payload`](crate::EventView::payload) gives, with no allocation and no
/// reference count. [`PayloadView::to_payload`] makes the owned [`Payload`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayloadView<'a> {
    /// `PROCESS_STATE_*`.
    ProcessState(ProcessStateView<'a>),
    /// `PROCESS_LOG_STDOUT` / `PROCESS_LOG_STDERR`.
    ProcessLog(ProcessLogView<'a>),
    /// `PROCESS_COMMUNICATION_STDOUT` / `PROCESS_COMMUNICATION_STDERR`.
    ProcessCommunication(ProcessCommunicationView<'a>),
    /// `REMOTE_COMMUNICATION`.
    RemoteCommunication(RemoteCommunicationView<'a>),
    /// `SUPERVISOR_STATE_CHANGE_*`: always empty ([EV-PAY-SUPSTATE]).
    SupervisorStateChange,
    /// `TICK_*`.
    Tick(TickPayload),
    /// `PROCESS_GROUP_ADDED` / `PROCESS_GROUP_REMOVED`.
    ProcessGroup(ProcessGroupView<'a>),
    /// An event type this version does not know: the payload bytes as received.
    Raw(&'a [u8]),
}

impl<'a> PayloadView<'a> {
    /// Decodes the payload of an event of type `event_type` (`None`: a name this version does
    /// not know, giving [`PayloadView::Raw`]). Same rules and errors as [`Payload::decode`].
    #[inline]
    pub fn decode(
        event_type: Option<EventType>,
        payload: &'a [u8],
    ) -> Result<PayloadView<'a>, PayloadError> {
        use EventType as T;
        let Some(t) = event_type else {
            return Ok(PayloadView::Raw(payload));
        };
        Ok(match t {
            T::ProcessStateStopped
            | T::ProcessStateStarting
            | T::ProcessStateRunning
            | T::ProcessStateBackoff
            | T::ProcessStateStopping
            | T::ProcessStateExited
            | T::ProcessStateFatal
            | T::ProcessStateUnknown => {
                PayloadView::ProcessState(ProcessStateView::decode(payload)?)
            }
            T::ProcessLogStdout | T::ProcessLogStderr => {
                PayloadView::ProcessLog(ProcessLogView::decode(payload)?)
            }
            T::ProcessCommunicationStdout | T::ProcessCommunicationStderr => {
                PayloadView::ProcessCommunication(ProcessCommunicationView::decode(payload)?)
            }
            T::RemoteCommunication => {
                PayloadView::RemoteCommunication(RemoteCommunicationView::decode(payload)?)
            }
            T::SupervisorStateChangeRunning | T::SupervisorStateChangeStopping => {
                if !payload.is_empty() {
                    return Err(PayloadError::new(0, "expected an empty payload"));
                }
                PayloadView::SupervisorStateChange
            }
            T::Tick5 | T::Tick60 | T::Tick3600 => PayloadView::Tick(TickPayload::decode(payload)?),
            T::ProcessGroupAdded | T::ProcessGroupRemoved => {
                PayloadView::ProcessGroup(ProcessGroupView::decode(payload)?)
            }
            T::Event
            | T::ProcessState
            | T::ProcessLog
            | T::ProcessCommunication
            | T::SupervisorStateChange
            | T::Tick
            | T::ProcessGroup => {
                return Err(PayloadError::new(0, "abstract event types are never sent"))
            }
        })
    }

    /// `processname:` of process state, log and communication events.
    pub fn process_name(&self) -> Option<&'a str> {
        match self {
            PayloadView::ProcessState(p) => Some(p.process_name),
            PayloadView::ProcessLog(p) => Some(p.process_name),
            PayloadView::ProcessCommunication(p) => Some(p.process_name),
            _ => None,
        }
    }

    /// `groupname:` of process events and PROCESS_GROUP_ADDED/REMOVED.
    pub fn group_name(&self) -> Option<&'a str> {
        match self {
            PayloadView::ProcessState(p) => Some(p.group_name),
            PayloadView::ProcessLog(p) => Some(p.group_name),
            PayloadView::ProcessCommunication(p) => Some(p.group_name),
            PayloadView::ProcessGroup(p) => Some(p.group_name),
            _ => None,
        }
    }

    /// The owned payload (copies what it borrows).
    pub fn to_payload(self) -> Payload {
        self.to_owned_in(None)
    }

    /// The owned payload; text and data longer than a short name share `parent`'s memory
    /// when they lie within it.
    pub(crate) fn to_owned_in(self, parent: Option<&Bytes>) -> Payload {
        match self {
            PayloadView::ProcessState(p) => Payload::ProcessState(p.to_owned_in(parent)),
            PayloadView::ProcessLog(p) => Payload::ProcessLog(p.to_owned_in(parent)),
            PayloadView::ProcessCommunication(p) => {
                Payload::ProcessCommunication(p.to_owned_in(parent))
            }
            PayloadView::RemoteCommunication(p) => {
                Payload::RemoteCommunication(p.to_owned_in(parent))
            }
            PayloadView::SupervisorStateChange => Payload::SupervisorStateChange,
            PayloadView::Tick(p) => Payload::Tick(p),
            PayloadView::ProcessGroup(p) => Payload::ProcessGroup(p.to_owned_in(parent)),
            PayloadView::Raw(b) => Payload::Raw(sub_bytes(parent, b)),
        }
    }
}

impl Payload {
    /// Decodes the payload of an event named `name`. Unknown names give [`Payload::Raw`].
    /// Names and data share `payload`'s memory (see [`PayloadView`] for a borrowed decode).
    pub fn decode(name: &EventName, payload: Bytes) -> Result<Payload, PayloadError> {
        Payload::decode_shared(name, &payload)
    }

    /// [`Payload::decode`] without taking a reference count on `payload` unless the result
    /// keeps a slice of it.
    pub(crate) fn decode_shared(
        name: &EventName,
        payload: &Bytes,
    ) -> Result<Payload, PayloadError> {
        PayloadView::decode(name.event_type(), payload).map(|view| view.to_owned_in(Some(payload)))
    }

    /// Writes the payload bytes exactly as supervisor 4.3 does.
    pub fn encode(&self, dst: &mut BytesMut) {
        match self {
            Payload::ProcessState(p) => p.encode(dst),
            Payload::ProcessLog(p) => p.encode(dst),
            Payload::ProcessCommunication(p) => p.encode(dst),
            Payload::RemoteCommunication(p) => p.encode(dst),
            Payload::SupervisorStateChange => {}
            Payload::Tick(p) => p.encode(dst),
            Payload::ProcessGroup(p) => p.encode(dst),
            Payload::Raw(b) => dst.put_slice(b),
        }
    }

    /// The payload bytes as a new buffer.
    pub fn to_bytes(&self) -> Bytes {
        // Sized once: a log chunk is copied into the payload, not reallocated around it.
        let data = match self {
            Payload::ProcessLog(p) => p.data.len(),
            Payload::ProcessCommunication(p) => p.data.len(),
            Payload::RemoteCommunication(p) => p.data.len(),
            Payload::Raw(b) => b.len(),
            _ => 0,
        };
        let mut dst = BytesMut::with_capacity(256 + data);
        self.encode(&mut dst);
        dst.freeze()
    }
}

/// Why a payload did not decode; `offset` is the byte position in the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadError {
    /// Byte offset in the payload where the problem is.
    pub offset: usize,
    /// What was expected.
    pub message: String,
}

impl PayloadError {
    pub(crate) fn new(offset: usize, message: impl Into<String>) -> PayloadError {
        PayloadError {
            offset,
            message: message.into(),
        }
    }
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad payload at byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for PayloadError {}

/// Splits a body-bearing payload at its first `\n` into (token line, body) ([EV-PAY-body]).
pub(crate) fn split_body(payload: &[u8]) -> Result<(&[u8], &[u8]), PayloadError> {
    let nl = memchr::memchr(b'\n', payload)
        .ok_or_else(|| PayloadError::new(payload.len(), "expected a newline after the tokens"))?;
    Ok((&payload[..nl], &payload[nl + 1..]))
}

/// Collects the known tokens of a token line, refusing unknown or repeated ones is not
/// 4.3's way: unknown tokens are ignored and the last repeat wins.
pub(crate) struct TokenLine<'a> {
    line: &'a [u8],
}

impl<'a> TokenLine<'a> {
    pub(crate) fn new(line: &'a [u8]) -> Self {
        TokenLine { line }
    }

    /// Calls `f(key, value, offset)` for each token.
    pub(crate) fn each(
        &self,
        mut f: impl FnMut(&'a [u8], &'a [u8], usize) -> Result<(), PayloadError>,
    ) -> Result<(), PayloadError> {
        // Fast path: state, log and communication payloads open with these two, in this order.
        let mut rest: &'a [u8] = self.line;
        if let Some((pname, r)) = canonical(rest, b"processname:") {
            if let Some((gname, r)) = canonical(r, b" groupname:") {
                f(b"processname", pname, 0)?;
                f(b"groupname", gname, pname.len() + 13)?;
                rest = r;
            }
        }
        let base = self.line.len() - rest.len();
        for (key, value, offset) in tokens(rest) {
            f(key, value, base + offset)?;
        }
        Ok(())
    }

    /// A token value as text.
    pub(crate) fn text(&self, value: &'a [u8], offset: usize) -> Result<&'a str, PayloadError> {
        utf8(value).ok_or_else(|| PayloadError::new(offset, "token value is not UTF-8"))
    }
}

/// `value` as text, if it is UTF-8.
pub(crate) fn utf8(value: &[u8]) -> Option<&str> {
    std::str::from_utf8(value).ok()
}

/// Parses a decimal token value (digits only, as 4.3 writes them).
pub(crate) fn number<T: TryFrom<u64>>(
    key: &str,
    value: &[u8],
    offset: usize,
) -> Result<T, PayloadError> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return Err(PayloadError::new(
            offset,
            format!("{key} must be a decimal number"),
        ));
    }
    // Up to 19 digits cannot overflow a u64, so they are summed without a check per digit.
    let n = if value.len() <= 19 {
        Some(
            value
                .iter()
                .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0')),
        )
    } else {
        value.iter().try_fold(0u64, |n, &d| {
            n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        })
    };
    n.and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| PayloadError::new(offset, format!("{key} is out of range")))
}

/// The `processname:P groupname:G pid:N [channel:C]` line of log and communication
/// payloads.
#[derive(Debug)]
pub(crate) struct OutputTokens<'a> {
    pub(crate) process_name: &'a str,
    pub(crate) group_name: &'a str,
    pub(crate) pid: u32,
    pub(crate) channel: Option<Channel>,
}

impl<'a> OutputTokens<'a> {
    /// Splits a log or communication payload into its tokens, its token line and its body
    /// ([EV-PAY-body]).
    #[inline]
    pub(crate) fn split(
        payload: &'a [u8],
    ) -> Result<(OutputTokens<'a>, &'a [u8], &'a [u8]), PayloadError> {
        // Fast path: 4.3's layout, whose token line ends where its last value does, so the
        // body is found without searching for the newline.
        if let Some((tokens, Some(body))) = Self::decode_canonical(payload) {
            let head = &payload[..payload.len() - body.len() - 1];
            return Ok((tokens, head, body));
        }
        let (head, body) = split_body(payload)?;
        Ok((Self::decode(head)?, head, body))
    }

    pub(crate) fn decode(head: &'a [u8]) -> Result<OutputTokens<'a>, PayloadError> {
        if let Some((t, None)) = Self::decode_canonical(head) {
            return Ok(t);
        }
        let line = TokenLine::new(head);
        let (mut pname, mut gname, mut pid, mut channel) = (None, None, None, None);
        line.each(|key, value, offset| {
            match key {
                b"processname" => pname = Some(line.text(value, offset)?),
                b"groupname" => gname = Some(line.text(value, offset)?),
                b"pid" => pid = Some(number("pid", value, offset)?),
                b"channel" => {
                    channel = Some(match value {
                        b"stdout" => Channel::Stdout,
                        b"stderr" => Channel::Stderr,
                        _ => {
                            return Err(PayloadError::new(
                                offset,
                                "channel must be stdout or stderr",
                            ))
                        }
                    })
                }
                _ => {}
            }
            Ok(())
        })?;
        Ok(OutputTokens {
            process_name: pname.ok_or_else(|| missing(head, "processname"))?,
            group_name: gname.ok_or_else(|| missing(head, "groupname"))?,
            pid: pid.ok_or_else(|| missing(head, "pid"))?,
            channel,
        })
    }

    /// `processname:P groupname:G pid:N[ channel:C]`, in the order 4.3 writes it, then the
    /// end of `text` (`None`) or a newline and what follows it; `None` for anything else (the
    /// any-order loop then decides, with its precise errors).
    #[allow(clippy::type_complexity)]
    #[inline]
    fn decode_canonical(text: &'a [u8]) -> Option<(OutputTokens<'a>, Option<&'a [u8]>)> {
        let (pname, rest) = canonical(text, b"processname:")?;
        let (gname, rest) = canonical(rest, b" groupname:")?;
        let rest = rest.strip_prefix(b" pid:")?;
        let (pid, rest) = rest.split_at(rest.iter().take_while(|b| b.is_ascii_digit()).count());
        let (channel, rest) = if let Some(rest) = rest.strip_prefix(b" channel:stdout") {
            (Some(Channel::Stdout), rest)
        } else if let Some(rest) = rest.strip_prefix(b" channel:stderr") {
            (Some(Channel::Stderr), rest)
        } else {
            (None, rest)
        };
        let body = match rest {
            [] => None,
            [b'\n', body @ ..] => Some(body),
            _ => return None,
        };
        // Both names checked in one call: the span from one to the other.
        let names = utf8(text.get(12..12 + pname.len() + 11 + gname.len())?)?;
        let tokens = OutputTokens {
            process_name: names.get(..pname.len())?,
            group_name: names.get(pname.len() + 11..)?,
            pid: number("pid", pid, 0).ok()?,
            channel,
        };
        Some((tokens, body))
    }
}

/// Writes `processname:P groupname:G pid:N`.
pub(crate) fn encode_process_tokens(dst: &mut BytesMut, pname: &Text, gname: &Text, pid: u32) {
    dst.put_slice(b"processname:");
    dst.put_slice(pname.as_bytes());
    dst.put_slice(b" groupname:");
    dst.put_slice(gname.as_bytes());
    dst.put_slice(b" pid:");
    crate::header::put_decimal(dst, u64::from(pid));
}

/// A required token that was absent.
pub(crate) fn missing(line: &[u8], key: &str) -> PayloadError {
    PayloadError::new(line.len(), format!("missing {key} token"))
}

/// The body 4.3 sends for a chunk of child output ([EV-PAY-text]): the bytes themselves when
/// they are UTF-8, otherwise `Undecodable: ` followed by the Python bytes literal.
pub fn output_body(raw: &[u8]) -> Bytes {
    if std::str::from_utf8(raw).is_ok() {
        Bytes::copy_from_slice(raw)
    } else {
        undecodable_body(raw)
    }
}

/// [`output_body`] for a chunk already in shared memory (what a daemon's pipe reader has):
/// UTF-8 output, the common case, becomes the body without a copy.
pub fn output_body_from(raw: &Bytes) -> Bytes {
    if std::str::from_utf8(raw).is_ok() {
        raw.clone()
    } else {
        undecodable_body(raw)
    }
}

/// `Undecodable: ` followed by the Python bytes literal of `raw`.
fn undecodable_body(raw: &[u8]) -> Bytes {
    let mut s = String::from(UNDECODABLE_PREFIX);
    s.push_str(&pyfmt::bytes_repr(raw));
    Bytes::from(s)
}

/// [`output_bytes`] for a borrowed body: borrowed unless 4.3 rewrote it as `Undecodable:`.
pub fn output_slice(body: &[u8]) -> Cow<'_, [u8]> {
    body.strip_prefix(UNDECODABLE_PREFIX.as_bytes())
        .and_then(pyfmt::parse_bytes_literal)
        .map_or(Cow::Borrowed(body), Cow::Owned)
}

/// Recovers the child's raw output from a body made by [`output_body`].
pub fn output_bytes(body: &Bytes) -> Bytes {
    body.strip_prefix(UNDECODABLE_PREFIX.as_bytes())
        .and_then(pyfmt::parse_bytes_literal)
        .map_or_else(|| body.clone(), Bytes::from)
}

const UNDECODABLE_PREFIX: &str = "Undecodable: ";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_tokens_fast_and_general_paths_agree() {
        let decode = |s: &'static str| OutputTokens::decode(s.as_bytes());
        let canonical =
            decode("processname:web_03 groupname:web pid:48213 channel:stderr").expect("canonical");
        let reordered = decode("channel:stderr  pid:48213 groupname:web processname:web_03")
            .expect("any order");
        for t in [&canonical, &reordered] {
            assert_eq!((t.process_name, t.group_name), ("web_03", "web"));
            assert_eq!((t.pid, t.channel), (48_213, Some(Channel::Stderr)));
        }
        assert_eq!(
            decode("processname:a groupname:b pid:1")
                .expect("comm")
                .channel,
            None
        );
        let bad = decode("processname:a groupname:b pid:1 channel:stdin").expect_err("bad");
        assert_eq!(bad.message, "channel must be stdout or stderr");
        let bad = decode("processname:a groupname:b pid:99999999999").expect_err("bad");
        assert_eq!(bad.message, "pid is out of range");
    }

    #[test]
    fn output_bodies_follow_ev_pay_text() {
        assert_eq!(&output_body(b"hello\n")[..], b"hello\n");
        let shared = Bytes::from_static(b"shared\n");
        assert_eq!(
            output_body_from(&shared).as_ptr(),
            shared.as_ptr(),
            "no copy"
        );
        let odd = Bytes::from_static(b"a\xffb");
        assert_eq!(output_body_from(&odd), output_body(&odd));
        let raw = b"after\ncaf\xc3\xa9 \xc3\xbcber\nbad \xff\xfe bytes\n";
        let body = output_body(raw);
        assert_eq!(
            &body[..],
            &br"Undecodable: b'after\ncaf\xc3\xa9 \xc3\xbcber\nbad \xff\xfe bytes\n'"[..]
        );
        assert_eq!(&output_bytes(&body)[..], &raw[..]);
        assert_eq!(&output_slice(&body)[..], &raw[..]);
        assert!(matches!(output_slice(b"plain"), Cow::Borrowed(b"plain")));
        assert_eq!(&output_bytes(&Bytes::from_static(b"plain"))[..], b"plain");
    }
}
