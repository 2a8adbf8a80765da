//! `alert`: send process incidents where teams receive them — a Slack or Mattermost
//! webhook, PagerDuty (Events v2), Prometheus Alertmanager (API v2), a generic JSON webhook,
//! email — with the last lines of the process's stderr. A FATAL process or an unexpected
//! exit triggers; RUNNING again resolves (PagerDuty `resolve` with the same `dedup_key`,
//! Alertmanager `endsAt`). Repeated crashes of one process fold into one incident with a
//! count, at most one notification per process per `--fold` seconds.
//!
//! Nothing is lost: each event is acknowledged to supervisord only once it is in the
//! on-disk spool (`--spool DIR`), then delivered at least once, retried with capped
//! exponential backoff; a listener killed at any moment delivers the rest when restarted.
//!
//! ```ini
//! [eventlistener:alert]
//! command=/usr/local/bin/alert --slack https://hooks.slack.com/services/T/B/X --pagerduty ROUTING_KEY
//! events=PROCESS_STATE,TICK_60
//! ```

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use listener_sdk::http::{check_url, HttpClient};
use listener_sdk::notify::{Destination, Folder, Incident, Phase};
use listener_sdk::rpc::RpcClient;
use listener_sdk::smtp::{Security, SmtpClient, SmtpOptions};
use listener_sdk::spool::{Backoff, SpoolOptions};
use listener_sdk::{Delivery, Event, Logger, SpooledOptions};

use crate::support::getopt::{self, Spec};
use crate::support::tls::{self, TlsArgs};
use crate::Cli;

/// The usage text (`-h`).
pub const USAGE: &str = "\
usage: alert [DESTINATION]... [options]

Sends process incidents (FATAL, unexpected exits; RUNNING again resolves) to each
DESTINATION. Run it as an [eventlistener:x] subscribed to PROCESS_STATE (and
TICK_60, which sends folded counts on time).

Destinations (at least one):
  --slack URL              a Slack or Mattermost incoming webhook
  --pagerduty KEY          PagerDuty Events v2 with this routing key
  --pagerduty-url URL      the Events v2 enqueue URL (default PagerDuty's)
  --alertmanager URL       an Alertmanager (POST URL/api/v2/alerts)
  --webhook URL            any URL taking the incident as JSON
  --email ADDRESSES        mail these (comma separated) through --smtpHost
Mail:
  --smtpHost HOST[:PORT]   the SMTP server (default localhost)
  --fromEmail ADDRESS      the sender (default supervisor@HOST)
  --userName NAME, --password PASSWORD   AUTH
  --tls | --smtps          STARTTLS, or TLS from the first byte
Options:
  --fold SECONDS           at most one notification per process per SECONDS (300)
  --tail BYTES             stderr bytes fetched over RPC for each trigger (1600; 0: none)
  --spool DIR              the on-disk spool (default $TMPDIR/alert-NAME.spool)
  --spool-size N           entries kept before the oldest is dropped (10000)
  --no-fsync               do not fsync each spooled event: it survives the listener's
                           crash but not the machine's (much cheaper on slow disks)
  --backoff SECONDS        first wait between attempts, doubled (1; fractions allowed)
  --max-backoff SECONDS    the longest wait (60)
  --timeout SECONDS        per request (10)
  --host NAME              the host name reported (default: this machine's)
  --cacert FILE, --cert FILE, --key FILE, --insecure   TLS (verified by default)
  -h, --help               this text
";

const fn spec(long: &'static str, takes_value: bool) -> Spec {
    Spec {
        short: None,
        long,
        takes_value,
    }
}

const SPECS: &[Spec] = &[
    Spec {
        short: Some('h'),
        long: "help",
        takes_value: false,
    },
    spec("slack", true),
    spec("pagerduty", true),
    spec("pagerduty-url", true),
    spec("alertmanager", true),
    spec("webhook", true),
    spec("email", true),
    spec("smtpHost", true),
    spec("fromEmail", true),
    spec("userName", true),
    spec("password", true),
    spec("tls", false),
    spec("smtps", false),
    spec("fold", true),
    spec("tail", true),
    spec("spool", true),
    spec("spool-size", true),
    spec("no-fsync", false),
    spec("backoff", true),
    spec("max-backoff", true),
    spec("timeout", true),
    spec("host", true),
];

/// Incidents being delivered, each with the destinations that already took it.
type Work = Vec<(Incident, Vec<bool>)>;

/// alert's settings.
#[derive(Debug, Clone)]
pub struct Alert {
    /// Where incidents go.
    pub destinations: Vec<Destination>,
    /// The SMTP server for `--email`.
    pub smtp: SmtpOptions,
    /// `--fold`.
    pub fold: Duration,
    /// `--tail`.
    pub tail: i64,
    /// `--spool`.
    pub spool_dir: PathBuf,
    /// `--spool-size`.
    pub spool_size: usize,
    /// Not `--no-fsync`.
    pub fsync: bool,
    /// `--backoff`, `--max-backoff`.
    pub backoff: Backoff,
    /// `--timeout`.
    pub timeout: Duration,
    /// `--host`.
    pub host: String,
    /// TLS options.
    pub tls: TlsArgs,
}

fn seconds(v: &str) -> Option<Duration> {
    let s: f64 = v.parse().ok()?;
    (s.is_finite() && s >= 0.0).then(|| Duration::from_secs_f64(s))
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "localhost".into())
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Alert {
    /// Parses the command line; at least one destination is required.
    pub fn from_args(args: &[String]) -> Cli<Alert> {
        let specs: Vec<Spec> = SPECS.iter().copied().chain(tls::SPECS).collect();
        let (given, rest) = match getopt::parse(&specs, args) {
            Ok(g) => g,
            Err(e) => {
                eprintln!("alert: {e}");
                return Cli::Usage(2);
            }
        };
        if !rest.is_empty() {
            eprintln!("alert: unexpected argument {:?}", rest[0]);
            return Cli::Usage(2);
        }
        let name = std::env::var("SUPERVISOR_PROCESS_NAME").unwrap_or_else(|_| "alert".into());
        let mut a = Alert {
            destinations: Vec::new(),
            smtp: SmtpOptions::new("localhost"),
            fold: Duration::from_secs(300),
            tail: 1600,
            spool_dir: std::env::temp_dir().join(format!("alert-{name}.spool")),
            spool_size: 10_000,
            fsync: true,
            backoff: Backoff::default(),
            timeout: Duration::from_secs(10),
            host: hostname(),
            tls: TlsArgs::default(),
        };
        let (mut pd_url, mut pd_key) = (None, None);
        let (mut emails, mut from) = (Vec::new(), None);
        let (mut initial, mut max) = (Duration::from_secs(1), Duration::from_secs(60));
        for (opt, value) in given {
            let value = value.unwrap_or_default();
            let url_ok = |u: &str| match check_url(u) {
                Ok(()) => true,
                Err(e) => {
                    eprintln!("alert: --{opt}: {e}");
                    false
                }
            };
            let ok = match opt {
                "help" => return Cli::Usage(0),
                "slack" => {
                    url_ok(&value) && {
                        a.destinations.push(Destination::slack(&value));
                        true
                    }
                }
                "webhook" => {
                    url_ok(&value) && {
                        a.destinations.push(Destination::Webhook { url: value });
                        true
                    }
                }
                "alertmanager" => {
                    url_ok(&value) && {
                        a.destinations
                            .push(Destination::Alertmanager { base: value });
                        true
                    }
                }
                "pagerduty" => {
                    pd_key = Some(value);
                    true
                }
                "pagerduty-url" => {
                    url_ok(&value) && {
                        pd_url = Some(value);
                        true
                    }
                }
                "email" => {
                    emails.extend(
                        value
                            .split(',')
                            .map(|e| e.trim().to_owned())
                            .filter(|e| !e.is_empty()),
                    );
                    true
                }
                "smtpHost" => {
                    a.smtp.server = value;
                    true
                }
                "fromEmail" => {
                    from = Some(value);
                    true
                }
                "userName" => {
                    a.smtp.username = Some(value);
                    true
                }
                "password" => {
                    a.smtp.password = Some(value);
                    true
                }
                "tls" => {
                    a.smtp.security = Security::StartTls;
                    true
                }
                "smtps" => {
                    a.smtp.security = Security::Tls;
                    true
                }
                "fold" => seconds(&value).map(|d| a.fold = d).is_some(),
                "tail" => value.parse().map(|t| a.tail = t).is_ok(),
                "spool" => {
                    a.spool_dir = value.into();
                    true
                }
                "spool-size" => value.parse().map(|n| a.spool_size = n).is_ok(),
                "no-fsync" => {
                    a.fsync = false;
                    true
                }
                "backoff" => seconds(&value).map(|d| initial = d).is_some(),
                "max-backoff" => seconds(&value).map(|d| max = d).is_some(),
                "timeout" => seconds(&value).map(|d| a.timeout = d).is_some(),
                "host" => {
                    a.host = value;
                    true
                }
                other => a.tls.take(other, &value),
            };
            if !ok {
                eprintln!("alert: bad value for --{opt}");
                return Cli::Usage(2);
            }
        }
        if let Some(key) = pd_key {
            let mut d = Destination::pagerduty(&key);
            if let (Destination::PagerDuty { url, .. }, Some(u)) = (&mut d, pd_url) {
                *url = u;
            }
            a.destinations.push(d);
        }
        if !emails.is_empty() {
            a.destinations.push(Destination::Email {
                from: from.unwrap_or_else(|| format!("supervisor@{}", a.host)),
                to: emails,
            });
        }
        if a.destinations.is_empty() {
            eprintln!("alert: give at least one destination");
            return Cli::Usage(2);
        }
        a.smtp.ca_file = a.tls.ca_file.clone();
        a.smtp.insecure = a.tls.insecure;
        a.smtp.timeout = a.timeout;
        a.backoff = Backoff::new(initial, max);
        Cli::Run(a)
    }

    /// The spool's options.
    pub fn spool_options(&self) -> SpoolOptions {
        SpoolOptions {
            capacity: self.spool_size,
            sync: self.fsync,
        }
    }

    /// The spooled run's options.
    pub fn spooled_options(&self) -> SpooledOptions {
        SpooledOptions {
            backoff: self.backoff,
            ..SpooledOptions::default()
        }
    }

    /// The delivery function the spooled run calls for each event (on its worker thread).
    pub fn deliverer(&self, log: Logger) -> Result<impl FnMut(&Event) -> Delivery, String> {
        let http = HttpClient::new(&self.tls.http_options(self.timeout, "supervisor-alert"))
            .map_err(|e| e.to_string())?;
        let smtp = match self
            .destinations
            .iter()
            .any(|d| matches!(d, Destination::Email { .. }))
        {
            true => Some(SmtpClient::new(&self.smtp).map_err(|e| e.to_string())?),
            false => None,
        };
        let rpc = RpcClient::from_env().ok();
        let destinations = self.destinations.clone();
        let (host, tail) = (self.host.clone(), self.tail);
        let mut folder = Folder::new(self.fold);
        // The incidents being delivered and which destinations already have each, so that
        // a retry neither folds them again nor resends to those that took them.
        let mut pending: Option<(u64, Work)> = None;
        Ok(move |event: &Event| {
            let serial = event.serial();
            let mut work = match pending.take() {
                Some((s, work)) if s == serial => work,
                _ => {
                    let mut found = Vec::new();
                    if event.name().starts_with("TICK") {
                        found = folder.due(now());
                    } else if let Some(incident) = Incident::from_event(event, &host) {
                        found.extend(folder.fold(incident, now()));
                    }
                    for incident in &mut found {
                        if incident.phase == Phase::Trigger && tail > 0 {
                            incident.stderr_tail = rpc.as_ref().and_then(|r| {
                                r.tail_process_stderr_log(&incident.namespec(), tail).ok()
                            });
                        }
                    }
                    found
                        .into_iter()
                        .map(|i| (i, vec![false; destinations.len()]))
                        .collect()
                }
            };
            let mut retry = None;
            for (incident, done) in &mut work {
                for (i, d) in destinations.iter().enumerate() {
                    if done[i] {
                        continue;
                    }
                    match d.send(incident, &http, smtp.as_ref()) {
                        Ok(()) => done[i] = true,
                        Err(e) if e.retryable => retry = Some(e.message),
                        Err(e) => {
                            log.log(format_args!(
                                "{} refused by a destination: {}",
                                incident.namespec(),
                                e.message
                            ));
                            done[i] = true;
                        }
                    }
                }
                if done.iter().all(|d| *d) {
                    log.log(format_args!(
                        "{} {}: {} (x{})",
                        match incident.phase {
                            Phase::Trigger => "alerted",
                            Phase::Resolve => "resolved",
                        },
                        incident.namespec(),
                        incident.summary,
                        incident.count
                    ));
                }
            }
            if let Some(why) = retry {
                work.retain(|(_, done)| !done.iter().all(|d| *d));
                pending = Some((serial, work));
                return Delivery::Retry(why);
            }
            Delivery::Done
        })
    }
}
