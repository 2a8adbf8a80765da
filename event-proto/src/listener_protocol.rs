//! The daemon side of the framing: what supervisord makes of a listener's stdout
//! ([EV-PROTO-*], [EV-LST-*]).

use std::fmt;

use bytes::{Bytes, BytesMut};

use crate::envelope::READY;
use crate::limits::Limits;
use crate::pyfmt;

/// A listener process's protocol state ([EV-LST-*]), with 4.3's codes.
///
/// ```text
///                spawn / restart
///                      │
///                      ▼
///   ┌──────────► ACKNOWLEDGED ──── other output ────┐
///   │                  │ READY\n                    │
///   │                  ▼                            ▼
///   │               READY ─────── any output ──► UNKNOWN  (output ignored
///   │                  │ event sent                 ▲      until respawn)
///   │                  ▼                            │
///   └─ RESULT n\n+n ── BUSY ───── bad result line ──┘
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListenerState {
    /// Waiting for `READY\n` (after spawn and after each result). Code 30.
    Acknowledged,
    /// May be sent an event. Code 10.
    Ready,
    /// Holds one event, waiting for its result. Code 20.
    Busy,
    /// Violated the protocol; gets no events until its process restarts. Code 40.
    Unknown,
}

impl ListenerState {
    /// The upper-case name 4.3 logs (`ACKNOWLEDGED`).
    pub const fn as_str(self) -> &'static str {
        match self {
            ListenerState::Acknowledged => "ACKNOWLEDGED",
            ListenerState::Ready => "READY",
            ListenerState::Busy => "BUSY",
            ListenerState::Unknown => "UNKNOWN",
        }
    }

    /// 4.3's numeric code.
    pub const fn code(self) -> i32 {
        match self {
            ListenerState::Ready => 10,
            ListenerState::Busy => 20,
            ListenerState::Acknowledged => 30,
            ListenerState::Unknown => 40,
        }
    }
}

impl fmt::Display for ListenerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A listener's answer to an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenerResult {
    /// `RESULT 2\nOK`: processed.
    Ok,
    /// `RESULT 4\nFAIL`: rejected.
    Fail,
    /// Any other body (4.3's default handler rejects it, [EV-RH-default]).
    Other(Bytes),
}

impl ListenerResult {
    fn from_body(body: Bytes) -> ListenerResult {
        match &body[..] {
            b"OK" => ListenerResult::Ok,
            b"FAIL" => ListenerResult::Fail,
            _ => ListenerResult::Other(body),
        }
    }

    /// The result body bytes.
    pub fn body(&self) -> &[u8] {
        match self {
            ListenerResult::Ok => b"OK",
            ListenerResult::Fail => b"FAIL",
            ListenerResult::Other(b) => b,
        }
    }

    /// Whether 4.3's default result handler accepts it (body exactly `OK`).
    pub fn is_ok(&self) -> bool {
        matches!(self, ListenerResult::Ok)
    }
}

/// What one step of [`ListenerProtocol::next`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum ListenerOutput {
    /// `READY\n`: ACKNOWLEDGED → READY.
    Ready,
    /// A complete result: BUSY → ACKNOWLEDGED.
    Result(ListenerResult),
    /// A protocol violation: → UNKNOWN. If the listener was BUSY its event must be rebuffered.
    Violation(ProtocolError),
}

/// A listener protocol violation, with the offending bytes and where they start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError {
    /// What rule was broken.
    pub kind: ProtocolErrorKind,
    /// The state the listener was in.
    pub state: ListenerState,
    /// Offset of the first offending byte in the listener's stdout since its spawn.
    pub offset: u64,
    /// The offending bytes (for a bad result line, the line; otherwise at most 64 bytes).
    pub bytes: Bytes,
}

/// The kinds of [`ProtocolError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolErrorKind {
    /// Output other than `READY\n` while ACKNOWLEDGED ([EV-LST-ack-garbage]).
    NotReady,
    /// Any output while READY ([EV-LST-ready-garbage]).
    OutputWhileReady,
    /// A result line whose length is not a non-negative integer ([EV-LST-busy-badline]).
    BadResultLine,
    /// A result line longer than the line limit.
    ResultLineTooLong,
    /// A result body longer than the result limit.
    ResultTooLong,
    /// The listener closed its stdout while still running, so it can never answer again.
    OutputClosed,
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ProtocolErrorKind::NotReady => "expected READY\\n",
            ProtocolErrorKind::OutputWhileReady => "unexpected output while READY",
            ProtocolErrorKind::BadResultLine => "bad result line",
            ProtocolErrorKind::ResultLineTooLong => "result line too long",
            ProtocolErrorKind::ResultTooLong => "result body too long",
            ProtocolErrorKind::OutputClosed => "stdout closed",
        };
        write!(
            f,
            "{what} (state {}, offset {}): {}",
            self.state,
            self.offset,
            pyfmt::bytes_repr(&self.bytes)
        )
    }
}

impl std::error::Error for ProtocolError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Busy {
    /// Reading the `RESULT <n>` line; `searched` bytes hold no newline.
    Line { searched: usize },
    /// Reading `n` body bytes.
    Body { len: usize },
}

/// The daemon's sans-io view of one listener: push its stdout bytes, pull
/// [`ListenerOutput`]s, and tell it when an event was sent.
///
/// It follows 4.3 where listeners can tell (partial writes, `RESULT` and `READY` in one write,
/// the unchecked first 7 bytes of the result line), and is stricter where 4.3 hangs or buffers
/// without bound (negative lengths, huge lines): see COMPATIBILITY.md.
///
/// ```
/// use event_proto::{ListenerOutput, ListenerProtocol, ListenerResult, ListenerState};
///
/// let mut lp = ListenerProtocol::new();
/// lp.push(b"READY\n");
/// assert_eq!(lp.next(), Some(ListenerOutput::Ready));
/// lp.event_sent().unwrap();
/// lp.push(b"RESULT 2\nOKREA");
/// assert_eq!(lp.next(), Some(ListenerOutput::Result(ListenerResult::Ok)));
/// assert_eq!(lp.next(), None);
/// assert_eq!(lp.state(), ListenerState::Acknowledged);
/// ```
#[derive(Debug)]
pub struct ListenerProtocol {
    state: ListenerState,
    busy: Busy,
    buf: BytesMut,
    /// Stream offset of `buf[0]`.
    offset: u64,
    limits: Limits,
}

impl Default for ListenerProtocol {
    fn default() -> Self {
        ListenerProtocol::new()
    }
}

const SNIPPET: usize = 64;

impl ListenerProtocol {
    /// A freshly spawned listener (ACKNOWLEDGED) with default [`Limits`].
    pub fn new() -> ListenerProtocol {
        ListenerProtocol::with_limits(Limits::DEFAULT)
    }

    /// A freshly spawned listener with the given limits.
    pub fn with_limits(limits: Limits) -> ListenerProtocol {
        ListenerProtocol {
            state: ListenerState::Acknowledged,
            busy: Busy::Line { searched: 0 },
            buf: BytesMut::new(),
            offset: 0,
            limits,
        }
    }

    /// The current protocol state.
    pub fn state(&self) -> ListenerState {
        self.state
    }

    /// The process was (re)spawned: back to ACKNOWLEDGED with nothing buffered ([EV-LST-spawn]).
    pub fn reset(&mut self) {
        *self = ListenerProtocol::with_limits(self.limits);
    }

    /// Appends bytes the listener wrote to stdout. In UNKNOWN they are ignored ([EV-LST-unknown]).
    pub fn push(&mut self, bytes: &[u8]) {
        if self.state == ListenerState::Unknown {
            self.offset += bytes.len() as u64;
        } else {
            self.buf.extend_from_slice(bytes);
        }
    }

    /// Records that an event was written to the listener: READY → BUSY ([EV-LST-dispatch]).
    /// Refused (returning the current state) unless READY.
    pub fn event_sent(&mut self) -> Result<(), ListenerState> {
        if self.state != ListenerState::Ready {
            return Err(self.state);
        }
        self.state = ListenerState::Busy;
        self.busy = Busy::Line { searched: 0 };
        Ok(())
    }

    /// The listener closed its stdout but is still running: it can never answer, so unless
    /// already UNKNOWN this is a violation ([`ProtocolErrorKind::OutputClosed`]) carrying
    /// whatever partial output was buffered.
    pub fn output_closed(&mut self) -> Option<ListenerOutput> {
        (self.state != ListenerState::Unknown)
            .then(|| self.violation(ProtocolErrorKind::OutputClosed, None))
    }

    /// The next thing the buffered output says, if it says something yet. Call it until it
    /// returns `None` after each [`push`](Self::push).
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<ListenerOutput> {
        match self.state {
            ListenerState::Unknown => None,
            ListenerState::Acknowledged => {
                if self.buf.is_empty() {
                    return None;
                }
                let n = self.buf.len().min(READY.len());
                if self.buf[..n] != READY[..n] {
                    return Some(self.violation(ProtocolErrorKind::NotReady, None));
                }
                if n < READY.len() {
                    return None;
                }
                self.consume(READY.len());
                self.state = ListenerState::Ready;
                Some(ListenerOutput::Ready)
            }
            ListenerState::Ready => {
                if self.buf.is_empty() {
                    None
                } else {
                    Some(self.violation(ProtocolErrorKind::OutputWhileReady, None))
                }
            }
            ListenerState::Busy => self.next_busy(),
        }
    }

    fn next_busy(&mut self) -> Option<ListenerOutput> {
        if let Busy::Line { searched } = self.busy {
            let Some(nl) = memchr::memchr(b'\n', &self.buf[searched..]).map(|i| i + searched)
            else {
                if self.buf.len() > self.limits.max_line_len {
                    return Some(self.violation(ProtocolErrorKind::ResultLineTooLong, None));
                }
                self.busy = Busy::Line {
                    searched: self.buf.len(),
                };
                return None;
            };
            if nl > self.limits.max_line_len {
                return Some(self.violation(ProtocolErrorKind::ResultLineTooLong, None));
            }
            // [EV-PROTO-result-parse]: the first 7 bytes ("RESULT ") are skipped unchecked
            // and the rest must be a Python int.
            let len = self
                .buf
                .get(7..nl)
                .and_then(pyfmt::parse_int)
                .and_then(|n| usize::try_from(n).ok());
            let Some(len) = len else {
                return Some(self.violation(ProtocolErrorKind::BadResultLine, Some(nl)));
            };
            if len > self.limits.max_result_len {
                return Some(self.violation(ProtocolErrorKind::ResultTooLong, Some(nl)));
            }
            self.consume(nl + 1);
            self.busy = Busy::Body { len };
        }
        let Busy::Body { len } = self.busy else {
            return None;
        };
        if self.buf.len() < len {
            return None;
        }
        let body = self.buf.split_to(len).freeze();
        self.offset += len as u64;
        self.state = ListenerState::Acknowledged;
        self.busy = Busy::Line { searched: 0 };
        Some(ListenerOutput::Result(ListenerResult::from_body(body)))
    }

    fn consume(&mut self, n: usize) {
        let _ = self.buf.split_to(n);
        self.offset += n as u64;
    }

    /// Enters UNKNOWN, discarding the buffer, and reports the offending bytes (`line_end`: the
    /// offending result line's length, else a snippet).
    fn violation(&mut self, kind: ProtocolErrorKind, line_end: Option<usize>) -> ListenerOutput {
        let end = line_end.unwrap_or(SNIPPET).min(self.buf.len());
        let err = ProtocolError {
            kind,
            state: self.state,
            offset: self.offset,
            bytes: Bytes::copy_from_slice(&self.buf[..end]),
        };
        self.offset += self.buf.len() as u64;
        self.buf = BytesMut::new();
        self.state = ListenerState::Unknown;
        ListenerOutput::Violation(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready(lp: &mut ListenerProtocol) {
        lp.push(b"READY\n");
        assert_eq!(lp.next(), Some(ListenerOutput::Ready));
        lp.event_sent().expect("READY");
    }

    #[test]
    fn closing_stdout_is_a_violation_once() {
        let mut lp = ListenerProtocol::new();
        ready(&mut lp);
        lp.push(b"RESU");
        let Some(ListenerOutput::Violation(err)) = lp.output_closed() else {
            panic!("a violation");
        };
        assert_eq!(err.kind, ProtocolErrorKind::OutputClosed);
        assert_eq!(
            (err.state, &err.bytes[..]),
            (ListenerState::Busy, &b"RESU"[..])
        );
        assert_eq!(lp.state(), ListenerState::Unknown);
        assert_eq!(lp.output_closed(), None);
    }

    #[test]
    fn transcript_ev_proto_transcript() {
        let mut lp = ListenerProtocol::new();
        ready(&mut lp);
        lp.push(b"RESULT 4\nFAIL");
        assert_eq!(
            lp.next(),
            Some(ListenerOutput::Result(ListenerResult::Fail))
        );
        assert_eq!(lp.state(), ListenerState::Acknowledged);
        ready(&mut lp);
        lp.push(b"RESULT 2\nOK");
        assert_eq!(lp.next(), Some(ListenerOutput::Result(ListenerResult::Ok)));
        lp.push(b"READY\n");
        assert_eq!(lp.next(), Some(ListenerOutput::Ready));
    }

    #[test]
    fn partial_writes_ev_proto_partial() {
        let mut lp = ListenerProtocol::new();
        ready(&mut lp);
        for piece in [&b"RES"[..], b"ULT 2\nO"] {
            lp.push(piece);
            assert_eq!(lp.next(), None);
        }
        lp.push(b"K");
        assert_eq!(lp.next(), Some(ListenerOutput::Result(ListenerResult::Ok)));
    }

    #[test]
    fn result_and_ready_in_one_write_ev_proto_cycle() {
        let mut lp = ListenerProtocol::new();
        ready(&mut lp);
        lp.push(b"RESULT 2\nOKREADY\n");
        assert_eq!(lp.next(), Some(ListenerOutput::Result(ListenerResult::Ok)));
        assert_eq!(lp.next(), Some(ListenerOutput::Ready));
        assert_eq!(lp.next(), None);
    }

    #[test]
    fn first_seven_bytes_unchecked_ev_proto_result_parse() {
        let mut lp = ListenerProtocol::new();
        ready(&mut lp);
        lp.push(b"XXXXXXX2\nOK");
        assert_eq!(lp.next(), Some(ListenerOutput::Result(ListenerResult::Ok)));
        ready(&mut lp);
        lp.push(b"RESULT  +1_0 \n0123456789");
        assert_eq!(
            lp.next(),
            Some(ListenerOutput::Result(ListenerResult::Other(
                Bytes::from_static(b"0123456789")
            )))
        );
    }

    #[test]
    fn bad_result_line_ev_lst_busy_badline() {
        let mut lp = ListenerProtocol::new();
        ready(&mut lp);
        lp.push(b"READY\nRESULT x\n");
        let Some(ListenerOutput::Violation(err)) = lp.next() else {
            panic!("expected a violation");
        };
        assert_eq!(err.kind, ProtocolErrorKind::BadResultLine);
        assert_eq!(&err.bytes[..], b"READY");
        assert_eq!(err.offset, 6);
        assert_eq!(err.state, ListenerState::Busy);
        assert_eq!(lp.state(), ListenerState::Unknown);
        lp.push(b"READY\n");
        assert_eq!(lp.next(), None, "UNKNOWN ignores output");
    }

    #[test]
    fn negative_length_is_a_violation_not_a_hang() {
        let mut lp = ListenerProtocol::new();
        ready(&mut lp);
        lp.push(b"RESULT -1\n");
        assert!(
            matches!(lp.next(), Some(ListenerOutput::Violation(e)) if e.kind == ProtocolErrorKind::BadResultLine)
        );
    }

    #[test]
    fn zero_length_result_completes_at_once() {
        let mut lp = ListenerProtocol::new();
        ready(&mut lp);
        lp.push(b"RESULT 0\n");
        assert_eq!(
            lp.next(),
            Some(ListenerOutput::Result(ListenerResult::Other(Bytes::new())))
        );
    }

    #[test]
    fn garbage_when_acknowledged_ev_lst_ack_garbage() {
        for junk in [
            &b"hello\n"[..],
            b"READY\r\n",
            b" READY\n",
            b"junk\nREADY\n",
            b"x",
        ] {
            let mut lp = ListenerProtocol::new();
            lp.push(junk);
            let Some(ListenerOutput::Violation(err)) = lp.next() else {
                panic!("{junk:?} should be refused");
            };
            assert_eq!(err.kind, ProtocolErrorKind::NotReady);
            assert_eq!(lp.state(), ListenerState::Unknown);
        }
        let mut lp = ListenerProtocol::new();
        lp.push(b"REA");
        assert_eq!(lp.next(), None, "a prefix of READY waits");
    }

    #[test]
    fn output_while_ready_ev_lst_ready_garbage() {
        let mut lp = ListenerProtocol::new();
        lp.push(b"READY\njunk\n");
        assert_eq!(lp.next(), Some(ListenerOutput::Ready));
        assert!(
            matches!(lp.next(), Some(ListenerOutput::Violation(e)) if e.kind == ProtocolErrorKind::OutputWhileReady && e.offset == 6)
        );
    }

    #[test]
    fn limits_bound_buffering() {
        let limits = Limits {
            max_line_len: 16,
            max_payload_len: 64,
            max_result_len: 8,
        };
        let mut lp = ListenerProtocol::with_limits(limits);
        ready(&mut lp);
        lp.push(&[b'7'; 40]);
        assert!(
            matches!(lp.next(), Some(ListenerOutput::Violation(e)) if e.kind == ProtocolErrorKind::ResultLineTooLong)
        );
        let mut lp = ListenerProtocol::with_limits(limits);
        ready(&mut lp);
        lp.push(b"RESULT 9\n");
        assert!(
            matches!(lp.next(), Some(ListenerOutput::Violation(e)) if e.kind == ProtocolErrorKind::ResultTooLong)
        );
    }

    #[test]
    fn event_sent_only_when_ready_and_reset_on_spawn() {
        let mut lp = ListenerProtocol::new();
        assert_eq!(lp.event_sent(), Err(ListenerState::Acknowledged));
        lp.push(b"garbage");
        let _ = lp.next();
        assert_eq!(lp.state(), ListenerState::Unknown);
        lp.reset();
        assert_eq!(lp.state(), ListenerState::Acknowledged);
        ready(&mut lp);
        assert_eq!(lp.state(), ListenerState::Busy);
    }
}
