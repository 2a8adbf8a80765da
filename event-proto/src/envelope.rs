//! The listener side of the framing: [`EventDecoder`] cuts the daemon's stream into
//! [`Envelope`]s (header line, then exactly `len` units of payload), and
//! [`encode_envelope`] writes one for the daemon.
//!
//! Frames are cut before payloads are parsed, so a malformed payload never desynchronises the
//! stream.

use std::fmt;

use bytes::{Buf, Bytes, BytesMut};

use crate::event_type::EventType;
use crate::header::{encode_line, Header, HeaderCache, HeaderError, PROTOCOL_VERSION};
use crate::limits::{LenUnit, Limits};
use crate::payload::{Payload, PayloadError};

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
        Payload::decode(&self.header.event_name, self.payload.clone())
    }

    /// Writes header and payload back out.
    pub fn encode(&self, dst: &mut BytesMut) {
        self.header.encode(dst);
        dst.extend_from_slice(&self.payload);
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
    Payload {
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
    stage: Stage,
    /// The previous header's repeatable parts.
    headers: HeaderCache,
    /// The header of the payload being read (set in [`Stage::Payload`]).
    header: Option<Header>,
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
            stage: Stage::Header,
            headers: HeaderCache::default(),
            header: None,
            limits,
        }
    }

    /// Appends bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        if !matches!(self.stage, Stage::Failed(_)) {
            self.buf.extend_from_slice(bytes);
        }
    }

    /// The input buffer, for drivers that read straight into it (e.g. tokio's `read_buf`)
    /// instead of calling [`push`](Self::push), saving a copy. Only append to it.
    pub fn buffer_mut(&mut self) -> &mut BytesMut {
        &mut self.buf
    }

    /// Bytes buffered and not yet returned in an envelope.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next whole envelope; `Ok(None)` when more input is needed. After an error every
    /// call returns the same error.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Envelope>, DecodeError> {
        loop {
            match std::mem::replace(&mut self.stage, Stage::Header) {
                Stage::Failed(e) => {
                    let err = (*e).clone();
                    self.stage = Stage::Failed(e);
                    return Err(err);
                }
                Stage::Header => {
                    let found = memchr::memchr(b'\n', &self.buf[self.searched..]);
                    let Some(nl) = found.map(|i| i + self.searched) else {
                        self.searched = self.buf.len();
                        if self.buf.len() > self.limits.max_line_len {
                            let kind = DecodeErrorKind::HeaderTooLong(self.limits.max_line_len);
                            return Err(self.fail(kind, 0));
                        }
                        return Ok(None);
                    };
                    if nl > self.limits.max_line_len {
                        let kind = DecodeErrorKind::HeaderTooLong(self.limits.max_line_len);
                        return Err(self.fail(kind, 0));
                    }
                    let start = self.offset;
                    let parsed = self.headers.parse(&self.buf[..nl]);
                    let header = match parsed {
                        Ok(h) => h,
                        Err(e) => {
                            let err = DecodeError {
                                kind: DecodeErrorKind::BadHeader(e),
                                offset: start,
                                bytes: Bytes::copy_from_slice(&self.buf[..(nl + 1).min(SNIPPET)]),
                            };
                            self.buf.clear();
                            self.stage = Stage::Failed(Box::new(err.clone()));
                            return Err(err);
                        }
                    };
                    self.buf.advance(nl + 1);
                    self.offset += (nl + 1) as u64;
                    self.searched = 0;
                    if header.len > self.limits.max_payload_len {
                        let kind = DecodeErrorKind::PayloadTooLong(self.limits.max_payload_len);
                        return Err(self.fail(kind, 0));
                    }
                    // Usually the whole payload is already here: finish without parking the
                    // header (moving it in and out measurably slowed decoding).
                    let (mut scanned, mut units_seen) = (0, 0);
                    let end = match header.len_unit {
                        LenUnit::Bytes => (self.buf.len() >= header.len).then_some(header.len),
                        LenUnit::Chars => {
                            scan_chars(&self.buf, header.len, &mut scanned, &mut units_seen)
                        }
                    };
                    if let Some(end) = end {
                        let payload = self.buf.split_to(end).freeze();
                        self.offset += end as u64;
                        return Ok(Some(Envelope { header, payload }));
                    }
                    self.header = Some(header);
                    self.stage = Stage::Payload {
                        scanned,
                        units_seen,
                    };
                }
                Stage::Payload {
                    mut scanned,
                    mut units_seen,
                } => {
                    let Some((len, unit)) = self.header.as_ref().map(|h| (h.len, h.len_unit))
                    else {
                        // Unreachable by construction; recover by reading a header.
                        continue;
                    };
                    let end = match unit {
                        LenUnit::Bytes => (self.buf.len() >= len).then_some(len),
                        LenUnit::Chars => scan_chars(&self.buf, len, &mut scanned, &mut units_seen),
                    };
                    let (Some(end), Some(header)) = (end, self.header.take_if(|_| end.is_some()))
                    else {
                        self.stage = Stage::Payload {
                            scanned,
                            units_seen,
                        };
                        return Ok(None);
                    };
                    let payload = self.buf.split_to(end).freeze();
                    self.offset += end as u64;
                    return Ok(Some(Envelope { header, payload }));
                }
            }
        }
    }

    fn fail(&mut self, kind: DecodeErrorKind, at: usize) -> DecodeError {
        let at = at.min(self.buf.len());
        let end = (at + SNIPPET).min(self.buf.len());
        let err = DecodeError {
            kind,
            offset: self.offset + at as u64,
            bytes: Bytes::copy_from_slice(&self.buf[at..end]),
        };
        self.buf.clear();
        self.stage = Stage::Failed(Box::new(err.clone()));
        err
    }
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
        if rest.is_ascii() {
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
        self.stage = Stage::Header;
        self.header = None;
    }

    /// The unconsumed bytes (for diagnostics).
    pub fn remaining(&self) -> &[u8] {
        self.buf.chunk()
    }
}
