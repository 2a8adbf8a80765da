//! `crashmail`: mail when a process exits unexpectedly; a drop-in for superlance 2.0's
//! `crashmail` (same options, same mail). Subscribe it to `PROCESS_STATE_EXITED`:
//!
//! ```ini
//! [eventlistener:crashmail]
//! command=/usr/local/bin/crashmail -a -m ops@example.com
//! events=PROCESS_STATE_EXITED
//! ```

use listener_sdk::{Event, Logger};

use crate::support::getopt::{self, Spec};
use crate::support::mail;
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
";

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
}

impl CrashMail {
    /// Parses superlance's command line.
    pub fn from_args(args: &[String]) -> Cli<CrashMail> {
        let Ok((given, _)) = getopt::parse(SPECS, args) else {
            return Cli::Usage(255);
        };
        let mut c = CrashMail {
            programs: Vec::new(),
            any: false,
            email: None,
            sendmail: mail::DEFAULT_SENDMAIL.to_owned(),
            optional_header: None,
        };
        for (name, value) in given {
            let value = value.unwrap_or_default();
            match name {
                "help" => return Cli::Usage(0),
                "program" => c.programs.push(value),
                "any" => c.any = true,
                "optionalheader" => c.optional_header = Some(value),
                "sendmail_program" => c.sendmail = value,
                "email" => c.email = Some(value),
                _ => {}
            }
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

    /// Handles one event: mails an unexpected exit. A mail that cannot be sent is logged
    /// and the event still acknowledged (a broken sendmail must not stall the pool).
    pub fn handle(&self, event: &Event, log: &Logger) {
        let Some(body) = self.mail_for(event, &mail::asctime_now()) else {
            return;
        };
        eprintln!("unexpected exit, mailing");
        match mail::send(&self.sendmail, &body) {
            Ok(()) => eprint!("Mailed:\n\n{body}"),
            Err(e) => log.log(format_args!("could not mail: {e}")),
        }
    }
}
