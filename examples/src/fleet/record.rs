//! What goes over the bus: the event record (schema 1) published to the stream, the state
//! record kept in the bucket, and the names both are published under.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use listener_sdk::Event;
use serde::{Deserialize, Serialize};

use crate::EventRecord;

/// The version of the JSON schemas below; a change that removes or retypes a field bumps it.
pub const SCHEMA: u32 = 1;

/// One event as published to the stream (the message body), schema 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// [`SCHEMA`].
    pub schema: u32,
    /// The host name the forwarder reports (`--host`).
    pub host: String,
    /// The supervisord run the event comes from (see [`crate::fleet::boot`]).
    pub boot: String,
    /// `eventname` (`PROCESS_STATE_RUNNING`).
    pub eventname: String,
    /// The daemon-wide serial (0 again after supervisord restarts).
    pub serial: u64,
    /// The listener pool that received it.
    pub pool: String,
    /// The serial within that pool.
    pub poolserial: u64,
    /// Every `key:value` token of the payload's first line, as strings.
    pub headers: BTreeMap<String, String>,
    /// The payload body after that line (log output, communication data), or null.
    pub data: Option<String>,
    /// When the forwarder received it, RFC 3339 in UTC with milliseconds.
    pub time: String,
}

impl Record {
    /// The record for `event`, received at `time` from the supervisord run `boot`.
    pub fn from_event(event: &Event, host: &str, boot: &str, time: SystemTime) -> Record {
        let r = EventRecord::from_event(event);
        Record {
            schema: SCHEMA,
            host: host.to_owned(),
            boot: boot.to_owned(),
            eventname: r.eventname,
            serial: r.serial,
            pool: r.pool,
            poolserial: r.poolserial,
            headers: r.headers,
            data: r.data,
            time: rfc3339(time),
        }
    }

    /// Appends to `out` exactly the JSON that serializing [`Record::from_event`] gives,
    /// without building the record: no map, no owned strings (the forwarder does this once
    /// per event, into a buffer it reuses).
    pub fn write_json(event: &Event, host: &str, boot: &str, time: &str, out: &mut Vec<u8>) {
        let payload = String::from_utf8_lossy(event.raw_payload());
        let (tokens, data) = match payload.split_once('\n') {
            Some((t, d)) => (t, Some(d).filter(|d| !d.is_empty())),
            None => (&*payload, None),
        };
        let mut headers: Vec<(&str, &str)> = tokens
            .split_whitespace()
            .filter_map(|t| t.split_once(':'))
            .collect();
        // As a map would hold them: by key, the last of equal keys winning.
        headers.sort_by(|a, b| a.0.cmp(b.0));
        let header = event.header();
        out.extend_from_slice(b"{\"schema\":");
        push_u64(out, u64::from(SCHEMA));
        out.extend_from_slice(b",\"host\":");
        push_str(out, host);
        out.extend_from_slice(b",\"boot\":");
        push_str(out, boot);
        out.extend_from_slice(b",\"eventname\":");
        push_str(out, header.event_name.as_str());
        out.extend_from_slice(b",\"serial\":");
        push_u64(out, header.serial);
        out.extend_from_slice(b",\"pool\":");
        push_str(out, header.pool.as_str());
        out.extend_from_slice(b",\"poolserial\":");
        push_u64(out, header.poolserial);
        out.extend_from_slice(b",\"headers\":{");
        let mut first = true;
        for (i, (k, v)) in headers.iter().enumerate() {
            if headers.get(i + 1).is_some_and(|next| next.0 == *k) {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            push_str(out, k);
            out.push(b':');
            push_str(out, v);
        }
        out.extend_from_slice(b"},\"data\":");
        match data {
            Some(d) => push_str(out, d),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"time\":");
        push_str(out, time);
        out.push(b'}');
    }

    /// `group:name` (just `name` when equal), for process events.
    pub fn namespec(&self) -> Option<String> {
        let name = self.headers.get("processname")?;
        Some(match self.headers.get("groupname") {
            Some(g) if g != name => format!("{g}:{name}"),
            _ => name.clone(),
        })
    }
}

fn push_str(out: &mut Vec<u8>, text: &str) {
    // serde_json's own string escaping; writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

fn push_u64(out: &mut Vec<u8>, n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// The fields of a spooled [`Record`] that name its message, read without the rest.
#[derive(Debug, Deserialize)]
pub struct Key<'a> {
    /// [`Record::host`].
    #[serde(borrow)]
    pub host: Cow<'a, str>,
    /// [`Record::boot`].
    #[serde(borrow)]
    pub boot: Cow<'a, str>,
    /// [`Record::eventname`].
    #[serde(borrow)]
    pub eventname: Cow<'a, str>,
    /// [`Record::serial`].
    pub serial: u64,
}

impl Key<'_> {
    /// `P.<host>.<EVENTNAME>`, each token escaped with [`token`].
    pub fn subject(&self, prefix: &str) -> String {
        Names::new(prefix, &self.host, &self.boot).subject(&self.eventname)
    }

    /// `Nats-Msg-Id`: `<host>/<boot>/<serial>`, unique for ever, the same on redelivery.
    pub fn msg_id(&self) -> String {
        Names::new("", &self.host, &self.boot).msg_id(self.serial)
    }
}

/// The subject and message id of one forwarder's records ([`Key::subject`],
/// [`Key::msg_id`]), with the parts that never change worked out once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// `P.<host>.`
    subject_base: String,
    /// `<host>/<boot>/`
    id_base: String,
}

impl Names {
    /// The names for `host` and the supervisord run `boot`, under `prefix`.
    pub fn new(prefix: &str, host: &str, boot: &str) -> Names {
        Names {
            subject_base: format!("{prefix}.{}.", token(host)),
            id_base: format!("{host}/{boot}/"),
        }
    }

    /// `P.<host>.<EVENTNAME>`.
    pub fn subject(&self, eventname: &str) -> String {
        let mut out = String::with_capacity(self.subject_base.len() + eventname.len() + 8);
        out.push_str(&self.subject_base);
        push_token(&mut out, eventname);
        out
    }

    /// `<host>/<boot>/<serial>`.
    pub fn msg_id(&self, serial: u64) -> String {
        let mut out = Vec::with_capacity(self.id_base.len() + 20);
        out.extend_from_slice(self.id_base.as_bytes());
        push_u64(&mut out, serial);
        String::from_utf8(out).unwrap_or_default()
    }
}

/// One process as kept in the state bucket, schema 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateRecord {
    /// [`SCHEMA`].
    pub schema: u32,
    /// The host.
    pub host: String,
    /// The process's group.
    pub group: String,
    /// The process's name.
    pub name: String,
    /// The state name (`RUNNING`, `EXITED`...).
    pub state: String,
    /// The pid, 0 when not running.
    pub pid: u32,
    /// Since when it is in this state (started for a running process, stopped for a
    /// stopped one), RFC 3339.
    pub since: String,
    /// The last exit status.
    pub exitstatus: i64,
    /// supervisord's description when the record was written (`pid 42, uptime 0:01:02`).
    pub description: String,
    /// When the forwarder wrote it, RFC 3339.
    pub updated: String,
}

impl StateRecord {
    /// `group:name` (just `name` when equal).
    pub fn namespec(&self) -> String {
        if self.group == self.name {
            self.name.clone()
        } else {
            format!("{}:{}", self.group, self.name)
        }
    }

    /// The bucket key: `<host>.<group>.<process>`, each escaped with [`token`].
    pub fn key(&self) -> String {
        state_key(&self.host, &self.group, &self.name)
    }
}

/// The bucket key for one process.
pub fn state_key(host: &str, group: &str, name: &str) -> String {
    format!("{}.{}.{}", token(host), token(group), token(name))
}

/// `text` as one subject or key token: letters, digits, `-` and `_` kept, every other byte
/// as `=XX` (upper-case hex), so `web1.example.com` is `web1=2Eexample=2Ecom`. Reversible
/// (see [`untoken`]) and never empty.
pub fn token(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_token(&mut out, text);
    out
}

/// Appends [`token`]`(text)` to `out`.
fn push_token(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    if text.is_empty() {
        out.push('=');
        return;
    }
    let plain = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    if text.bytes().all(plain) {
        out.push_str(text);
        return;
    }
    for b in text.bytes() {
        if plain(b) {
            out.push(b as char);
        } else {
            out.push('=');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
}

/// The text a [`token`] stands for (`None` if it is not one).
pub fn untoken(token: &str) -> Option<String> {
    if token == "=" {
        return Some(String::new());
    }
    let bytes = token.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let hex = token.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `time` as RFC 3339 in UTC with milliseconds: `2026-12-03T13:27:04.123Z`.
pub fn rfc3339(time: SystemTime) -> String {
    let d = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, day) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// The time an RFC 3339 text (as [`rfc3339`] writes it, or with an offset) stands for.
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &text[19..];
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        let padded = format!("{:0<9}", &frac[..digits.min(9)]);
        nanos = padded.parse().ok()?;
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let oh: i64 = rest.get(1..3)?.parse().ok()?;
            let om: i64 = rest.get(4..6)?.parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset;
    let secs = u64::try_from(secs).ok()?;
    Some(UNIX_EPOCH + Duration::new(secs, nanos))
}

// Howard Hinnant's civil calendar algorithms (public domain).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A duration as the fleet tools take it: `500ms`, `5s`, `1.5s`, `10m`, `2h`, `1d`, or a
/// plain number of seconds.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    let (num, unit) = match t.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(at) => t.split_at(at),
        None => (t, "s"),
    };
    let n: f64 = num.parse().ok()?;
    let mult = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        _ => return None,
    };
    let secs = n * mult;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_escape_and_round_trip() {
        assert_eq!(token("web1.example.com"), "web1=2Eexample=2Ecom");
        assert_eq!(token("a b*>="), "a=20b=2A=3E=3D");
        assert_eq!(token(""), "=");
        for t in ["web1.example.com", "a b*>=", "", "ünï", "x_y-z"] {
            assert_eq!(untoken(&token(t)).as_deref(), Some(t));
        }
        assert_eq!(untoken("=G0"), None);
        assert_eq!(state_key("h.x", "g", "p:1"), "h=2Ex.g.p=3A1");
    }

    #[test]
    fn key_names_the_message() {
        let json = r#"{"schema":1,"host":"h.1","boot":"b","eventname":"TICK_5","serial":7,"pool":"p","poolserial":1,"headers":{},"data":null,"time":"x"}"#;
        let k: Key = serde_json::from_str(json).expect("a key");
        assert_eq!(k.subject("supervisor"), "supervisor.h=2E1.TICK_5");
        assert_eq!(k.msg_id(), "h.1/b/7");
        let names = Names::new("supervisor", "h.1", "b");
        assert_eq!(names.subject("TICK_5"), "supervisor.h=2E1.TICK_5");
        assert_eq!(names.subject("A.B"), "supervisor.h=2E1.A=2EB");
        assert_eq!(names.msg_id(7), "h.1/b/7");
        assert_eq!(names.msg_id(0), "h.1/b/0");
        assert_eq!(names.msg_id(u64::MAX), format!("h.1/b/{}", u64::MAX));
    }

    fn event(name: &str, payload: &[u8]) -> Event {
        let mut raw = format!(
            "ver:3.0 server:supervisor serial:42 pool:fleet poolserial:7 eventname:{name} len:{}\n",
            payload.len()
        )
        .into_bytes();
        raw.extend_from_slice(payload);
        let mut decoder = event_proto::EventDecoder::new();
        decoder.push(&raw);
        Event::from_envelope(decoder.next().expect("decodes").expect("whole"))
    }

    #[test]
    fn the_json_written_directly_is_the_records() {
        let cases: [(&str, &[u8]); 7] = [
            (
                "PROCESS_STATE_RUNNING",
                b"processname:web groupname:web from_state:STARTING pid:42",
            ),
            (
                "PROCESS_LOG_STDOUT",
                b"processname:w groupname:g channel:stdout\nline \"one\"\n\ttwo\\",
            ),
            (
                "PROCESS_COMMUNICATION_STDOUT",
                b"processname:w groupname:g\n",
            ),
            ("REMOTE_COMMUNICATION", b"type:x\n\xff\xfe bytes \x01"),
            ("TICK_5", b"when:1700000000"),
            ("PROCESS_STATE_EXITED", b"b:2 a:1 b:3 junk a:4 expected:0"),
            ("SUPERVISOR_STATE_CHANGE_RUNNING", b""),
        ];
        let time = UNIX_EPOCH + Duration::from_millis(1_796_304_424_123);
        for (name, payload) in cases {
            let e = event(name, payload);
            let want = serde_json::to_vec(&Record::from_event(&e, "h.1 \"q\"", "b/1", time))
                .expect("serializes");
            let mut got = b"left alone".to_vec();
            Record::write_json(&e, "h.1 \"q\"", "b/1", &rfc3339(time), &mut got);
            assert_eq!(
                String::from_utf8_lossy(&got[10..]),
                String::from_utf8_lossy(&want),
                "{name}"
            );
        }
    }

    #[test]
    fn times_format_and_parse() {
        let t = UNIX_EPOCH + Duration::from_millis(1_796_304_424_123);
        assert_eq!(rfc3339(t), "2026-12-03T13:27:04.123Z");
        assert_eq!(parse_rfc3339("2026-12-03T13:27:04.123Z"), Some(t));
        assert_eq!(parse_rfc3339("2026-12-03T14:27:04.123+01:00"), Some(t));
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(
            parse_rfc3339("2024-02-29T00:00:00Z")
                .map(rfc3339)
                .as_deref(),
            Some("2024-02-29T00:00:00.000Z")
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10m"), Some(Duration::from_secs(600)));
        assert_eq!(parse_duration("5s"), Some(Duration::from_secs(5)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2h"), Some(Duration::from_secs(7200)));
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(parse_duration("-1s"), None);
        assert_eq!(parse_duration(""), None);
    }
}
