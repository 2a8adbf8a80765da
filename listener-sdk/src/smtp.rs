//! Sending mail over SMTP with `lettre` (rustls): plain, STARTTLS or implicit TLS, AUTH,
//! and a timeout. The server's certificate is verified like [`crate::http`]'s (the system
//! store, or only a given CA file), unless explicitly turned off.
//!
//! ```no_run
//! use listener_sdk::smtp::{Mail, SmtpClient, SmtpOptions, Security};
//!
//! let client = SmtpClient::new(&SmtpOptions {
//!     security: Security::StartTls,
//!     username: Some("alerts".into()),
//!     password: Some("secret".into()),
//!     ..SmtpOptions::new("mail.example.com:587")
//! })?;
//! client.send(&Mail {
//!     from: "supervisor@example.com".into(),
//!     to: vec!["ops@example.com".into()],
//!     subject: Some("web crashed".into()),
//!     body: "web exited unexpectedly".into(),
//! })?;
//! # Ok::<(), listener_sdk::smtp::SmtpError>(())
//! ```

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Security {
    /// Plain SMTP (port 25 by default), as smtplib without `starttls()`.
    #[default]
    None,
    /// `STARTTLS` is required after `EHLO` (port 25 by default).
    StartTls,
    /// TLS from the first byte, SMTPS (port 465 by default).
    Tls,
}

/// Where and how to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpOptions {
    /// `host` or `host:port`, as smtplib takes it.
    pub server: String,
    /// Plain, STARTTLS or implicit TLS.
    pub security: Security,
    /// AUTH user name (AUTH only happens with both a user name and a password).
    pub username: Option<String>,
    /// AUTH password.
    pub password: Option<String>,
    /// Bounds connecting and each command (30 s by default).
    pub timeout: Duration,
    /// Trust only the CA certificates in this PEM file.
    pub ca_file: Option<PathBuf>,
    /// Accept any certificate (the explicit opt-out of verification).
    pub insecure: bool,
}

impl SmtpOptions {
    /// Plain SMTP to `server` (`host` or `host:port`), no AUTH, 30 s timeout.
    pub fn new(server: &str) -> SmtpOptions {
        SmtpOptions {
            server: server.to_owned(),
            security: Security::None,
            username: None,
            password: None,
            timeout: Duration::from_secs(30),
            ca_file: None,
            insecure: false,
        }
    }
}

/// One plain-text mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The `From:` address.
    pub from: String,
    /// The recipients (`To:`, joined by `, `).
    pub to: Vec<String>,
    /// The subject; no `Subject:` header when `None`.
    pub subject: Option<String>,
    /// The text.
    pub body: String,
}

/// Why mail could not be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SmtpError {
    /// The options or the mail are not usable (a bad address, an unreadable CA file).
    #[error("bad mail settings: {0}")]
    Config(String),
    /// The server could not be reached, refused the mail, or TLS/AUTH failed.
    #[error("SMTP failed: {0}")]
    Send(String),
}

/// A client for one server; connects for each [`SmtpClient::send`].
#[derive(Debug, Clone)]
pub struct SmtpClient {
    transport: SmtpTransport,
}

fn host_port(server: &str, security: Security) -> Result<(String, u16), SmtpError> {
    let default = match security {
        Security::Tls => 465,
        _ => 25,
    };
    let (host, port) = match server.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') || h.ends_with(']') => (h, Some(p)),
        _ => (server, None),
    };
    let host = host.trim_matches(['[', ']']);
    if host.is_empty() {
        return Err(SmtpError::Config(format!("no SMTP host in {server:?}")));
    }
    let port = match port {
        Some(p) => p
            .parse()
            .map_err(|_| SmtpError::Config(format!("bad port in {server:?}")))?,
        None => default,
    };
    Ok((host.to_owned(), port))
}

fn describe(e: &lettre::transport::smtp::Error) -> String {
    // lettre's Display omits the cause; the cause says why (an untrusted certificate...).
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

impl SmtpClient {
    /// A client with `options`; a bad server or an unreadable CA file is an error.
    pub fn new(options: &SmtpOptions) -> Result<SmtpClient, SmtpError> {
        let (host, port) = host_port(&options.server, options.security)?;
        let mut builder = SmtpTransport::builder_dangerous(&host)
            .port(port)
            .timeout(Some(options.timeout));
        if options.security != Security::None {
            let mut tls = TlsParameters::builder(host.clone())
                .dangerous_accept_invalid_certs(options.insecure);
            if let Some(path) = &options.ca_file {
                let pem = std::fs::read(path).map_err(|e| {
                    SmtpError::Config(format!("cannot read {}: {e}", path.display()))
                })?;
                let cert = Certificate::from_pem(&pem)
                    .map_err(|e| SmtpError::Config(format!("{}: {e}", path.display())))?;
                tls = tls
                    .certificate_store(lettre::transport::smtp::client::CertificateStore::None)
                    .add_root_certificate(cert);
            }
            let tls = tls
                .build_rustls()
                .map_err(|e| SmtpError::Config(describe(&e)))?;
            builder = builder.tls(match options.security {
                Security::Tls => Tls::Wrapper(tls),
                _ => Tls::Required(tls),
            });
        }
        if let (Some(user), Some(password)) = (&options.username, &options.password) {
            if !user.is_empty() && !password.is_empty() {
                builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
            }
        }
        Ok(SmtpClient {
            transport: builder.build(),
        })
    }

    /// Sends `mail` (with `Date:` and `Message-ID:` headers, as smtplib's callers add).
    pub fn send(&self, mail: &Mail) -> Result<(), SmtpError> {
        let message = build(mail)?;
        self.transport
            .send_raw(message.envelope(), &raw(&message))
            .map(|_| ())
            .map_err(|e| SmtpError::Send(describe(&e)))
    }
}

fn mailbox(addr: &str) -> Result<Mailbox, SmtpError> {
    addr.trim()
        .parse()
        .map_err(|e| SmtpError::Config(format!("bad address {addr:?}: {e}")))
}

fn build(mail: &Mail) -> Result<Message, SmtpError> {
    let mut builder = Message::builder()
        .from(mailbox(&mail.from)?)
        .date_now()
        .message_id(None)
        .header(ContentType::TEXT_PLAIN);
    if mail.to.is_empty() {
        return Err(SmtpError::Config("no recipient".to_owned()));
    }
    for to in &mail.to {
        builder = builder.to(mailbox(to)?);
    }
    if let Some(subject) = &mail.subject {
        builder = builder.subject(subject.clone());
    }
    let body = if seven_bit(&mail.body) {
        // Sent as it is, as Python's MIMEText sends ASCII text (the header is fixed up to
        // 7bit by `raw`): lettre's own 7bit choice folds lines longer than 76 characters.
        Body::new_with_encoding(mail.body.clone(), ContentTransferEncoding::Binary)
            .unwrap_or_else(Body::new)
    } else {
        Body::new(mail.body.clone())
    };
    builder
        .body(body)
        .map_err(|e| SmtpError::Config(e.to_string()))
}

/// Plain ASCII with lines short enough for SMTP (998 bytes).
fn seven_bit(text: &str) -> bool {
    text.is_ascii() && !text.contains('\0') && text.lines().all(|l| l.len() <= 998)
}

/// The message as sent: a `binary` body of 7-bit text is declared `7bit`.
fn raw(message: &Message) -> Vec<u8> {
    let bytes = message.formatted();
    let (from, to) = (
        &b"Content-Transfer-Encoding: binary\r\n"[..],
        &b"Content-Transfer-Encoding: 7bit\r\n"[..],
    );
    match bytes.windows(from.len()).position(|w| w == from) {
        Some(at) => [&bytes[..at], to, &bytes[at + from.len()..]].concat(),
        None => bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_parse_like_smtplib() {
        assert_eq!(
            host_port("localhost", Security::None),
            Ok(("localhost".into(), 25))
        );
        assert_eq!(
            host_port("mail:2525", Security::StartTls),
            Ok(("mail".into(), 2525))
        );
        assert_eq!(host_port("mail", Security::Tls), Ok(("mail".into(), 465)));
        assert!(host_port("mail:x", Security::None).is_err());
        assert!(host_port("", Security::None).is_err());
    }

    #[test]
    fn bad_mail_is_a_settings_error() {
        let mail = Mail {
            from: "not an address".into(),
            to: vec!["ops@example.com".into()],
            subject: None,
            body: "x".into(),
        };
        assert!(matches!(build(&mail), Err(SmtpError::Config(_))));
        let none = Mail {
            from: "a@b".into(),
            to: vec![],
            ..mail
        };
        assert!(matches!(build(&none), Err(SmtpError::Config(_))));
    }

    #[test]
    fn long_ascii_lines_go_as_they_are() {
        let line =
            "2026-12-03 13:00:00,123 -- Process crasher:crasher (pid 4242) died unexpectedly";
        let mail = Mail {
            from: "a@b.example".into(),
            to: vec!["c@d.example".into()],
            subject: Some("s".into()),
            body: line.into(),
        };
        let text = String::from_utf8(raw(&build(&mail).expect("builds"))).expect("utf8");
        assert!(
            text.contains("Content-Transfer-Encoding: 7bit\r\n"),
            "{text}"
        );
        assert!(text.ends_with(&format!("\r\n\r\n{line}")), "{text}");
        let utf8 = Mail {
            body: "héllo".into(),
            ..mail
        };
        let text = String::from_utf8(raw(&build(&utf8).expect("builds"))).expect("utf8");
        assert!(!text.contains("binary"), "{text}");
    }
}
