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

    /// `group:name` (just `name` when equal), for process events.
    pub fn namespec(&self) -> Option<String> {
        let name = self.headers.get("processname")?;
        Some(match self.headers.get("groupname") {
            Some(g) if g != name => format!("{g}:{name}"),
            _ => name.clone(),
        })
    }
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
        format!("{prefix}.{}.{}", token(&self.host), token(&self.eventname))
    }

    /// `Nats-Msg-Id`: `<host>/<boot>/<serial>`, unique for ever, the same on redelivery.
    pub fn msg_id(&self) -> String {
        format!("{}/{}/{}", self.host, self.boot, self.serial)
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
    if text.is_empty() {
        return "=".to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(b as char);
        } else {
            out.push_str(&format!("={b:02X}"));
        }
    }
    out
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
