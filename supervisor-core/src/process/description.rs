//! The texts process info shows: `description` and its uptime and stop-time formats.

use std::time::{SystemTime, UNIX_EPOCH};

use event_proto::ProcessState;

use super::machine::Process;
use crate::local_time::LocalTime;

impl Process {
    /// 4.3's `description` for process info ([RPC-description]).
    pub fn description(&self, now: SystemTime) -> String {
        match self.state() {
            ProcessState::Running => {
                let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
                let up = now.saturating_sub(self.start_time());
                format!("pid {}, uptime {}", self.pid(), Uptime(up))
            }
            ProcessState::Fatal | ProcessState::Backoff => {
                if self.spawnerr().is_empty() {
                    format!("unknown error (try \"tail {}\")", self.params().name)
                } else {
                    self.spawnerr().to_owned()
                }
            }
            ProcessState::Stopped | ProcessState::Exited => {
                match (self.was_started(), self.last_stop()) {
                    (true, Some(stop)) => stop_time_text(stop),
                    (true, None) => stop_time_text(UNIX_EPOCH),
                    (false, _) => "Not started".to_owned(),
                }
            }
            _ => String::new(),
        }
    }
}

/// Python's `str(timedelta)` for whole seconds: `0:01:08`, `1 day, 1:01:01`, `2 days, ...`.
pub fn uptime(secs: u64) -> String {
    Uptime(secs).to_string()
}

/// [`uptime`] as a `Display`, so a description is formatted in one allocation.
pub(super) struct Uptime(pub(super) u64);

impl std::fmt::Display for Uptime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (days, rem) = (self.0 / 86_400, self.0 % 86_400);
        match days {
            0 => {}
            1 => f.write_str("1 day, ")?,
            n => write!(f, "{n} days, ")?,
        }
        write!(f, "{}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
    }
}

/// `%b %d %I:%M %p` in local time (`Nov 23 09:18 PM`).
pub(super) fn stop_time_text(at: SystemTime) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let t = LocalTime::from_system(at);
    let month = MONTHS
        .get(t.month.saturating_sub(1) as usize)
        .unwrap_or(&"Jan");
    let hour12 = match t.hour % 12 {
        0 => 12,
        h => h,
    };
    let ampm = if t.hour < 12 { "AM" } else { "PM" };
    format!("{month} {:02} {hour12:02}:{:02} {ampm}", t.day, t.minute)
}
