//! The notification header line supervisord writes before each payload ([EV-HDR-format]):
//! `ver:3.0 server:<id> serial:<n> pool:<pool> poolserial:<n> eventname:<NAME> len:<n>\n`.

use std::fmt;

use bytes::{BufMut, BytesMut};
use nom::IResult;

use crate::event_type::{EventName, EventType};
use crate::limits::LenUnit;
use crate::text::Text;
use crate::tokens::{canonical, tokens};

/// The protocol version every 4.3 header carries ([EV-HDR-ver]).
pub const PROTOCOL_VERSION: &str = "3.0";

/// A parsed header line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// `ver`, always `3.0` from supervisor 4.3.
    pub ver: Text,
    /// `server`: the daemon's `identifier` ([EV-HDR-server]).
    pub server: Text,
    /// `serial`: the daemon-wide event serial ([EV-SERIAL-global]).
    pub serial: u64,
    /// `pool`: the `[eventlistener:x]` name ([EV-HDR-pool]).
    pub pool: Text,
    /// `poolserial`: the per-pool serial ([EV-POOLSERIAL]).
    pub poolserial: u64,
    /// `eventname`: the concrete event type, or an unknown name kept as is.
    pub event_name: EventName,
    /// `len`: the payload length in `len_unit` units.
    pub len: usize,
    /// How `len` counts: characters unless the header carries `lenunit:bytes`.
    pub len_unit: LenUnit,
}

/// Why a header line was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// A required token is absent.
    Missing(&'static str),
    /// A token's value is malformed (the token name and what was seen).
    BadValue(&'static str, String),
    /// The line is not UTF-8.
    NotUtf8,
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderError::Missing(key) => write!(f, "header has no {key} token"),
            HeaderError::BadValue(key, seen) => {
                write!(f, "header token {key} is invalid: {seen:?}")
            }
            HeaderError::NotUtf8 => f.write_str("header is not UTF-8"),
        }
    }
}

impl std::error::Error for HeaderError {}

fn decimal(key: &'static str, value: &[u8]) -> Result<u64, HeaderError> {
    let parsed: IResult<&[u8], u64> = nom::character::complete::u64(value);
    match parsed {
        Ok((b"", n)) => Ok(n),
        _ => Err(HeaderError::BadValue(
            key,
            String::from_utf8_lossy(value).into_owned(),
        )),
    }
}

/// [`decimal`] for the fast path: a value that is all [`leading_decimal`] digits is read by
/// that plain loop (about ten times fewer instructions than the general parser); anything
/// else goes to [`decimal`] for its verdict.
fn fast_decimal(key: &'static str, value: &[u8]) -> Result<u64, HeaderError> {
    match leading_decimal(value) {
        Some((n, b"")) => Ok(n),
        _ => decimal(key, value),
    }
}

/// The seven values of a header in 4.3's order, and what follows them.
fn canonical_values(line: &[u8]) -> Option<([&[u8]; 7], &[u8])> {
    let (ver, rest) = canonical(line, b"ver:")?;
    let (server, rest) = canonical(rest, b" server:")?;
    let (serial, rest) = canonical(rest, b" serial:")?;
    let (pool, rest) = canonical(rest, b" pool:")?;
    let (poolserial, rest) = canonical(rest, b" poolserial:")?;
    let (eventname, rest) = canonical(rest, b" eventname:")?;
    let (len, rest) = canonical(rest, b" len:")?;
    Some((
        [ver, server, serial, pool, poolserial, eventname, len],
        rest,
    ))
}

/// Leading decimal digits of `rest` (1 to 19 of them, so no overflow) and what follows.
#[inline]
fn leading_decimal(rest: &[u8]) -> Option<(u64, &[u8])> {
    let mut value = 0u64;
    let mut n = 0;
    while let Some(&d) = rest.get(n) {
        if !d.is_ascii_digit() || n == 19 {
            break;
        }
        value = value * 10 + u64::from(d - b'0');
        n += 1;
    }
    match rest.get(n) {
        _ if n == 0 => None,
        Some(d) if d.is_ascii_digit() => None,
        _ => Some((value, &rest[n..])),
    }
}

/// What may follow `len:<n>` in the canonical layout.
fn trailing_len_unit(rest: &[u8]) -> Option<LenUnit> {
    match rest {
        b"" | b" lenunit:chars" => Some(LenUnit::Chars),
        b" lenunit:bytes" => Some(LenUnit::Bytes),
        _ => None,
    }
}

fn utf8(value: &[u8]) -> Result<&str, HeaderError> {
    std::str::from_utf8(value).map_err(|_| HeaderError::NotUtf8)
}

/// The parts of the previous canonical header that the next one from the same daemon and pool
/// usually repeats byte for byte, so a decoder can parse it by comparing prefixes instead of
/// tokenizing. Gives exactly what [`HeaderView::parse`] gives; the repeated names are lent
/// from here (checked UTF-8 when remembered) rather than checked again in every line.
#[derive(Debug, Default)]
pub(crate) struct HeaderCache {
    /// Whether the fields below describe a header.
    primed: bool,
    /// `ver:V server:S serial:`, ` pool:P poolserial:` and ` eventname:E len:`, one after
    /// the other (one allocation, reused).
    parts: Vec<u8>,
    /// Where the first and second parts end in `parts`.
    ends: [usize; 2],
    ver: String,
    server: String,
    pool: String,
    event_name: String,
    /// The registry type of `event_name`.
    event_type: Option<EventType>,
}

/// What a line shares with the remembered header, and the values that differ: made by
/// [`HeaderCache::repeat`], turned into a view by [`HeaderCache::view`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Repeat {
    serial: u64,
    poolserial: u64,
    /// Where a different (UTF-8) event name lies in the line; `None`: the remembered one.
    name: Option<(usize, usize)>,
    event_type: Option<EventType>,
    len: usize,
    len_unit: LenUnit,
    /// Where the line ends: its `\n`, or the end of the input.
    pub(crate) nl: usize,
}

impl HeaderCache {
    /// Parses `line` as [`HeaderView::parse`] does, reusing what it shares with the previous
    /// one.
    #[inline]
    pub(crate) fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<HeaderView<'a>, HeaderError> {
        match self.repeat(line) {
            Some(repeat) if repeat.nl == line.len() => Ok(self.view(line, repeat)),
            _ => self.parse_new(line),
        }
    }

    #[inline(never)]
    fn parse_new<'a>(&mut self, line: &'a [u8]) -> Result<HeaderView<'a>, HeaderError> {
        let header = HeaderView::parse(line)?;
        self.remember(line, &header);
        Ok(header)
    }

    /// The view of a line [`repeat`](Self::repeat) matched.
    #[inline]
    pub(crate) fn view<'a>(&'a self, line: &'a [u8], repeat: Repeat) -> HeaderView<'a> {
        let event_name = match repeat.name {
            None => &self.event_name,
            // Checked by `repeat`.
            Some((at, end)) => line
                .get(at..end)
                .and_then(|name| std::str::from_utf8(name).ok())
                .unwrap_or_default(),
        };
        HeaderView {
            ver: &self.ver,
            server: &self.server,
            serial: repeat.serial,
            pool: &self.pool,
            poolserial: repeat.poolserial,
            event_name,
            event_type: repeat.event_type,
            len: repeat.len,
            len_unit: repeat.len_unit,
        }
    }

    /// Whether the header line at the start of `buf` repeats the remembered parts (its end is
    /// its `\n` or the end of `buf`); `None` sends the caller to the general parser.
    #[inline(always)]
    pub(crate) fn repeat(&self, buf: &[u8]) -> Option<Repeat> {
        if !self.primed {
            return None;
        }
        let (head, middle, name_part) = (
            self.parts.get(..self.ends[0])?,
            self.parts.get(self.ends[0]..self.ends[1])?,
            self.parts.get(self.ends[1]..)?,
        );
        let rest = buf.strip_prefix(head)?;
        let (serial, rest) = leading_decimal(rest)?;
        let rest = rest.strip_prefix(middle)?;
        let (poolserial, rest) = leading_decimal(rest)?;
        let (name, event_type, rest) = match rest.strip_prefix(name_part) {
            Some(after) => (None, self.event_type, after),
            None => {
                let at = buf.len() - rest.len() + b" eventname:".len();
                let (name, rest) = canonical(rest, b" eventname:")?;
                let rest = rest.strip_prefix(b" len:")?;
                let event_type = EventType::from_wire_name(std::str::from_utf8(name).ok()?);
                (Some((at, at + name.len())), event_type, rest)
            }
        };
        let (len, rest) = leading_decimal(rest)?;
        let (len_unit, tail) = match rest {
            [] | [b'\n', ..] => (LenUnit::Chars, 0),
            _ if rest.starts_with(b" lenunit:bytes") => (LenUnit::Bytes, 14),
            _ if rest.starts_with(b" lenunit:chars") => (LenUnit::Chars, 14),
            _ => return None,
        };
        let nl = buf.len() - rest.len() + tail;
        if !matches!(buf.get(nl), None | Some(b'\n')) {
            return None;
        }
        Some(Repeat {
            serial,
            poolserial,
            name,
            event_type,
            len: usize::try_from(len).ok()?,
            len_unit,
            nl,
        })
    }

    /// Keeps the repeatable parts of `line` if it is canonical.
    fn remember(&mut self, line: &[u8], header: &HeaderView<'_>) {
        // Only a line the canonical path parsed: then `header` holds exactly these values
        // (a repeated token after them would have won in `header`).
        let Some(([ver, server, _, pool, _, name, _], rest)) = canonical_values(line) else {
            return;
        };
        if trailing_len_unit(rest).is_none() {
            return;
        }
        self.parts.clear();
        for part in [&b"ver:"[..], ver, b" server:", server, b" serial:"] {
            self.parts.extend_from_slice(part);
        }
        self.ends[0] = self.parts.len();
        for part in [&b" pool:"[..], pool, b" poolserial:"] {
            self.parts.extend_from_slice(part);
        }
        self.ends[1] = self.parts.len();
        for part in [&b" eventname:"[..], name, b" len:"] {
            self.parts.extend_from_slice(part);
        }
        for (kept, value) in [
            (&mut self.ver, header.ver),
            (&mut self.server, header.server),
            (&mut self.pool, header.pool),
            (&mut self.event_name, header.event_name),
        ] {
            kept.clear();
            kept.push_str(value);
        }
        self.event_type = header.event_type;
        self.primed = true;
    }
}

/// Collects header tokens (the last repeat wins, unknown keys are ignored).
#[derive(Default)]
struct HeaderBuilder<'a> {
    ver: Option<&'a str>,
    server: Option<&'a str>,
    serial: Option<u64>,
    pool: Option<&'a str>,
    poolserial: Option<u64>,
    event_name: Option<&'a str>,
    len: Option<usize>,
    len_unit: LenUnit,
}

impl<'a> HeaderBuilder<'a> {
    fn set(&mut self, key: &[u8], value: &'a [u8]) -> Result<(), HeaderError> {
        match key {
            b"ver" => self.ver = Some(utf8(value)?),
            b"server" => self.server = Some(utf8(value)?),
            b"serial" => self.serial = Some(decimal("serial", value)?),
            b"pool" => self.pool = Some(utf8(value)?),
            b"poolserial" => self.poolserial = Some(decimal("poolserial", value)?),
            b"eventname" => self.event_name = Some(utf8(value)?),
            b"len" => {
                let n = decimal("len", value)?;
                let n =
                    usize::try_from(n).map_err(|_| HeaderError::BadValue("len", n.to_string()))?;
                self.len = Some(n);
            }
            b"lenunit" => {
                self.len_unit = match value {
                    b"bytes" => LenUnit::Bytes,
                    b"chars" => LenUnit::Chars,
                    other => {
                        return Err(HeaderError::BadValue(
                            "lenunit",
                            String::from_utf8_lossy(other).into_owned(),
                        ))
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(self) -> Result<HeaderView<'a>, HeaderError> {
        let event_name = self.event_name.ok_or(HeaderError::Missing("eventname"))?;
        Ok(HeaderView {
            ver: self.ver.ok_or(HeaderError::Missing("ver"))?,
            server: self.server.ok_or(HeaderError::Missing("server"))?,
            serial: self.serial.ok_or(HeaderError::Missing("serial"))?,
            pool: self.pool.ok_or(HeaderError::Missing("pool"))?,
            poolserial: self.poolserial.ok_or(HeaderError::Missing("poolserial"))?,
            event_name,
            event_type: EventType::from_wire_name(event_name),
            len: self.len.ok_or(HeaderError::Missing("len"))?,
            len_unit: self.len_unit,
        })
    }
}

/// A parsed header line whose text is borrowed (from the line, or for a header that repeats
/// the previous one's names, from the decoder that checked them): what
/// [`EventDecoder::next_view`](crate::EventDecoder::next_view) gives, with no allocation
/// and no reference count. [`HeaderView::to_header`] makes the owned [`Header`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderView<'a> {
    /// `ver`, always `3.0` from supervisor 4.3.
    pub ver: &'a str,
    /// `server`: the daemon's `identifier` ([EV-HDR-server]).
    pub server: &'a str,
    /// `serial`: the daemon-wide event serial ([EV-SERIAL-global]).
    pub serial: u64,
    /// `pool`: the `[eventlistener:x]` name ([EV-HDR-pool]).
    pub pool: &'a str,
    /// `poolserial`: the per-pool serial ([EV-POOLSERIAL]).
    pub poolserial: u64,
    /// `eventname` as written.
    pub event_name: &'a str,
    /// `eventname` looked up in the registry; `None` for a name this version does not know.
    pub event_type: Option<EventType>,
    /// `len`: the payload length in `len_unit` units.
    pub len: usize,
    /// How `len` counts: characters unless the header carries `lenunit:bytes`.
    pub len_unit: LenUnit,
}

impl<'a> HeaderView<'a> {
    /// Parses a header line (without its `\n`) exactly as [`Header::parse`] does.
    pub fn parse(line: &'a [u8]) -> Result<HeaderView<'a>, HeaderError> {
        // Fast path: the order 4.3 always writes, straight into the header; anything else
        // (other orders, repeated or extra tokens) takes the any-order loop.
        if let Some(([ver, server, serial, pool, poolserial, name, len], rest)) =
            canonical_values(line)
        {
            if let Some(len_unit) = trailing_len_unit(rest) {
                let event_name = utf8(name)?;
                let len = fast_decimal("len", len)?;
                return Ok(HeaderView {
                    ver: utf8(ver)?,
                    server: utf8(server)?,
                    serial: fast_decimal("serial", serial)?,
                    pool: utf8(pool)?,
                    poolserial: fast_decimal("poolserial", poolserial)?,
                    event_name,
                    event_type: EventType::from_wire_name(event_name),
                    len: usize::try_from(len)
                        .map_err(|_| HeaderError::BadValue("len", len.to_string()))?,
                    len_unit,
                });
            }
        }
        let mut b = HeaderBuilder::default();
        for (key, value, _) in tokens(line) {
            b.set(key, value)?;
        }
        b.finish()
    }

    /// The owned header (names are short, so their text is stored inline).
    pub fn to_header(self) -> Header {
        Header {
            ver: Text::from(self.ver),
            server: Text::from(self.server),
            serial: self.serial,
            pool: Text::from(self.pool),
            poolserial: self.poolserial,
            event_name: match self.event_type {
                Some(t) => EventName::Known(t),
                None => EventName::Other(self.event_name.to_owned()),
            },
            len: self.len,
            len_unit: self.len_unit,
        }
    }
}

impl Header {
    /// Parses a header line (without its `\n`). Tokens may come in any order and unknown tokens
    /// are ignored; `ver`, `server`, `serial`, `pool`, `poolserial`, `eventname` and `len` are
    /// required. Names are short, so their text is stored inline.
    pub fn parse(line: &[u8]) -> Result<Header, HeaderError> {
        HeaderView::parse(line).map(|view| view.to_header())
    }

    /// Writes the header line, `\n` included, in 4.3's token order.
    pub fn encode(&self, dst: &mut BytesMut) {
        encode_line(
            dst,
            &self.ver,
            &self.server,
            self.serial,
            &self.pool,
            self.poolserial,
            self.event_name.as_str(),
            self.len,
            self.len_unit,
        );
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn encode_line(
    dst: &mut BytesMut,
    ver: &str,
    server: &str,
    serial: u64,
    pool: &str,
    poolserial: u64,
    event_name: &str,
    len: usize,
    len_unit: LenUnit,
) {
    dst.reserve(64 + server.len() + pool.len() + event_name.len());
    dst.put_slice(b"ver:");
    dst.put_slice(ver.as_bytes());
    dst.put_slice(b" server:");
    dst.put_slice(server.as_bytes());
    dst.put_slice(b" serial:");
    put_decimal(dst, serial);
    dst.put_slice(b" pool:");
    dst.put_slice(pool.as_bytes());
    dst.put_slice(b" poolserial:");
    put_decimal(dst, poolserial);
    dst.put_slice(b" eventname:");
    dst.put_slice(event_name.as_bytes());
    dst.put_slice(b" len:");
    put_decimal(dst, len as u64);
    if let Some(tok) = len_unit.header_token() {
        dst.put_u8(b' ');
        dst.put_slice(tok.as_bytes());
    }
    dst.put_u8(b'\n');
}

/// Writes `n` in decimal.
pub(crate) fn put_decimal(dst: &mut BytesMut, n: u64) {
    let mut buf = [0u8; 20];
    dst.put_slice(decimal_digits(n, &mut buf));
}

/// `n`'s decimal digits, written at the end of `buf` (shared by the envelope and XML-RPC
/// encoders, which avoid `core::fmt` on their hot paths).
pub(crate) fn decimal_digits(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Header, HeaderError> {
        Header::parse(s.as_bytes())
    }

    #[test]
    fn parses_and_encodes_the_captured_header_ev_hdr_format() {
        let line = "ver:3.0 server:supervisor serial:23 pool:dumper poolserial:23 eventname:PROCESS_LOG_STDERR len:73";
        let h = parse(line).expect("valid header");
        assert_eq!(h.ver, "3.0");
        assert_eq!(h.server, "supervisor");
        assert_eq!(h.serial, 23);
        assert_eq!(h.pool, "dumper");
        assert_eq!(h.poolserial, 23);
        assert_eq!(h.event_name, EventName::Known(EventType::ProcessLogStderr));
        assert_eq!(h.len, 73);
        assert_eq!(h.len_unit, LenUnit::Chars);
        let mut out = BytesMut::new();
        h.encode(&mut out);
        assert_eq!(&out[..], format!("{line}\n").as_bytes());
    }

    #[test]
    fn any_order_and_extra_tokens() {
        let h = parse("len:5  eventname:TICK_5 junk x:y:z pool:p poolserial:1 serial:2 server:s ver:3.0 lenunit:bytes")
            .expect("valid header");
        assert_eq!((h.len, h.serial, h.poolserial), (5, 2, 1));
        assert_eq!(h.len_unit, LenUnit::Bytes);
        let mut out = BytesMut::new();
        h.encode(&mut out);
        assert_eq!(
            &out[..],
            b"ver:3.0 server:s serial:2 pool:p poolserial:1 eventname:TICK_5 len:5 lenunit:bytes\n"
        );
    }

    #[test]
    fn canonical_order_with_a_len_unit_token() {
        let base = "ver:3.0 server:s serial:1 pool:p poolserial:2 eventname:TICK_5 len:15";
        let h = parse(&format!("{base} lenunit:bytes")).expect("valid header");
        assert_eq!((h.len, h.len_unit), (15, LenUnit::Bytes));
        let h = parse(&format!("{base} lenunit:chars")).expect("valid header");
        assert_eq!(h.len_unit, LenUnit::Chars);
        assert_eq!(
            parse(&format!("{base} lenunit:words")),
            Err(HeaderError::BadValue("lenunit", "words".into()))
        );
        // Past what the fast decimal reads, the general parser still decides.
        assert_eq!(
            parse("ver:3.0 server:s serial:99999999999999999999 pool:p poolserial:1 eventname:TICK_5 len:1"),
            Err(HeaderError::BadValue("serial", "99999999999999999999".into()))
        );
        let h = parse("ver:3.0 server:s serial:18446744073709551615 pool:p poolserial:0 eventname:TICK_5 len:0")
            .expect("u64::MAX is a serial");
        assert_eq!(h.serial, u64::MAX);
    }

    #[test]
    fn the_cache_parses_exactly_as_header_parse_does() {
        let lines = [
            "ver:3.0 server:supervisor serial:1 pool:p poolserial:1 eventname:TICK_5 len:15",
            "ver:3.0 server:supervisor serial:2 pool:p poolserial:2 eventname:TICK_5 len:15",
            "ver:3.0 server:supervisor serial:3 pool:p poolserial:3 eventname:PROCESS_STATE_EXITED len:84",
            "ver:3.0 server:supervisor serial:4 pool:p poolserial:4 eventname:PROCESS_STATE_EXITED len:7 lenunit:bytes",
            "ver:3.0 server:supervisor serial:5 pool:p poolserial:5 eventname:NEW_THING len:0",
            "ver:3.0 server:supervisor serial:6 pool:q poolserial:1 eventname:TICK_5 len:15",
            "ver:3.0 server:supervisor serial:x pool:q poolserial:1 eventname:TICK_5 len:15",
            "ver:3.0 server:supervisor serial:7 pool:q poolserial:1 eventname:TICK_5 len:1x",
            "ver:3.0 server:supervisor serial:7 pool:q poolserial:1 eventname:TICK_5 len:-1",
            "ver:3.0 server:supervisor serial:8 pool:q poolserial:2 eventname:TICK_5\t len:15",
            "ver:3.0 server:supervisor serial:9 pool:q poolserial:3 eventname:TICK_5 len:15 lenunit:odd",
            "ver:3.0 server:supervisor serial:99999999999999999999 pool:q poolserial:3 eventname:TICK_5 len:1",
            "ver:3.0 server:supervisor serial:10 pool:q poolserial:4 eventname:TICK_5 len:15 extra:1",
            "ver:3.0 server:supervisor serial:11 pool:q poolserial:5 eventname:TICK_5 len:15 len:16",
            "len:3 ver:3.0 server:supervisor serial:12 pool:q poolserial:6 eventname:TICK_5",
            "ver:3.0 server:supervisor serial:13 pool:q poolserial:7 eventname:TICK_5 len:15",
            "ver:3.0 server:supervisor serial:14 pool:q poolserial:8 eventname:TICK_5 len:15 ",
            "ver:3.0 server:supervisor serial:15 pool:q poolserial:9 eventname:TICK_60 len:15",
            "ver:3.0 server:other serial:16 pool:q poolserial:10 eventname:TICK_60 len:15",
            "ver:3.0 server:other serial:017 pool:q poolserial:11 eventname:TICK_60 len:0015",
            "ver:3.0 server:other serial:18 pool:q poolserial:12 eventname:TICK_60 len:15 ver:2.0",
            "ver:3.0 server:other serial:19 pool:q poolserial:13 eventname:TICK_60 len:15",
            "ver:3.0 server:other serial:20 pool:q poolserial:14 eventname:TICK_5 len:15",
        ];
        let mut cache = HeaderCache::default();
        for line in lines {
            let cached = cache.parse(line.as_bytes()).map(|v| v.to_header());
            assert_eq!(cached, parse(line), "{line}");
        }
    }

    #[test]
    fn refusals_name_the_token() {
        assert_eq!(
            parse("ver:3.0 server:s serial:1 pool:p poolserial:1 eventname:TICK_5"),
            Err(HeaderError::Missing("len"))
        );
        assert_eq!(
            parse("ver:3.0 server:s serial:x pool:p poolserial:1 eventname:TICK_5 len:1"),
            Err(HeaderError::BadValue("serial", "x".into()))
        );
        assert_eq!(
            parse("ver:3.0 server:s serial:1 pool:p poolserial:1 eventname:TICK_5 len:-1"),
            Err(HeaderError::BadValue("len", "-1".into()))
        );
        assert!(parse("").is_err());
    }

    #[test]
    fn decimal_encoding() {
        for n in [0u64, 7, 10, 99, 12345, u64::MAX] {
            let mut out = BytesMut::new();
            put_decimal(&mut out, n);
            assert_eq!(&out[..], n.to_string().as_bytes());
        }
    }
}
