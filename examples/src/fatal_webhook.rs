//! `fatal-webhook`: post a JSON alert to a webhook when a process gives up (FATAL), and
//! optionally when it exits unexpectedly, retrying with exponential backoff. Events are
//! acknowledged once they are in an on-disk spool (`--spool DIR`, at most `-q` entries,
//! the oldest dropped when full) and posted from it, so a slow or dead webhook never stalls
//! supervisord's pool and a crash loses nothing.
//!
//! ```ini
//! [eventlistener:alerts]
//! command=/usr/local/bin/fatal-webhook --exited http://hooks.example.com/T000/B000
//! events=PROCESS_STATE_FATAL,PROCESS_STATE_EXITED
//! ```
//!
//! The body is one JSON object: `text` (a sentence, which Slack and Mattermost display),
//! `event`, `process`, `group`, `namespec`, `from_state`, `expected`, `pid`, `host`,
//! `server`, `serial`, `time`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use listener_sdk::{Event, Logger};
use serde::Serialize;

use crate::support::getopt::{self, Spec};
use crate::support::spooling;
use crate::support::tls::{self, TlsArgs};
use crate::Cli;
use listener_sdk::http::{check_url, HttpClient};

/// The usage text (`-h`).
pub const USAGE: &str = "\
usage: fatal-webhook [--exited] [-r RETRIES] [-b BACKOFF] [-t TIMEOUT] [-q QUEUE]
                     [-H 'Name: value']... [-n HOST] URL

Posts a JSON alert to URL (http:// or https://) when a supervised process enters FATAL and,
with --exited, when one exits unexpectedly. Run it as an [eventlistener:x]
subscribed to PROCESS_STATE_FATAL (and PROCESS_STATE_EXITED).

  -x, --exited          also alert on unexpected exits
  -r, --retries N       attempts after the first failure (default 5)
  -b, --backoff SECS    first wait between attempts, doubled each time up to 60 s
                        (default 1; fractions allowed)
  -t, --timeout SECS    per-request timeout (default 10)
  -q, --queue N         alerts waiting to be posted before the oldest is dropped
                        (default 100)
  --spool DIR           the on-disk spool (default $TMPDIR/fatal-webhook-NAME.spool)
  -H, --header 'K: V'   an extra request header (e.g. authorization); repeatable
  -n, --host NAME       the host name to report (default: this machine's)
  -h, --help            this text
";

/// The TLS options' usage, printed after [`USAGE`].
pub const TLS_USAGE: &str = tls::USAGE;

const SPECS: &[Spec] = &[
    Spec {
        short: Some('h'),
        long: "help",
        takes_value: false,
    },
    Spec {
        short: Some('x'),
        long: "exited",
        takes_value: false,
    },
    Spec {
        short: Some('r'),
        long: "retries",
        takes_value: true,
    },
    Spec {
        short: Some('b'),
        long: "backoff",
        takes_value: true,
    },
    Spec {
        short: Some('t'),
        long: "timeout",
        takes_value: true,
    },
    Spec {
        short: Some('q'),
        long: "queue",
        takes_value: true,
    },
    Spec {
        short: Some('H'),
        long: "header",
        takes_value: true,
    },
    Spec {
        short: Some('n'),
        long: "host",
        takes_value: true,
    },
];

/// fatal-webhook's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct FatalWebhook {
    /// Where to post.
    pub url: String,
    /// Also alert on unexpected exits.
    pub exited: bool,
    /// Attempts after the first.
    pub retries: u32,
    /// The first backoff.
    pub backoff: Duration,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Queue capacity.
    pub queue: usize,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// The host name reported.
    pub host: String,
    /// `--cacert`, `--cert`, `--key`, `--insecure`.
    pub tls: TlsArgs,
    /// `--spool`.
    pub spool: Option<std::path::PathBuf>,
}

/// The JSON body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// A sentence for chat webhooks.
    pub text: String,
    /// The event name.
    pub event: String,
    /// The process.
    pub process: String,
    /// Its group.
    pub group: String,
    /// `group:process` (or `process`).
    pub namespec: String,
    /// The state it left.
    pub from_state: String,
    /// `expected` of an exit.
    pub expected: Option<bool>,
    /// Its pid, when the event carries one.
    pub pid: Option<u32>,
    /// The machine.
    pub host: String,
    /// The daemon's identifier.
    pub server: String,
    /// The event's serial.
    pub serial: u64,
    /// When the alert was made (epoch seconds).
    pub time: u64,
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

impl FatalWebhook {
    /// Parses the command line: options, then the URL.
    pub fn from_args(args: &[String]) -> Cli<FatalWebhook> {
        let Ok((given, rest)) = getopt::parse_with_extensions(
            SPECS,
            &[
                tls::SPECS[0],
                tls::SPECS[1],
                tls::SPECS[2],
                tls::SPECS[3],
                spooling::SPEC,
            ],
            args,
        ) else {
            return Cli::Usage(255);
        };
        if given.iter().any(|(n, _)| *n == "help") {
            return Cli::Usage(0);
        }
        let [url] = rest.as_slice() else {
            return Cli::Usage(255);
        };
        if let Err(e) = check_url(url) {
            eprintln!("fatal-webhook: {e}");
            return Cli::Usage(255);
        }
        let mut w = FatalWebhook {
            url: url.clone(),
            exited: false,
            retries: 5,
            backoff: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
            queue: 100,
            headers: Vec::new(),
            host: hostname(),
            tls: TlsArgs::default(),
            spool: None,
        };
        for (opt, value) in given {
            let value = value.unwrap_or_default();
            let ok = match opt {
                "exited" => {
                    w.exited = true;
                    true
                }
                "retries" => value.parse().map(|r| w.retries = r).is_ok(),
                "backoff" => seconds(&value).map(|b| w.backoff = b).is_some(),
                "timeout" => seconds(&value).map(|t| w.timeout = t).is_some(),
                "queue" => value.parse().map(|q| w.queue = q).is_ok(),
                "header" => value
                    .split_once(':')
                    .map(|(k, v)| w.headers.push((k.trim().into(), v.trim().into())))
                    .is_some(),
                "host" => {
                    w.host = value;
                    true
                }
                "spool" => {
                    w.spool = Some(value.into());
                    true
                }
                other => {
                    w.tls.take(other, &value);
                    true
                }
            };
            if !ok {
                eprintln!("fatal-webhook: bad value for --{opt}");
                return Cli::Usage(255);
            }
        }
        Cli::Run(w)
    }

    /// The alert for `event`, if it is one to send.
    pub fn alert_for(&self, event: &Event) -> Option<Alert> {
        let fatal = event.name() == "PROCESS_STATE_FATAL";
        let crashed = self.exited
            && event.name() == "PROCESS_STATE_EXITED"
            && event.expected() == Some(false);
        if !fatal && !crashed {
            return None;
        }
        let process = event.process_name().unwrap_or("").to_owned();
        let namespec = event.namespec().unwrap_or_else(|| process.clone());
        let text = if fatal {
            format!(
                "{namespec} on {} gave up: it could not be started (FATAL)",
                self.host
            )
        } else {
            format!(
                "{namespec} on {} exited unexpectedly (pid {})",
                self.host,
                event.pid().unwrap_or(0)
            )
        };
        Some(Alert {
            text,
            event: event.name().to_owned(),
            group: event.group_name().unwrap_or("").to_owned(),
            process,
            namespec,
            from_state: event.from_state().map_or("", |s| s.as_str()).to_owned(),
            expected: event.expected(),
            pid: event.pid(),
            host: self.host.clone(),
            server: event.server().to_owned(),
            serial: event.serial(),
            time: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        })
    }

    /// Posts `alert`, retrying connection errors, 5xx and 429 with exponential backoff.
    pub fn post(&self, alert: &Alert, log: &Logger) -> Result<(), String> {
        let body = serde_json::to_vec(alert).map_err(|e| e.to_string())?;
        let client = HttpClient::new(&self.tls.http_options(self.timeout, "fatal-webhook"))
            .map_err(|e| e.to_string())?;
        let mut headers = vec![("Content-Type", "application/json")];
        headers.extend(self.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let mut wait = self.backoff;
        let mut attempt = 0;
        loop {
            let outcome = client.post(&self.url, &headers, &body);
            let retryable = match &outcome {
                Ok(r) if (200..300).contains(&r.status) => return Ok(()),
                Ok(r) if r.status == 429 || r.status >= 500 => {
                    format!("HTTP {} {}", r.status, r.reason)
                }
                Ok(r) => {
                    return Err(format!(
                        "the webhook refused the alert: HTTP {} {}",
                        r.status, r.reason
                    ))
                }
                Err(e) => e.to_string(),
            };
            if attempt >= self.retries {
                return Err(format!(
                    "giving up after {} attempts: {retryable}",
                    attempt + 1
                ));
            }
            attempt += 1;
            log.log(format_args!(
                "posting {} failed ({retryable}); retry {attempt}/{} in {:.1}s",
                alert.namespec,
                self.retries,
                wait.as_secs_f64()
            ));
            std::thread::sleep(wait);
            wait = (wait * 2).min(Duration::from_secs(60));
        }
    }
}
