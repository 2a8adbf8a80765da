//! `httpok`: probe a URL on every tick and restart processes when it answers badly; a
//! drop-in for superlance 2.0's `httpok` (same options), for `http://` and `https://` URLs.
//! Unlike superlance, an `https://` server's certificate is verified (against the system
//! store, or `--cacert FILE`); an untrusted one is a failed check like a refused connection,
//! and the mail says why. `--insecure` turns verification off.
//!
//! ```ini
//! [eventlistener:httpok]
//! command=/usr/local/bin/httpok -p web -t 5 -c 200 -b ok -m ops@example.com http://127.0.0.1:8080/health
//! events=TICK_60
//! ```

use std::time::Duration;

use listener_sdk::rpc::{ProcessInfo, RpcClient};
use listener_sdk::{Event, Logger};

use crate::support::getopt::{self, Spec};
use crate::support::mail;
use crate::support::tls::{self, TlsArgs};
use crate::Cli;
use listener_sdk::http::{HttpClient, HttpError};

/// The usage text (`-h`).
pub const USAGE: &str = "\
usage: httpok [-p NAME]... [-a] [-t TIMEOUT] [-c CODE]... [-b BODY] [-s SENDMAIL]
              [-m ADDRESS] [-g GCORE] [-d COREDIR] [-e|-E] [-n NAME] URL

Requests URL on every TICK event and restarts the named processes when the answer
is not one of the expected status codes or lacks BODY (run it as an
[eventlistener:x] subscribed to TICK_60 or so).

  -p, --program NAME          restart this process (NAME or GROUP:NAME); repeatable
  -a, --any                   restart every running process
  -t, --timeout SECONDS       how long to wait for an answer (default 10)
  -c, --code CODE             an acceptable status code; repeatable (default 200)
  -b, --body TEXT             the body must contain TEXT
  -s, --sendmail_program CMD  the command that sends mail (default: /usr/sbin/sendmail -t -i)
  -m, --email ADDRESS         mail this address about what was done
  -g, --gcore CMD             dump a core of each process before restarting it with
                              CMD \"COREDIR/NAME\" PID (default: /usr/bin/gcore -o; needs -d)
  -d, --coredir DIR           where the cores go
  -e, --eager                 request URL even when no watched process runs (default)
  -E, --not-eager             only request URL when a watched process runs
  -n, --name NAME             name this httpok in mail subjects
  -h, --help                  this text
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
        short: Some('t'),
        long: "timeout",
        takes_value: true,
    },
    Spec {
        short: Some('c'),
        long: "code",
        takes_value: true,
    },
    Spec {
        short: Some('b'),
        long: "body",
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
    Spec {
        short: Some('g'),
        long: "gcore",
        takes_value: true,
    },
    Spec {
        short: Some('d'),
        long: "coredir",
        takes_value: true,
    },
    Spec {
        short: Some('e'),
        long: "eager",
        takes_value: false,
    },
    Spec {
        short: Some('E'),
        long: "not-eager",
        takes_value: false,
    },
    Spec {
        short: Some('n'),
        long: "name",
        takes_value: true,
    },
];

/// httpok's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpOk {
    /// `-p`.
    pub programs: Vec<String>,
    /// `-a`.
    pub any: bool,
    /// `-t`, seconds.
    pub timeout: u64,
    /// `-c` (200 when none given).
    pub statuses: Vec<u16>,
    /// `-b`.
    pub in_body: Option<String>,
    /// `-s`.
    pub sendmail: String,
    /// `-m`.
    pub email: Option<String>,
    /// `-g`.
    pub gcore: String,
    /// `-d`.
    pub coredir: Option<String>,
    /// `-e` / `-E`.
    pub eager: bool,
    /// `-n`.
    pub name: Option<String>,
    /// The URL (the last argument).
    pub url: String,
    /// Seconds between connection attempts while the server refuses connections.
    pub retry_time: u64,
    /// `--cacert`, `--cert`, `--key`, `--insecure`.
    pub tls: TlsArgs,
}

fn py_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("'{i}'")).collect();
    format!("[{}]", quoted.join(", "))
}

impl HttpOk {
    /// Parses superlance's command line: options, then exactly one URL.
    pub fn from_args(args: &[String]) -> Cli<HttpOk> {
        let Ok((given, rest)) = getopt::parse_with_extensions(SPECS, &tls::SPECS, args) else {
            return Cli::Usage(255);
        };
        if given.iter().any(|(n, _)| *n == "help") {
            return Cli::Usage(0);
        }
        if rest.len() != 1 {
            return Cli::Usage(255);
        }
        let mut h = HttpOk {
            programs: Vec::new(),
            any: false,
            timeout: 10,
            statuses: Vec::new(),
            in_body: None,
            sendmail: mail::DEFAULT_SENDMAIL.to_owned(),
            email: None,
            gcore: "/usr/bin/gcore -o".to_owned(),
            coredir: None,
            eager: true,
            name: None,
            url: rest[0].clone(),
            retry_time: 10,
            tls: TlsArgs::default(),
        };
        for (opt, value) in given {
            let value = value.unwrap_or_default();
            match opt {
                "program" => h.programs.push(value),
                "any" => h.any = true,
                "timeout" => match value.parse() {
                    Ok(t) => h.timeout = t,
                    Err(_) => return Cli::Usage(255),
                },
                "code" => match value.parse() {
                    Ok(c) => h.statuses.push(c),
                    Err(_) => return Cli::Usage(255),
                },
                "body" => h.in_body = Some(value),
                "sendmail_program" => h.sendmail = value,
                "email" => h.email = Some(value),
                "gcore" => h.gcore = value,
                "coredir" => h.coredir = Some(value),
                "eager" => h.eager = true,
                "not-eager" => h.eager = false,
                "name" => h.name = Some(value),
                other => {
                    h.tls.take(other, &value);
                }
            }
        }
        if h.statuses.is_empty() {
            h.statuses.push(200);
        }
        Cli::Run(h)
    }

    fn subject(&self, what: &str) -> String {
        match &self.name {
            Some(n) => format!("httpok [{n}]: {what}"),
            None => format!("httpok: {what}"),
        }
    }

    /// Requests the URL (retrying refused connections while the timeout allows) and judges
    /// the answer: `None` when good, else the mail subject and first message line.
    pub fn probe(&self) -> Option<(String, String)> {
        let timeout = Duration::from_secs(self.timeout.max(1));
        let client = match HttpClient::new(&self.tls.http_options(timeout, "httpok")) {
            Ok(c) => c,
            Err(e) => {
                return Some((
                    self.subject(&format!("{}: bad status returned", self.url)),
                    format!("error contacting {}:\n\n {e}", self.url),
                ))
            }
        };
        let mut retries = self.timeout.saturating_sub(1) / self.retry_time.max(1);
        let result = loop {
            match client.get(&self.url, &[]) {
                Err(HttpError::Refused(_)) if retries > 0 => {
                    retries -= 1;
                    std::thread::sleep(Duration::from_secs(self.retry_time));
                }
                other => break other,
            }
        };
        let (status, body, msg) = match result {
            Ok(r) => {
                let msg = format!("status contacting {}: {} {}", self.url, r.status, r.reason);
                (Some(r.status), r.body, msg)
            }
            Err(e) => (
                None,
                Vec::new(),
                format!("error contacting {}:\n\n {e}", self.url),
            ),
        };
        if !status.is_some_and(|s| self.statuses.contains(&s)) {
            return Some((
                self.subject(&format!("{}: bad status returned", self.url)),
                msg,
            ));
        }
        if let Some(want) = &self.in_body {
            if !String::from_utf8_lossy(&body).contains(want.as_str()) {
                return Some((
                    self.subject(&format!("{}: bad body returned", self.url)),
                    msg,
                ));
            }
        }
        None
    }

    /// Restarts what `-p`/`-a` select, collecting what was done (and mailing it).
    pub fn act(&self, rpc: &RpcClient, subject: &str, msg: String, log: &Logger) {
        let mut messages = vec![msg];
        let mut write = |m: String| {
            log.log(&m);
            messages.push(m);
        };
        let specs = match rpc.get_all_process_info() {
            Ok(s) => s,
            Err(e) => {
                write(format!("Exception retrieving process info {e}, not acting"));
                return;
            }
        };
        let mut waiting = self.programs.clone();
        if self.any {
            write("Restarting all running processes".into());
        } else {
            write(format!(
                "Restarting selected processes {}",
                py_list(&self.programs)
            ));
        }
        for spec in &specs {
            let namespec = spec.namespec();
            let selected =
                self.any || self.programs.contains(&spec.name) || self.programs.contains(&namespec);
            if selected {
                self.restart(rpc, spec, &mut write);
                waiting.retain(|w| *w != spec.name && *w != namespec);
            }
        }
        if !waiting.is_empty() {
            write(format!(
                "Programs not restarted because they did not exist: {}",
                py_list(&waiting)
            ));
        }
        if let Some(to) = &self.email {
            let body = mail::message(to, subject, &messages.join("\n"));
            match mail::send(&self.sendmail, &body) {
                Ok(()) => eprint!("Mailed:\n\n{body}"),
                Err(e) => log.log(format_args!("could not mail: {e}")),
            }
        }
    }

    fn restart(&self, rpc: &RpcClient, spec: &ProcessInfo, write: &mut impl FnMut(String)) {
        let namespec = spec.namespec();
        if spec.statename != "RUNNING" {
            write(format!("{namespec} not in RUNNING state, NOT restarting"));
            return;
        }
        if let Some(dir) = &self.coredir {
            let core = std::path::Path::new(dir).join(&namespec);
            let cmd = format!("{} \"{}\" {}", self.gcore, core.display(), spec.pid);
            let out = std::process::Command::new("/bin/sh")
                .arg("-c")
                .arg(&cmd)
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_else(|e| e.to_string());
            write(format!("gcore output for {namespec}:\n\n {out}"));
        }
        write(format!("{namespec} is in RUNNING state, restarting"));
        if let Err(e) = rpc.stop_process(&namespec, true) {
            write(format!("Failed to stop process {namespec}: {e}"));
        }
        match rpc.start_process(&namespec, true) {
            Ok(_) => write(format!("{namespec} restarted")),
            Err(e) => write(format!("Failed to start process {namespec}: {e}")),
        }
    }

    /// Handles one event: on a tick, probe (when eager or a watched process runs) and act.
    pub fn handle(&self, event: &Event, rpc: &RpcClient, log: &Logger) {
        if !event.name().starts_with("TICK") {
            return;
        }
        if !self.eager {
            let running = rpc.get_all_process_info().map(|all| {
                all.iter()
                    .any(|p| p.statename == "RUNNING" && self.programs.contains(&p.name))
            });
            if !running.unwrap_or(false) {
                return;
            }
        }
        if let Some((subject, msg)) = self.probe() {
            self.act(rpc, &subject, msg, log);
        }
    }
}
