//! `crashmailbatch`, `fatalmailbatch` and `crashsms`: collect process incidents and mail them
//! as one message per batch interval over SMTP; drop-ins for superlance 2.0's three (same
//! options, same lines, same mail).
//!
//! ```ini
//! [eventlistener:crashmailbatch]
//! command=/usr/local/bin/crashmailbatch -t ops@example.com -f supervisor@example.com -H mail:587 -u alerts -p secret --tls
//! events=PROCESS_STATE,TICK_60
//! ```
//!
//! Beyond superlance: `--tls` always means STARTTLS (superlance only starts TLS when it
//! also logs in) and the server's certificate is verified (`--cacert FILE`, `--insecure`);
//! `--smtps` speaks TLS from the first byte. These extensions are accepted only in full.

use listener_sdk::smtp::{Mail, Security, SmtpClient, SmtpOptions};
use std::process::ExitCode;

use listener_sdk::spool::{Spool, SpoolOptions};
use listener_sdk::{Delivery, Event, Logger, SpooledOptions};

use crate::support::getopt::{self, Spec};
use crate::support::mail;
use crate::support::spooling;
use crate::support::tls::{self, TlsArgs};
use crate::Cli;

/// Which of the three.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Unexpected exits, mailed in batches.
    CrashMailBatch,
    /// FATAL processes, mailed in batches.
    FatalMailBatch,
    /// Unexpected exits, short lines for an email-to-SMS gateway.
    CrashSms,
}

impl Kind {
    /// The program name.
    pub fn program(self) -> &'static str {
        match self {
            Kind::CrashMailBatch => "crashmailbatch",
            Kind::FatalMailBatch => "fatalmailbatch",
            Kind::CrashSms => "crashsms",
        }
    }

    fn default_subject(self) -> Option<&'static str> {
        match self {
            Kind::CrashMailBatch => Some("Crash alert from supervisord"),
            Kind::FatalMailBatch => Some("Fatal start alert from supervisord"),
            Kind::CrashSms => None,
        }
    }
}

/// The usage text, after `usage: <program>`.
pub const USAGE: &str = " [options]

Collects process incidents and mails them, one message per batch interval (run it as
an [eventlistener:x] subscribed to PROCESS_STATE and the TICK event).

  -i, --interval MINUTES   batch interval in minutes (default 1.0)
  -t, --toEmail ADDRESSES  where to mail, comma separated (required)
  -f, --fromEmail ADDRESS  the sender (required)
  -s, --subject SUBJECT    the subject line
  -H, --smtpHost HOST      the SMTP server, HOST or HOST:PORT (default localhost)
  -e, --tickEvent NAME     the TICK event that counts time (default TICK_60)
  -u, --userName NAME      SMTP user name (AUTH with -u and -p)
  -p, --password PASSWORD  SMTP password
  --tls                    STARTTLS (required when given)
  --smtps                  TLS from the first byte (SMTPS, port 465 by default)
  --cacert FILE            trust only the CA certificates in FILE (PEM)
  --insecure               do not verify the server's certificate
  --spool DIR              the on-disk spool of events not yet mailed (each event is
                           acknowledged once spooled; default $TMPDIR/PROGRAM-NAME.spool)
  -h, --help               this text
";

const SPECS: &[Spec] = &[
    Spec {
        short: Some('h'),
        long: "help",
        takes_value: false,
    },
    Spec {
        short: Some('i'),
        long: "interval",
        takes_value: true,
    },
    Spec {
        short: Some('t'),
        long: "toEmail",
        takes_value: true,
    },
    Spec {
        short: Some('f'),
        long: "fromEmail",
        takes_value: true,
    },
    Spec {
        short: Some('s'),
        long: "subject",
        takes_value: true,
    },
    Spec {
        short: Some('H'),
        long: "smtpHost",
        takes_value: true,
    },
    Spec {
        short: Some('e'),
        long: "tickEvent",
        takes_value: true,
    },
    Spec {
        short: Some('u'),
        long: "userName",
        takes_value: true,
    },
    Spec {
        short: Some('p'),
        long: "password",
        takes_value: true,
    },
    Spec {
        short: None,
        long: "tls",
        takes_value: false,
    },
];

const EXTENSIONS: &[Spec] = &[
    Spec {
        short: None,
        long: "smtps",
        takes_value: false,
    },
    tls::SPECS[0],
    tls::SPECS[3],
    spooling::SPEC,
];

/// The settings of one of the three.
#[derive(Debug, Clone, PartialEq)]
pub struct MailBatch {
    /// Which one.
    pub kind: Kind,
    /// `-i`, minutes.
    pub interval: f64,
    /// `-t`, split on commas.
    pub to: Vec<String>,
    /// `-f`.
    pub from: String,
    /// `-s`, or the program's default.
    pub subject: Option<String>,
    /// `-H`.
    pub smtp_host: String,
    /// `-e`.
    pub tick_event: String,
    /// `-u`.
    pub user: String,
    /// `-p`.
    pub password: String,
    /// `--tls`.
    pub starttls: bool,
    /// `--smtps`.
    pub smtps: bool,
    /// `--cacert`, `--insecure`.
    pub tls: TlsArgs,
    /// `--spool`.
    pub spool: Option<std::path::PathBuf>,
}

/// The batch in progress.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchState {
    /// Lines collected since the last mail.
    pub messages: Vec<String>,
    /// Minutes counted by ticks since the last mail.
    pub minutes: f64,
}

impl MailBatch {
    /// Parses superlance's command line (`-t` and `-f` are required: without them, usage
    /// and exit 1, as superlance).
    pub fn from_args(kind: Kind, args: &[String]) -> Cli<MailBatch> {
        let Ok((given, _)) = getopt::parse_with_extensions(SPECS, EXTENSIONS, args) else {
            return Cli::Usage(2);
        };
        let mut m = MailBatch {
            kind,
            interval: 1.0,
            to: Vec::new(),
            from: String::new(),
            subject: kind.default_subject().map(str::to_owned),
            smtp_host: "localhost".into(),
            tick_event: "TICK_60".into(),
            user: String::new(),
            password: String::new(),
            starttls: false,
            smtps: false,
            tls: TlsArgs::default(),
            spool: None,
        };
        for (opt, value) in given {
            let value = value.unwrap_or_default();
            match opt {
                "help" => return Cli::Usage(0),
                "interval" => match value.parse::<f64>() {
                    Ok(i) if i.is_finite() => m.interval = i,
                    _ => return Cli::Usage(2),
                },
                "toEmail" => {
                    m.to = value
                        .split(',')
                        .map(|a| a.trim().to_owned())
                        .filter(|a| !a.is_empty())
                        .collect()
                }
                "fromEmail" => m.from = value,
                "subject" => m.subject = Some(value),
                "smtpHost" => m.smtp_host = value,
                "tickEvent" => m.tick_event = value,
                "userName" => m.user = value,
                "password" => m.password = value,
                "tls" => m.starttls = true,
                "smtps" => m.smtps = true,
                "spool" => m.spool = Some(value.into()),
                other => {
                    m.tls.take(other, &value);
                }
            }
        }
        if m.to.is_empty() || m.from.is_empty() {
            return Cli::Usage(1);
        }
        if m.tick_minutes().is_none() {
            eprintln!("Invalid TICK event name: {}", m.tick_event);
            return Cli::Usage(2);
        }
        Cli::Run(m)
    }

    /// Minutes one tick of `-e` counts (`TICK_5` is 5 s).
    pub fn tick_minutes(&self) -> Option<f64> {
        let secs: u32 = self.tick_event.strip_prefix("TICK_")?.parse().ok()?;
        Some(f64::from(secs) / 60.0)
    }

    /// The line for `event`, if it is an incident this program reports.
    pub fn line_for(&self, event: &Event, asctime: &str) -> Option<String> {
        let name = event.process_name().unwrap_or("");
        let group = event.group_name().unwrap_or("");
        let pid = event.pid().map_or_else(String::new, |p| p.to_string());
        match (self.kind, event.name()) {
            (Kind::CrashMailBatch, "PROCESS_STATE_EXITED") if event.expected() == Some(false) => {
                Some(format!(
                    "{asctime} -- Process {group}:{name} (pid {pid}) died unexpectedly"
                ))
            }
            (Kind::CrashSms, "PROCESS_STATE_EXITED") if event.expected() == Some(false) => Some(
                format!("[{group}:{name}]({pid}) exited unexpectedly {asctime}"),
            ),
            (Kind::FatalMailBatch, "PROCESS_STATE_FATAL") => Some(format!(
                "{asctime} -- Process {group}:{name} failed to start too many times"
            )),
            _ => None,
        }
    }

    /// Folds `event` into `state`; returns the mail to send when a tick closes a non-empty
    /// batch. Collected lines are written to stderr, as superlance does.
    pub fn step(&self, state: &mut BatchState, event: &Event, asctime: &str) -> Option<Mail> {
        if let Some(line) = self.line_for(event, asctime) {
            eprintln!("{line}");
            state.messages.push(line);
            return None;
        }
        if event.name() != self.tick_event {
            return None;
        }
        state.minutes += self.tick_minutes().unwrap_or(1.0);
        if state.minutes < self.interval {
            return None;
        }
        let messages = std::mem::take(&mut state.messages);
        state.minutes = 0.0;
        (!messages.is_empty()).then(|| Mail {
            from: self.from.clone(),
            to: self.to.clone(),
            subject: self.subject.clone(),
            body: messages.join("\n"),
        })
    }

    /// The SMTP settings `-H`, `-u`, `-p`, `--tls`, `--smtps`, `--cacert`, `--insecure` say.
    pub fn smtp_options(&self) -> SmtpOptions {
        SmtpOptions {
            security: if self.smtps {
                Security::Tls
            } else if self.starttls {
                Security::StartTls
            } else {
                Security::None
            },
            username: Some(self.user.clone()),
            password: Some(self.password.clone()),
            ca_file: self.tls.ca_file.clone(),
            insecure: self.tls.insecure,
            ..SmtpOptions::new(&self.smtp_host)
        }
    }

    /// Sends `mail` and logs it as superlance does (`Sending notification email:` with the
    /// body cut at 76 characters); a failure is logged as `Error sending email: ...`.
    pub fn send(&self, mail: &Mail) -> Result<(), String> {
        let result = SmtpClient::new(&self.smtp_options())
            .and_then(|c| c.send(mail))
            .map_err(|e| e.to_string());
        if let Err(e) = &result {
            eprintln!("Error sending email: {e}");
        }
        let body: String = if mail.body.chars().count() > 76 {
            format!("{}...", mail.body.chars().take(76).collect::<String>())
        } else {
            mail.body.clone()
        };
        eprintln!(
            "Sending notification email:\nTo: {}\nFrom: {}\nSubject: {}\nBody:\n{body}",
            mail.to.join(", "),
            mail.from,
            mail.subject.as_deref().unwrap_or("None"),
        );
        result
    }

    /// [`mail::asctime_now`], as `childutils.get_asctime()` formats the time.
    pub fn now() -> String {
        mail::asctime_now()
    }
}

/// The whole program for `kind`: parse the command line, then listen.
pub fn main(kind: Kind) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let m = match MailBatch::from_args(kind, &args) {
        Cli::Run(m) => m,
        Cli::Usage(code) => {
            println!("usage: {}{USAGE}", kind.program());
            return ExitCode::from(code);
        }
    };
    if std::env::var_os("SUPERVISOR_SERVER_URL").is_none() {
        eprintln!("Must run as a supervisor event listener");
        return ExitCode::from(1);
    }
    let log = Logger::new(kind.program());
    let dir = spooling::dir(kind.program(), m.spool.clone());
    // The batch in progress is a spool of its own, so that a restart loses none of it:
    // an event's line is acknowledged from the event spool once it is in the batch spool,
    // and the batch's lines only once the mail carrying them is sent.
    let batch = match Spool::open(dir.join("batch"), SpoolOptions::default()) {
        Ok(b) => b,
        Err(e) => {
            log.log(format_args!("cannot open the batch spool: {e}"));
            return ExitCode::from(2);
        }
    };
    let mut minutes = 0.0;
    spooling::run(
        &log,
        dir,
        SpoolOptions::default(),
        SpooledOptions::default(),
        move |event: &Event| {
            if let Some(line) = m.line_for(event, &MailBatch::now()) {
                eprintln!("{line}");
                return match batch.push(line.as_bytes()) {
                    Ok(_) => Delivery::Done,
                    Err(e) => Delivery::Retry(format!("cannot keep the line: {e}")),
                };
            }
            if event.name() != m.tick_event {
                return Delivery::Done;
            }
            minutes += m.tick_minutes().unwrap_or(1.0);
            if minutes < m.interval {
                return Delivery::Done;
            }
            minutes = 0.0;
            let lines = batch.entries();
            if lines.is_empty() {
                return Delivery::Done;
            }
            let body: Vec<String> = lines
                .iter()
                .map(|e| String::from_utf8_lossy(&e.data).into_owned())
                .collect();
            let mail = Mail {
                from: m.from.clone(),
                to: m.to.clone(),
                subject: m.subject.clone(),
                body: body.join("\n"),
            };
            match m.send(&mail) {
                Ok(()) => {
                    for line in &lines {
                        let _ = batch.ack(line);
                    }
                    Delivery::Done
                }
                // The same tick comes back after the backoff and closes the batch again.
                Err(e) => Delivery::Retry(e),
            }
        },
    )
}
