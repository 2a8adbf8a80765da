//! A real SMTP server for the mail tests: `aiosmtpd` (from requirements-test.txt) run by
//! `tests/scripts/smtp_server.py` on a free loopback port, with STARTTLS or implicit TLS on
//! the test CA's certificate and AUTH, recording each message as JSON in its own dir.

use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::stop_on_drop::StopOnDrop;
use crate::temp_dir::TempDir;
use crate::tls::TestCa;

/// The AUTH user name the server accepts.
pub const SMTP_USER: &str = "alerts";
/// Its password.
pub const SMTP_PASSWORD: &str = "s3cret pass";

/// How the server protects its sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpMode {
    /// No TLS; AUTH allowed in the clear.
    Plain,
    /// STARTTLS required before MAIL and AUTH.
    StartTls,
    /// TLS from the first byte.
    Tls,
}

/// One message the server accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The envelope sender.
    pub mail_from: String,
    /// The envelope recipients.
    pub rcpt_tos: Vec<String>,
    /// The session was encrypted.
    pub tls: bool,
    /// The session authenticated.
    pub authenticated: bool,
    /// The message as sent (headers and body).
    pub message: String,
}

/// A running server, killed by pid when dropped.
#[derive(Debug)]
pub struct SmtpServer {
    _process: StopOnDrop,
    dir: TempDir,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

/// Whether aiosmtpd is installed: under CI (env `CI` set) its absence panics, so mail tests
/// fail rather than skip; otherwise a note is printed and false returned.
pub fn aiosmtpd_installed() -> bool {
    crate::required(
        crate::runs("python3", &["-c", "import aiosmtpd"]),
        "aiosmtpd",
        "pip install -r requirements-test.txt",
    )
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/smtp_server.py")
}

impl SmtpServer {
    /// Starts a server in `mode`, presenting `ca`'s `localhost` certificate.
    pub fn start(mode: SmtpMode, ca: &TestCa) -> io::Result<SmtpServer> {
        let dir = TempDir::new("smtp")?;
        let mode_arg = match mode {
            SmtpMode::Plain => "plain",
            SmtpMode::StartTls => "starttls",
            SmtpMode::Tls => "tls",
        };
        let mut child = Command::new("python3")
            .arg(script())
            .arg(dir.path())
            .arg(mode_arg)
            .arg(&ca.server_cert)
            .arg(&ca.server_key)
            .args([SMTP_USER, SMTP_PASSWORD])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(std::fs::File::create(dir.join("stderr.txt"))?))
            .spawn()?;
        let stdout = child.stdout.take();
        let process = StopOnDrop(child);
        let mut line = String::new();
        if let Some(out) = stdout {
            BufReader::new(out).read_line(&mut line)?;
        }
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| {
                let err = std::fs::read_to_string(dir.join("stderr.txt")).unwrap_or_default();
                io::Error::other(format!("the SMTP server did not start: {line:?} {err}"))
            })?;
        Ok(SmtpServer {
            _process: process,
            dir,
            port,
        })
    }

    /// `127.0.0.1:<port>`, as `-H` takes it.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `localhost:<port>`: the name the certificate carries, for TLS clients.
    pub fn tls_address(&self) -> String {
        format!("localhost:{}", self.port)
    }

    /// The messages accepted so far, in order.
    pub fn received(&self) -> Vec<Received> {
        let mut out = Vec::new();
        for n in 1.. {
            let Ok(text) = std::fs::read_to_string(self.dir.join(&format!("{n}.json"))) else {
                break;
            };
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
                break;
            };
            out.push(Received {
                mail_from: v["mail_from"].as_str().unwrap_or("").to_owned(),
                rcpt_tos: v["rcpt_tos"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
                tls: v["tls"].as_bool().unwrap_or(false),
                authenticated: v["authenticated"].as_bool().unwrap_or(false),
                message: v["message"].as_str().unwrap_or("").to_owned(),
            });
        }
        out
    }
}
