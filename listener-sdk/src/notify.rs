//! Process incidents and where teams receive them: a Slack or Mattermost incoming webhook,
//! the PagerDuty Events API v2, the Prometheus Alertmanager API v2, a generic JSON webhook,
//! and email. [`Incident::from_event`] turns a state event into an incident (a trigger on
//! FATAL or an unexpected exit, a resolve on RUNNING); [`Folder`] folds repeated incidents of
//! one process into one, with a count, and limits how often a process is notified;
//! [`Destination::send`] delivers one, saying whether a failure is worth retrying.
//!
//! ```
//! use listener_sdk::notify::{Destination, Incident, Phase};
//!
//! let incident = Incident::new("web1", "site", "web", Phase::Trigger, "FATAL", "web could not start");
//! let slack = Destination::slack("https://hooks.slack.com/services/T/B/X");
//! let body = slack.body(&incident);
//! assert_eq!(body["text"], ":rotating_light: site:web on web1: web could not start");
//! ```

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::http::{HttpClient, HttpError, Response};
use crate::smtp::{Mail, SmtpClient};
use crate::Event;

/// Whether an incident opens or closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Something is wrong (FATAL, an unexpected exit, an alert sent over RPC).
    Trigger,
    /// It is fine again (RUNNING after a trigger).
    Resolve,
}

/// One process incident.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Incident {
    /// Trigger or resolve.
    pub phase: Phase,
    /// The machine.
    pub host: String,
    /// The process's group.
    pub group: String,
    /// The process.
    pub process: String,
    /// The state name that caused it (`FATAL`, `EXITED`; for a resolve that went through a
    /// [`Folder`], the state of the trigger it resolves).
    pub state: String,
    /// One sentence.
    pub summary: String,
    /// How many incidents were folded into this one (1 when alone).
    pub count: u64,
    /// The last lines of the process's stderr, when known.
    pub stderr_tail: Option<String>,
    /// When (epoch seconds).
    pub time: u64,
    /// The pid, when the event carried one.
    pub pid: Option<u32>,
    /// The event's serial, when it came from one.
    pub serial: Option<u64>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Incident {
    /// An incident made by hand, now, count 1.
    pub fn new(
        host: &str,
        group: &str,
        process: &str,
        phase: Phase,
        state: &str,
        summary: &str,
    ) -> Incident {
        Incident {
            phase,
            host: host.to_owned(),
            group: group.to_owned(),
            process: process.to_owned(),
            state: state.to_owned(),
            summary: summary.to_owned(),
            count: 1,
            stderr_tail: None,
            time: now_secs(),
            pid: None,
            serial: None,
        }
    }

    /// `group:process`, or `process` when they are equal.
    pub fn namespec(&self) -> String {
        if self.group == self.process || self.group.is_empty() {
            self.process.clone()
        } else {
            format!("{}:{}", self.group, self.process)
        }
    }

    /// The key that names this incident at a destination: one per host and process.
    pub fn dedup_key(&self) -> String {
        format!("{}/{}", self.host, self.namespec())
    }

    /// The incident an event means: FATAL and unexpected exits trigger, RUNNING resolves
    /// (whether anything was open is [`Folder`]'s business); `None` for anything else.
    pub fn from_event(event: &Event, host: &str) -> Option<Incident> {
        let process = event.process_name()?.to_owned();
        let group = event.group_name().unwrap_or(&process).to_owned();
        let namespec = event.namespec().unwrap_or_else(|| process.clone());
        let (phase, state, summary) = match event.name() {
            "PROCESS_STATE_FATAL" => (
                Phase::Trigger,
                "FATAL",
                format!("{namespec} could not be started (FATAL)"),
            ),
            "PROCESS_STATE_EXITED" if event.expected() == Some(false) => (
                Phase::Trigger,
                "EXITED",
                format!(
                    "{namespec} exited unexpectedly (pid {})",
                    event
                        .pid()
                        .map_or_else(|| "?".to_owned(), |p| p.to_string())
                ),
            ),
            "PROCESS_STATE_RUNNING" => (
                Phase::Resolve,
                "RUNNING",
                format!("{namespec} is running again"),
            ),
            _ => return None,
        };
        Some(Incident {
            pid: event.pid(),
            serial: Some(event.serial()),
            ..Incident::new(host, &group, &process, phase, state, &summary)
        })
    }
}

/// Folds repeated incidents of one process and limits how often each is notified: a
/// trigger within `window` of the last notified one for the same process is held and
/// counted; the next notification carries the count. A resolve is only sent for a process
/// with an open trigger. Pure: the caller passes the time.
#[derive(Debug, Clone)]
pub struct Folder {
    window: Duration,
    open: HashMap<String, Open>,
}

#[derive(Debug, Clone)]
struct Open {
    last_sent: u64,
    held: u64,
    latest: Incident,
}

impl Folder {
    /// At most one trigger per process per `window`.
    pub fn new(window: Duration) -> Folder {
        Folder {
            window,
            open: HashMap::new(),
        }
    }

    /// What to send now for `incident` at time `now` (epoch seconds), if anything.
    pub fn fold(&mut self, incident: Incident, now: u64) -> Option<Incident> {
        let key = incident.dedup_key();
        match incident.phase {
            Phase::Resolve => {
                // The resolve names the state that raised the trigger, so that a destination
                // matching on labels (Alertmanager) closes the same alert.
                let open = self.open.remove(&key)?;
                Some(Incident {
                    count: open.held + 1,
                    state: open.latest.state,
                    ..incident
                })
            }
            Phase::Trigger => match self.open.get_mut(&key) {
                Some(open) if now < open.last_sent + self.window.as_secs() => {
                    open.held += 1;
                    open.latest = incident;
                    None
                }
                Some(open) => {
                    let count = open.held + 1;
                    open.held = 0;
                    open.last_sent = now;
                    open.latest = incident.clone();
                    Some(Incident { count, ..incident })
                }
                None => {
                    self.open.insert(
                        key,
                        Open {
                            last_sent: now,
                            held: 0,
                            latest: incident.clone(),
                        },
                    );
                    Some(incident)
                }
            },
        }
    }

    /// Held triggers whose window has passed, to send now with their counts (call it on
    /// each tick).
    pub fn due(&mut self, now: u64) -> Vec<Incident> {
        let window = self.window.as_secs();
        let mut out = Vec::new();
        for open in self.open.values_mut() {
            if open.held > 0 && now >= open.last_sent + window {
                out.push(Incident {
                    count: open.held,
                    ..open.latest.clone()
                });
                open.held = 0;
                open.last_sent = now;
            }
        }
        out
    }
}

/// Why a notification failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct NotifyError {
    /// Worth trying again (a connection error, a timeout, 429, 5xx).
    pub retryable: bool,
    /// What happened.
    pub message: String,
}

/// Where incidents go.
#[derive(Debug, Clone)]
pub enum Destination {
    /// A Slack or Mattermost incoming webhook: `{"text": ...}`.
    Slack {
        /// The webhook URL.
        url: String,
    },
    /// The PagerDuty Events API v2 (`https://events.pagerduty.com/v2/enqueue`).
    PagerDuty {
        /// The enqueue URL.
        url: String,
        /// The integration's routing key.
        routing_key: String,
    },
    /// The Alertmanager API v2: `POST {base}/api/v2/alerts`.
    Alertmanager {
        /// The Alertmanager's base URL (`http://alertmanager:9093`).
        base: String,
    },
    /// Any URL taking the [`Incident`] as JSON.
    Webhook {
        /// The URL.
        url: String,
    },
    /// Email through an SMTP server.
    Email {
        /// The sender.
        from: String,
        /// The recipients.
        to: Vec<String>,
    },
}

/// RFC 3339 UTC for epoch seconds (Alertmanager's `startsAt`/`endsAt`).
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn text(incident: &Incident) -> String {
    let icon = match incident.phase {
        Phase::Trigger => ":rotating_light:",
        Phase::Resolve => ":white_check_mark:",
    };
    let mut text = format!(
        "{icon} {} on {}: {}",
        incident.namespec(),
        incident.host,
        incident.summary
    );
    if incident.count > 1 {
        text.push_str(&format!(" ({} times)", incident.count));
    }
    if let Some(tail) = incident.stderr_tail.as_deref().filter(|t| !t.is_empty()) {
        text.push_str(&format!("\n```\n{}\n```", tail.trim_end()));
    }
    text
}

fn judge(result: Result<Response, HttpError>) -> Result<(), NotifyError> {
    match result {
        Ok(r) if r.is_success() => Ok(()),
        Ok(r) => Err(NotifyError {
            retryable: r.status == 429 || r.status >= 500,
            message: format!("HTTP {} {}: {}", r.status, r.reason, r.text().trim()),
        }),
        Err(e) => Err(NotifyError {
            retryable: !matches!(e, HttpError::Url(_) | HttpError::Config(_)),
            message: e.to_string(),
        }),
    }
}

impl Destination {
    /// A Slack or Mattermost incoming webhook.
    pub fn slack(url: &str) -> Destination {
        Destination::Slack {
            url: url.to_owned(),
        }
    }

    /// PagerDuty Events v2 at its public enqueue URL.
    pub fn pagerduty(routing_key: &str) -> Destination {
        Destination::PagerDuty {
            url: "https://events.pagerduty.com/v2/enqueue".to_owned(),
            routing_key: routing_key.to_owned(),
        }
    }

    /// The JSON body sent for `incident` (`Null` for email).
    pub fn body(&self, incident: &Incident) -> Value {
        match self {
            Destination::Slack { .. } => json!({ "text": text(incident) }),
            Destination::PagerDuty { routing_key, .. } => {
                let mut body = json!({
                    "routing_key": routing_key,
                    "event_action": match incident.phase {
                        Phase::Trigger => "trigger",
                        Phase::Resolve => "resolve",
                    },
                    "dedup_key": incident.dedup_key(),
                });
                if incident.phase == Phase::Trigger {
                    body["payload"] = json!({
                        "summary": format!("{} on {}: {}", incident.namespec(), incident.host, incident.summary),
                        "source": incident.host,
                        "severity": if incident.state == "FATAL" { "critical" } else { "error" },
                        "component": incident.namespec(),
                        "group": incident.group,
                        "class": incident.state,
                        "custom_details": {
                            "count": incident.count,
                            "pid": incident.pid,
                            "stderr_tail": incident.stderr_tail,
                        },
                    });
                }
                body
            }
            Destination::Alertmanager { .. } => {
                let mut alert = json!({
                    "labels": {
                        "alertname": "SupervisorProcessDown",
                        "host": incident.host,
                        "group": incident.group,
                        "process": incident.process,
                        "state": incident.state,
                    },
                    "annotations": {
                        "summary": incident.summary,
                        "count": incident.count.to_string(),
                        "stderr_tail": incident.stderr_tail.clone().unwrap_or_default(),
                    },
                    "startsAt": rfc3339(incident.time),
                });
                if incident.phase == Phase::Resolve {
                    alert["endsAt"] = json!(rfc3339(incident.time));
                    alert.as_object_mut().map(|o| o.remove("startsAt"));
                }
                json!([alert])
            }
            Destination::Webhook { .. } => json!(incident),
            Destination::Email { .. } => Value::Null,
        }
    }

    /// Sends `incident` with `http` (or `smtp` for email).
    pub fn send(
        &self,
        incident: &Incident,
        http: &HttpClient,
        smtp: Option<&SmtpClient>,
    ) -> Result<(), NotifyError> {
        let post = |url: &str| {
            let body = self.body(incident).to_string();
            judge(http.post(
                url,
                &[("Content-Type", "application/json")],
                body.as_bytes(),
            ))
        };
        match self {
            Destination::Slack { url }
            | Destination::PagerDuty { url, .. }
            | Destination::Webhook { url } => post(url),
            Destination::Alertmanager { base } => {
                post(&format!("{}/api/v2/alerts", base.trim_end_matches('/')))
            }
            Destination::Email { from, to } => {
                let smtp = smtp.ok_or_else(|| NotifyError {
                    retryable: false,
                    message: "no SMTP server configured".to_owned(),
                })?;
                let mut body = text(incident);
                body.push('\n');
                let subject = match incident.phase {
                    Phase::Trigger => {
                        format!("[ALERT] {} on {}", incident.namespec(), incident.host)
                    }
                    Phase::Resolve => format!("[OK] {} on {}", incident.namespec(), incident.host),
                };
                smtp.send(&Mail {
                    from: from.clone(),
                    to: to.clone(),
                    subject: Some(subject),
                    body,
                })
                .map_err(|e| NotifyError {
                    retryable: true,
                    message: e.to_string(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_764_765_296), "2025-12-03T12:34:56Z");
    }

    #[test]
    fn repeated_crashes_fold_and_are_rate_limited() {
        let mut f = Folder::new(Duration::from_secs(60));
        let crash = |t| Incident {
            time: t,
            ..Incident::new("h", "g", "p", Phase::Trigger, "EXITED", "crashed")
        };
        assert_eq!(f.fold(crash(0), 0).map(|i| i.count), Some(1));
        assert_eq!(f.fold(crash(10), 10), None);
        assert_eq!(f.fold(crash(20), 20), None);
        assert!(f.due(30).is_empty());
        let due = f.due(61);
        assert_eq!(due.len(), 1);
        assert_eq!((due[0].count, due[0].time), (2, 20));
        assert_eq!(f.fold(crash(70), 70), None, "within the window again");
        let resolve = Incident::new("h", "g", "p", Phase::Resolve, "RUNNING", "ok");
        assert_eq!(
            f.fold(resolve.clone(), 80).map(|i| i.phase),
            Some(Phase::Resolve)
        );
        assert_eq!(f.fold(resolve, 90), None, "nothing open");
    }

    #[test]
    fn pagerduty_keys_per_host_and_process() {
        let pd = Destination::pagerduty("KEY");
        let trigger = Incident::new("web1", "site", "web", Phase::Trigger, "FATAL", "down");
        let b = pd.body(&trigger);
        assert_eq!(b["event_action"], "trigger");
        assert_eq!(b["dedup_key"], "web1/site:web");
        assert_eq!(b["payload"]["severity"], "critical");
        let resolve = Incident::new("web1", "site", "web", Phase::Resolve, "RUNNING", "up");
        let r = pd.body(&resolve);
        assert_eq!(
            (r["event_action"].as_str(), r.get("payload")),
            (Some("resolve"), None)
        );
        assert_eq!(r["dedup_key"], b["dedup_key"]);
    }
}
