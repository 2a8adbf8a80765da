//! The TLS options every example that speaks HTTPS (or SMTP over TLS) adds to its command
//! line: `--cacert FILE`, `--cert FILE`, `--key FILE`, `--insecure`. Long-only and accepted
//! only in full (see [`crate::support::getopt::parse_with_extensions`]), so they never change
//! what a superlance command line means.

use std::path::PathBuf;

use listener_sdk::http::HttpOptions;

use crate::support::getopt::Spec;

/// The options' specs, to append to a program's own.
pub const SPECS: [Spec; 4] = [
    Spec {
        short: None,
        long: "cacert",
        takes_value: true,
    },
    Spec {
        short: None,
        long: "cert",
        takes_value: true,
    },
    Spec {
        short: None,
        long: "key",
        takes_value: true,
    },
    Spec {
        short: None,
        long: "insecure",
        takes_value: false,
    },
];

/// The usage lines for them.
pub const USAGE: &str = "\
  --cacert FILE               trust only the CA certificates in FILE (PEM) instead
                              of the system store (SSL_CERT_FILE is honoured)
  --cert FILE, --key FILE     present this client certificate (and key), PEM
  --insecure                  do not verify the server's certificate
";

/// What the options say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsArgs {
    /// `--cacert`.
    pub ca_file: Option<PathBuf>,
    /// `--cert`.
    pub cert: Option<PathBuf>,
    /// `--key`.
    pub key: Option<PathBuf>,
    /// `--insecure`.
    pub insecure: bool,
}

impl TlsArgs {
    /// Takes `opt` if it is one of these; returns whether it was.
    pub fn take(&mut self, opt: &str, value: &str) -> bool {
        match opt {
            "cacert" => self.ca_file = Some(value.into()),
            "cert" => self.cert = Some(value.into()),
            "key" => self.key = Some(value.into()),
            "insecure" => self.insecure = true,
            _ => return false,
        }
        true
    }

    /// HTTP options with these TLS settings and `timeout`.
    pub fn http_options(&self, timeout: std::time::Duration, user_agent: &str) -> HttpOptions {
        HttpOptions {
            ca_file: self.ca_file.clone(),
            client_cert: self.cert.clone(),
            client_key: self.key.clone(),
            insecure: self.insecure,
            user_agent: user_agent.to_owned(),
            ..HttpOptions::with_timeout(timeout)
        }
    }
}
