//! Typed payloads, one module per event family ([EV-PAY-*]). Each decodes from the payload
//! bytes of one frame and encodes back to the identical bytes.

mod process_communication;
mod process_group;
mod process_log;
mod process_state;
mod remote_communication;
mod tick;

use std::fmt;

use bytes::{BufMut, Bytes, BytesMut};

pub use process_communication::ProcessCommunicationPayload;
pub use process_group::ProcessGroupPayload;
pub use process_log::{Channel, ProcessLogPayload};
pub use process_state::ProcessStatePayload;
pub use remote_communication::RemoteCommunicationPayload;
pub use tick::TickPayload;

use crate::event_type::{EventName, EventType};
use crate::pyfmt;
use crate::text::Text;
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

impl Payload {
    /// Decodes the payload of an event named `name`. Unknown names give [`Payload::Raw`].
    pub fn decode(name: &EventName, payload: Bytes) -> Result<Payload, PayloadError> {
        use EventType as T;
        let Some(t) = name.event_type() else {
            return Ok(Payload::Raw(payload));
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
                Payload::ProcessState(ProcessStatePayload::decode(&payload)?)
            }
            T::ProcessLogStdout | T::ProcessLogStderr => {
                Payload::ProcessLog(ProcessLogPayload::decode(&payload)?)
            }
            T::ProcessCommunicationStdout | T::ProcessCommunicationStderr => {
                Payload::ProcessCommunication(ProcessCommunicationPayload::decode(&payload)?)
            }
            T::RemoteCommunication => {
                Payload::RemoteCommunication(RemoteCommunicationPayload::decode(&payload)?)
            }
            T::SupervisorStateChangeRunning | T::SupervisorStateChangeStopping => {
                if !payload.is_empty() {
                    return Err(PayloadError::new(0, "expected an empty payload"));
                }
                Payload::SupervisorStateChange
            }
            T::Tick5 | T::Tick60 | T::Tick3600 => Payload::Tick(TickPayload::decode(&payload)?),
            T::ProcessGroupAdded | T::ProcessGroupRemoved => {
                Payload::ProcessGroup(ProcessGroupPayload::decode(&payload)?)
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
pub(crate) fn split_body(payload: &Bytes) -> Result<(Bytes, Bytes), PayloadError> {
    let nl = memchr::memchr(b'\n', payload)
        .ok_or_else(|| PayloadError::new(payload.len(), "expected a newline after the tokens"))?;
    Ok((payload.slice(..nl), payload.slice(nl + 1..)))
}

/// Collects the known tokens of a token line, refusing unknown or repeated ones is not
/// 4.3's way: unknown tokens are ignored and the last repeat wins.
pub(crate) struct TokenLine<'a> {
    line: &'a Bytes,
}

impl<'a> TokenLine<'a> {
    pub(crate) fn new(line: &'a Bytes) -> Self {
        TokenLine { line }
    }

    /// Calls `f(key, value, offset)` for each token.
    pub(crate) fn each(
        &self,
        mut f: impl FnMut(&[u8], &[u8], usize) -> Result<(), PayloadError>,
    ) -> Result<(), PayloadError> {
        // Fast path: state, log and communication payloads open with these two, in this order.
        let mut rest: &[u8] = self.line;
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

    /// A token value as shared text.
    pub(crate) fn text(&self, value: &[u8], offset: usize) -> Result<Text, PayloadError> {
        Text::from_sub(self.line, value)
            .ok_or_else(|| PayloadError::new(offset, "token value is not UTF-8"))
    }
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
    value
        .iter()
        .try_fold(0u64, |n, &d| {
            n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        })
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| PayloadError::new(offset, format!("{key} is out of range")))
}

/// The `processname:P groupname:G pid:N [channel:C]` line of log and communication
/// payloads.
#[derive(Debug)]
pub(crate) struct OutputTokens {
    pub(crate) process_name: Text,
    pub(crate) group_name: Text,
    pub(crate) pid: u32,
    pub(crate) channel: Option<Channel>,
}

impl OutputTokens {
    pub(crate) fn decode(head: &Bytes) -> Result<OutputTokens, PayloadError> {
        if let Some(t) = Self::decode_canonical(head) {
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
}

/// Writes `processname:P groupname:G pid:N`.
impl OutputTokens {
    /// `processname:P groupname:G pid:N[ channel:C]`, in the order 4.3 writes it; `None` for
    /// anything else (the any-order loop then decides, with its precise errors).
    fn decode_canonical(head: &Bytes) -> Option<OutputTokens> {
        let (pname, rest) = canonical(head, b"processname:")?;
        let (gname, rest) = canonical(rest, b" groupname:")?;
        let (pid, rest) = canonical(rest, b" pid:")?;
        let channel = match rest {
            b"" => None,
            b" channel:stdout" => Some(Channel::Stdout),
            b" channel:stderr" => Some(Channel::Stderr),
            _ => return None,
        };
        Some(OutputTokens {
            process_name: Text::from_sub(head, pname)?,
            group_name: Text::from_sub(head, gname)?,
            pid: number("pid", pid, 0).ok()?,
            channel,
        })
    }
}

pub(crate) fn encode_process_tokens(dst: &mut BytesMut, pname: &Text, gname: &Text, pid: u32) {
    dst.put_slice(b"processname:");
    dst.put_slice(pname.as_bytes());
    dst.put_slice(b" groupname:");
    dst.put_slice(gname.as_bytes());
    dst.put_slice(b" pid:");
    crate::header::put_decimal(dst, u64::from(pid));
}

/// A required token that was absent.
pub(crate) fn missing(line: &Bytes, key: &str) -> PayloadError {
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
        let decode = |s: &'static str| OutputTokens::decode(&Bytes::from_static(s.as_bytes()));
        let canonical =
            decode("processname:web_03 groupname:web pid:48213 channel:stderr").expect("canonical");
        let reordered = decode("channel:stderr  pid:48213 groupname:web processname:web_03")
            .expect("any order");
        for t in [&canonical, &reordered] {
            assert_eq!(
                (t.process_name.as_str(), t.group_name.as_str()),
                ("web_03", "web")
            );
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
        assert_eq!(&output_bytes(&Bytes::from_static(b"plain"))[..], b"plain");
    }
}
