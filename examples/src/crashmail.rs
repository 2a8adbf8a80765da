//! `crashmail`: mail when a process exits unexpectedly; a drop-in for superlance 2.0's
//! `crashmail` (same options, same mail). Subscribe it to `PROCESS_STATE_EXITED`:
//!
//! ```ini
//! [eventlistener:crashmail]
//! command=/usr/local/bin/crashmail -a -m ops@example.com
//! events=PROCESS_STATE_EXITED
//! ```
//!
//! Beyond superlance, it can mail over SMTP instead of sendmail: `--smtpHost HOST[:PORT]`
//! (then `--fromEmail`, `--userName`, `--password`, `--tls` for STARTTLS or `--smtps`,
//! `--cacert`, `--insecure`), the options crashmailbatch takes, accepted only in full.

use listener_sdk::smtp::{Mail, Security, SmtpClient, SmtpOptions};
use listener_sdk::{Delivery, Event, Logger};

use crate::support::getopt::{self, Spec};
use crate::support::mail;
use crate::support::{spooling, tls};
use crate::Cli;

/// The usage text (`-h`).
pub const USAGE: &str = "\
usage: crashmail [-p NAME]... [-a] [-o PREFIX] [-m ADDRESS] [-s SENDMAIL]

Mails ADDRESS when a supervised process exits unexpectedly (run it as an
[eventlistener:x] subscribed to PROCESS_STATE_EXITED).

  -p, --program NAME           watch this process (NAME or GROUP:NAME); repeatable
  -a, --any                    watch every process (overrides -p)
  -o, --optionalheader PREFIX  put PREFIX before the mail subject
  -m, --email ADDRESS          where to send the mail
  -s, --sendmail_program CMD   the command that sends it, reading the message on
                               stdin (default: /usr/sbin/sendmail -t -i)
  -h, --help                   this text

Over SMTP instead (given in full):
  --smtpHost HOST[:PORT]       mail through this SMTP server
  --fromEmail ADDRESS          the sender (default supervisor@HOSTNAME)
  --userName NAME, --password PASSWORD   AUTH
  --tls | --smtps              STARTTLS, or TLS from the first byte
  --cacert FILE, --insecure    verify against FILE only, or not at all

Each event is acknowledged once it is in an on-disk spool, then mailed at least
once, retried with backoff while sending fails:
  --spool DIR                  the spool (default $TMPDIR/crashmail-NAME.spool)
";

const EXTENSIONS: &[Spec] = &[
    Spec {
        short: None,
        long: "smtpHost",
        takes_value: true,
    },
    Spec {
        short: None,
        long: "fromEmail",
        takes_value: true,
    },
    Spec {
        short: None,
        long: "userName",
        takes_value: true,
    },
    Spec {
        short: None,
        long: "password",
        takes_value: true,
    },
    Spec {
        short: None,
        long: "tls",
        takes_value: false,
    },
    Spec {
        short: None,
        long: "smtps",
        takes_value: false,
    },
    tls::SPECS[0],
    tls::SPECS[3],
    spooling::SPEC,
];

const SPECS: &[Spec] = &[
    Spec {
        short: Some('h'),
        long: "help",
        takes_value: false,
    },
    Spec {
        short: Some('p'),
        long: "program",
        takes_value: true,
    },
    Spec {
        short: Some('a'),
        long: "any",
        takes_value: false,
    },
    Spec {
        short: Some('o'),
        long: "optionalheader",
        takes_value: true,
    },
    Spec {
        short: Some('s'),
        long: "sendmail_program",
        takes_value: true,
    },
    Spec {
        short: Some('m'),
        long: "email",
        takes_value: true,
    },
];

/// crashmail's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrashMail {
    /// `-p`: processes to watch (`name` or `group:name`).
    pub programs: Vec<String>,
    /// `-a`: watch every process.
    pub any: bool,
    /// `-m`: where to mail.
    pub email: Option<String>,
    /// `-s`: the sendmail command.
    pub sendmail: String,
    /// `-o`: subject prefix.
    pub optional_header: Option<String>,
    /// `--smtpHost` and the rest: mail over SMTP instead of sendmail.
    pub smtp: Option<SmtpOptions>,
    /// `--fromEmail`.
    pub from: Option<String>,
    /// `--spool`.
    pub spool: Option<std::path::PathBuf>,
}

impl CrashMail {
    /// Parses superlance's command line.
    pub fn from_args(args: &[String]) -> Cli<CrashMail> {
        let Ok((given, _)) = getopt::parse_with_extensions(SPECS, EXTENSIONS, args) else {
            return Cli::Usage(255);
        };
        let mut c = CrashMail {
            programs: Vec::new(),
            any: false,
            email: None,
            sendmail: mail::DEFAULT_SENDMAIL.to_owned(),
            optional_header: None,
            smtp: None,
            from: None,
            spool: None,
        };
        let mut smtp = SmtpOptions::new("localhost");
        let (mut smtps, mut starttls) = (false, false);
        for (name, value) in given {
            let value = value.unwrap_or_default();
            match name {
                "help" => return Cli::Usage(0),
                "program" => c.programs.push(value),
                "any" => c.any = true,
                "optionalheader" => c.optional_header = Some(value),
                "sendmail_program" => c.sendmail = value,
                "email" => c.email = Some(value),
                "smtpHost" => {
                    smtp.server = value;
                    c.smtp = Some(SmtpOptions::new(""));
                }
                "fromEmail" => c.from = Some(value),
                "userName" => smtp.username = Some(value),
                "password" => smtp.password = Some(value),
                "tls" => starttls = true,
                "smtps" => smtps = true,
                "cacert" => smtp.ca_file = Some(value.into()),
                "insecure" => smtp.insecure = true,
                "spool" => c.spool = Some(value.into()),
                _ => {}
            }
        }
        if c.smtp.is_some() {
            smtp.security = if smtps {
                Security::Tls
            } else if starttls {
                Security::StartTls
            } else {
                Security::None
            };
            c.smtp = Some(smtp);
        }
        Cli::Run(c)
    }

    /// Whether crashes of this event's process are reported: `-a`, no `-p` at all (what
    /// superlance 2.0 does for every process), or a `-p` naming it.
    fn watches(&self, event: &Event) -> bool {
        if self.any || self.programs.is_empty() {
            return true;
        }
        let name = event.process_name().unwrap_or("");
        let spec = format!("{}:{name}", event.group_name().unwrap_or(""));
        self.programs.iter().any(|p| p == name || *p == spec)
    }

    /// The mail for `event`, if it is an unexpected exit of a watched process.
    pub fn mail_for(&self, event: &Event, asctime: &str) -> Option<String> {
        if event.name() != "PROCESS_STATE_EXITED" || event.expected() != Some(false) {
            return None;
        }
        if !self.watches(event) {
            return None;
        }
        let process = event.process_name().unwrap_or("");
        let text = format!(
            "Process {process} in group {} exited unexpectedly (pid {}) from state {}",
            event.group_name().unwrap_or(""),
            event.pid().map_or_else(String::new, |p| p.to_string()),
            event.from_state().map_or("", |s| s.as_str()),
        );
        let mut subject = format!(" {process} crashed at {asctime}");
        if let Some(h) = &self.optional_header {
            subject = format!("{h}:{subject}");
        }
        Some(mail::message(
            self.email.as_deref().unwrap_or("None"),
            &subject,
            &text,
        ))
    }

    /// Delivers one spooled event: mails an unexpected exit. A mail that cannot be sent is
    /// logged and retried (the event was acknowledged when spooled, so a broken sendmail
    /// never stalls the pool).
    pub fn deliver(&self, event: &Event, log: &Logger) -> Delivery {
        let Some(body) = self.mail_for(event, &mail::asctime_now()) else {
            return Delivery::Done;
        };
        eprintln!("unexpected exit, mailing");
        let sent = match &self.smtp {
            Some(options) => self.send_smtp(options, &body),
            None => mail::send(&self.sendmail, &body).map_err(|e| e.to_string()),
        };
        match sent {
            Ok(()) => {
                eprint!("Mailed:\n\n{body}");
                Delivery::Done
            }
            Err(e) => {
                log.log(format_args!("could not mail: {e}"));
                Delivery::Retry(e)
            }
        }
    }

    /// Sends the sendmail-style message `body` (`To:`, `Subject:`, blank line, text) over
    /// SMTP.
    fn send_smtp(&self, options: &SmtpOptions, body: &str) -> Result<(), String> {
        let (head, text) = body.split_once("\n\n").unwrap_or((body, ""));
        let subject = head
            .lines()
            .find_map(|l| l.strip_prefix("Subject: "))
            .map(str::to_owned);
        let from = self.from.clone().unwrap_or_else(|| {
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_owned())
                .unwrap_or_else(|_| "localhost".into());
            format!("supervisor@{host}")
        });
        let mail = Mail {
            from,
            to: self.email.iter().cloned().collect(),
            subject,
            body: text.to_owned(),
        };
        SmtpClient::new(options)
            .and_then(|c| c.send(&mail))
            .map_err(|e| e.to_string())
    }
}
