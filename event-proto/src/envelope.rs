//! The listener side of the framing: [`EventDecoder`] cuts the daemon's stream into
//! [`Envelope`]s (header line, then exactly `len` units of payload), and
//! [`encode_envelope`] writes one for the daemon.
//!
//! Frames are cut before payloads are parsed, so a malformed payload never desynchronises the
//! stream.

use std::fmt;

use bytes::{Buf, Bytes, BytesMut};

use crate::event_type::EventType;
use crate::header::{encode_line, Header, HeaderCache, HeaderError, HeaderView, PROTOCOL_VERSION};
use crate::limits::{LenUnit, Limits};
use crate::payload::{Payload, PayloadError, PayloadView};

/// One event as framed on the wire: its header and its payload bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The parsed header line.
    pub header: Header,
    /// The payload, exactly `header.len` units.
    pub payload: Bytes,
}

impl Envelope {
    /// Decodes the payload according to the header's event name.
    pub fn payload(&self) -> Result<Payload, PayloadError> {
        Payload::decode_shared(&self.header.event_name, &self.payload)
    }

    /// Writes header and payload back out.
    pub fn encode(&self, dst: &mut BytesMut) {
        self.header.encode(dst);
        dst.extend_from_slice(&self.payload);
    }
}

/// One event as framed on the wire, borrowed from an [`EventDecoder`]'s buffer (see
/// [`EventDecoder::next_view`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventView<'a> {
    /// The parsed header line.
    pub header: HeaderView<'a>,
    /// The payload, exactly `header.len` units.
    pub payload: &'a [u8],
}

impl<'a> EventView<'a> {
    /// Decodes the payload according to the header's event type, borrowing from the frame.
    #[inline]
    pub fn payload(&self) -> Result<PayloadView<'a>, PayloadError> {
        PayloadView::decode(self.header.event_type, self.payload)
    }

    /// The owned envelope (copies the payload).
    pub fn to_envelope(self) -> Envelope {
        Envelope {
            header: self.header.to_header(),
            payload: Bytes::copy_from_slice(self.payload),
        }
    }
}

/// The daemon-assigned fields of an envelope (everything in the header but the event name and
/// the length).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeFields<'a> {
    /// The daemon's `identifier`.
    pub server: &'a str,
    /// The global serial.
    pub serial: u64,
    /// The pool name.
    pub pool: &'a str,
    /// The pool serial.
    pub poolserial: u64,
    /// How `len` counts the payload.
    pub len_unit: LenUnit,
}

/// Writes a header for `payload` (measured in `fields.len_unit`) followed by the payload:
/// what the daemon sends a listener ([EV-HDR-format]).
pub fn encode_envelope(
    fields: &EnvelopeFields<'_>,
    event_type: EventType,
    payload: &[u8],
    dst: &mut BytesMut,
) {
    encode_line(
        dst,
        PROTOCOL_VERSION,
        fields.server,
        fields.serial,
        fields.pool,
        fields.poolserial,
        event_type.as_str(),
        fields.len_unit.measure(payload),
        fields.len_unit,
    );
    dst.extend_from_slice(payload);
}

/// Why the listener-side decoder stopped. The stream cannot be resynchronised after this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// What went wrong.
    pub kind: DecodeErrorKind,
    /// Stream offset of the first offending byte.
    pub offset: u64,
    /// The offending bytes (at most 64 of them).
    pub bytes: Bytes,
}

/// The kinds of [`DecodeError`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// No newline within the maximum header length.
    HeaderTooLong(usize),
    /// The header line did not parse.
    BadHeader(HeaderError),
    /// `len` exceeds the maximum payload length.
    PayloadTooLong(usize),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            DecodeErrorKind::HeaderTooLong(max) => {
                write!(f, "no header line end within {max} bytes")
            }
            DecodeErrorKind::BadHeader(e) => write!(f, "{e}"),
            DecodeErrorKind::PayloadTooLong(max) => write!(f, "payload longer than {max}"),
        }?;
        write!(
            f,
            " at stream offset {}: {}",
            self.offset,
            crate::pyfmt::bytes_repr(&self.bytes)
        )
    }
}

impl std::error::Error for DecodeError {}

const SNIPPET: usize = 64;

#[derive(Debug)]
enum Stage {
    Header,
    /// The header line (`buf[..nl]`, then its `\n`) is valid and stays buffered until the
    /// payload is complete.
    Payload {
        nl: usize,
        len: usize,
        unit: LenUnit,
        /// Payload bytes already known to hold `units_seen` complete units.
        scanned: usize,
        units_seen: usize,
    },
    Failed(Box<DecodeError>),
}

/// The listener side's sans-io decoder: push the bytes read from stdin, pull [`Envelope`]s.
///
/// Correct for any chunking, one byte at a time included. In [`LenUnit::Chars`] mode `len`
/// counts UTF-8 code points, as supervisor 4.3 sends it ([EV-HDR-len]).
///
/// ```
/// use event_proto::EventDecoder;
///
/// let mut dec = EventDecoder::new();
/// dec.push(b"ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:TICK_5 len:15\nwhen:");
/// assert!(dec.next().unwrap().is_none()); // needs more input
/// dec.push(b"1795468685");
/// let env = dec.next().unwrap().expect("a whole event");
/// assert_eq!(&env.payload[..], b"when:1795468685");
/// ```
#[derive(Debug)]
pub struct EventDecoder {
    buf: BytesMut,
    /// Stream offset of `buf[0]`.
    offset: u64,
    /// How far `buf` has been searched for the header's newline.
    searched: usize,
    /// Bytes at the front of `buf` that the last [`EventView`] borrowed; dropped on the next
    /// call.
    consumed: usize,
    stage: Stage,
    /// The previous header's repeatable parts.
    headers: HeaderCache,
    limits: Limits,
}

impl Default for EventDecoder {
    fn default() -> Self {
        EventDecoder::new()
    }
}

impl EventDecoder {
    /// A decoder with the default [`Limits`].
    pub fn new() -> EventDecoder {
        EventDecoder::with_limits(Limits::DEFAULT)
    }

    /// A decoder with the given limits.
    pub fn with_limits(limits: Limits) -> EventDecoder {
        EventDecoder {
            buf: BytesMut::new(),
            offset: 0,
            searched: 0,
            consumed: 0,
            stage: Stage::Header,
            headers: HeaderCache::default(),
            limits,
        }
    }

    /// Appends bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        self.release();
        if !matches!(self.stage, Stage::Failed(_)) {
            self.buf.extend_from_slice(bytes);
        }
    }

    /// The input buffer, for drivers that read straight into it (e.g. tokio's `read_buf`)
    /// instead of calling [`push`](Self::push), saving a copy. Only append to it.
    pub fn buffer_mut(&mut self) -> &mut BytesMut {
        self.release();
        &mut self.buf
    }

    /// Bytes buffered and not yet returned in an envelope or view.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.consumed
    }

    /// The next whole envelope; `Ok(None)` when more input is needed. After an error every
    /// call returns the same error.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Envelope>, DecodeError> {
        let (header, body_at, end) = match self.frame()? {
            Some((view, end)) => (view.header.to_header(), end - view.payload.len(), end),
            None => return Ok(None),
        };
        // Take the frame out of the buffer now instead of on the next call.
        self.consumed = 0;
        self.buf.advance(body_at);
        let payload = self.buf.split_to(end - body_at).freeze();
        self.offset += end as u64;
        Ok(Some(Envelope { header, payload }))
    }

    /// The next whole event, borrowed from the decoder's buffer: no allocation, no copy and no
    /// reference count, for listeners that handle each event before reading the next (the
    /// bytes are released by the next call on the decoder). Frames exactly as
    /// [`next`](Self::next) does; `Ok(None)` when more input is needed.
    ///
    /// ```
    /// use event_proto::payload::PayloadView;
    /// use event_proto::EventDecoder;
    ///
    /// let mut dec = EventDecoder::new();
    /// dec.push(b"ver:3.0 server:s serial:7 pool:p poolserial:3 eventname:PROCESS_LOG_STDOUT len:57\n");
    /// dec.push(b"processname:web groupname:web pid:42 channel:stdout\nhello");
    /// let event = dec.next_view()?.expect("a whole event");
    /// assert_eq!((event.header.serial, event.header.pool), (7, "p"));
    /// let PayloadView::ProcessLog(log) = event.payload()? else { unreachable!() };
    /// assert_eq!((log.process_name, log.pid, log.data), ("web", 42, &b"hello"[..]));
    /// assert!(dec.next_view()?.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline(always)]
    pub fn next_view(&mut self) -> Result<Option<EventView<'_>>, DecodeError> {
        Ok(self.frame()?.map(|(view, _)| view))
    }

    /// Drops the bytes of the event last returned by [`next_view`](Self::next_view).
    fn release(&mut self) {
        if self.consumed > 0 {
            self.buf.advance(self.consumed);
            self.offset += self.consumed as u64;
            self.consumed = 0;
        }
    }

    /// Frames the next event: a view of it and the length of its frame (header line and
    /// payload), which is marked consumed.
    #[inline(always)]
    fn frame(&mut self) -> Result<Option<(EventView<'_>, usize)>, DecodeError> {
        self.release();
        let parked = match self.stage {
            Stage::Failed(ref e) => return Err((**e).clone()),
            Stage::Payload {
                nl,
                len,
                unit,
                scanned,
                units_seen,
            } => Some((nl, len, unit, scanned, units_seen)),
            Stage::Header => None,
        };
        // From here `buf` is borrowed for the returned view, so failures set the other fields
        // (see `stop`) and the buffer itself is dropped on the next call.
        let buf: &[u8] = &self.buf;
        let max_line = self.limits.max_line_len;
        let too_long = DecodeErrorKind::HeaderTooLong;
        let (nl, header) = match parked {
            Some((nl, ..)) => match self.headers.parse(&buf[..nl]) {
                Ok(header) => (nl, header),
                Err(e) => {
                    let err = DecodeError::at(DecodeErrorKind::BadHeader(e), self.offset, buf);
                    return Err(stop(&mut self.stage, &mut self.consumed, buf.len(), err));
                }
            },
            // Usually the header repeats the previous one's names: parsed where it lies, with
            // no separate search for its end.
            None => match self.headers.repeat(buf) {
                Some(repeat) if repeat.nl <= max_line && buf.get(repeat.nl) == Some(&b'\n') => {
                    (repeat.nl, self.headers.view(buf, repeat))
                }
                _ => {
                    let found = memchr::memchr(b'\n', &buf[self.searched..]);
                    let Some(nl) = found.map(|i| i + self.searched) else {
                        self.searched = buf.len();
                        if buf.len() > max_line {
                            let err = DecodeError::at(too_long(max_line), self.offset, buf);
                            return Err(stop(&mut self.stage, &mut self.consumed, buf.len(), err));
                        }
                        return Ok(None);
                    };
                    if nl > max_line {
                        let err = DecodeError::at(too_long(max_line), self.offset, buf);
                        return Err(stop(&mut self.stage, &mut self.consumed, buf.len(), err));
                    }
                    match self.headers.parse(&buf[..nl]) {
                        Ok(header) => (nl, header),
                        Err(e) => {
                            let kind = DecodeErrorKind::BadHeader(e);
                            let err = DecodeError::at(kind, self.offset, &buf[..=nl]);
                            return Err(stop(&mut self.stage, &mut self.consumed, buf.len(), err));
                        }
                    }
                }
            },
        };
        let (len, unit, mut scanned, mut units_seen) = match parked {
            Some((_, len, unit, scanned, units_seen)) => (len, unit, scanned, units_seen),
            None => (header.len, header.len_unit, 0, 0),
        };
        if len > self.limits.max_payload_len {
            let kind = DecodeErrorKind::PayloadTooLong(self.limits.max_payload_len);
            let err = DecodeError::at(kind, self.offset, buf);
            return Err(stop(&mut self.stage, &mut self.consumed, buf.len(), err));
        }
        let body = &buf[nl + 1..];
        let end = match unit {
            LenUnit::Bytes => (body.len() >= len).then_some(len),
            LenUnit::Chars => scan_chars(body, len, &mut scanned, &mut units_seen),
        };
        let Some(end) = end else {
            self.stage = Stage::Payload {
                nl,
                len,
                unit,
                scanned,
                units_seen,
            };
            return Ok(None);
        };
        self.stage = Stage::Header;
        self.searched = 0;
        self.consumed = nl + 1 + end;
        Ok(Some((
            EventView {
                header,
                payload: &body[..end],
            },
            nl + 1 + end,
        )))
    }
}

impl DecodeError {
    /// An error at stream offset `offset`, showing the first bytes of `bytes`.
    fn at(kind: DecodeErrorKind, offset: u64, bytes: &[u8]) -> DecodeError {
        DecodeError {
            kind,
            offset,
            bytes: Bytes::copy_from_slice(&bytes[..bytes.len().min(SNIPPET)]),
        }
    }
}

/// Stops a decoder for good: every later call returns `err`, and its `buffered` bytes are
/// dropped on the next call.
#[cold]
fn stop(stage: &mut Stage, consumed: &mut usize, buffered: usize, err: DecodeError) -> DecodeError {
    *stage = Stage::Failed(Box::new(err.clone()));
    *consumed = buffered;
    err
}

/// Advances over whole UTF-8 characters until `len` of them are complete; returns the byte
/// end of the payload once it is all buffered. Progress is kept in `scanned`/`units_seen`,
/// so each byte is looked at once however the input is chunked. An invalid lead byte counts as
/// one character (the daemon only sends UTF-8; this just keeps garbage from stalling us).
fn scan_chars(
    buf: &[u8],
    len: usize,
    scanned: &mut usize,
    units_seen: &mut usize,
) -> Option<usize> {
    // Fast path: the rest is ASCII, one byte per character.
    let want = len - *units_seen;
    if let Some(rest) = buf.get(*scanned..*scanned + want) {
        if crate::limits::all_ascii(rest) {
            *scanned += want;
            *units_seen = len;
            return Some(*scanned);
        }
    }
    while *units_seen < len {
        let &lead = buf.get(*scanned)?;
        let width = match lead {
            0x00..=0x7f => 1,
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf7 => 4,
            _ => 1,
        };
        if buf.len() < *scanned + width {
            return None;
        }
        *scanned += width;
        *units_seen += 1;
    }
    Some(*scanned)
}

/// Writes the listener's `READY\n` ([EV-PROTO-ready]).
pub fn encode_ready(dst: &mut BytesMut) {
    dst.extend_from_slice(READY);
}

/// Writes `RESULT <n>\n<body>` ([EV-PROTO-result]). `n` is the body's byte length, which is
/// what the daemon reads.
pub fn encode_result(body: &[u8], dst: &mut BytesMut) {
    dst.extend_from_slice(b"RESULT ");
    crate::header::put_decimal(dst, body.len() as u64);
    dst.extend_from_slice(b"\n");
    dst.extend_from_slice(body);
}

pub(crate) const READY: &[u8] = b"READY\n";

impl EventDecoder {
    /// Drops everything buffered and starts over at a header (for a listener that resets its
    /// input, e.g. in tests).
    pub fn reset(&mut self) {
        self.buf.clear();
        self.offset = 0;
        self.searched = 0;
        self.consumed = 0;
        self.stage = Stage::Header;
    }

    /// The unconsumed bytes (for diagnostics).
    pub fn remaining(&self) -> &[u8] {
        self.buf.get(self.consumed..).unwrap_or_default()
    }
}
